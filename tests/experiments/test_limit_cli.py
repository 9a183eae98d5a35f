"""``sparsity-oracle limit`` end to end on tiny runs (digits, linear model): contract §11's files and
keys, the prediction recomputed from the written files (gpu_impl and the exact reference), the
actual limit recomputed from actual.jsonl, ``--init``, ``--resume`` after interruptions (same
files as an uninterrupted run), one-line errors."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle import reference  # noqa: E402
from sparsity_oracle.cli import main  # noqa: E402
from sparsity_oracle.gpu_impl import Spectrum, hessian, pruning_limit  # noqa: E402
from sparsity_oracle.gpu_impl.experiments import limit_run  # noqa: E402

RATIOS = ["0", "0.2", "0.5", "0.7", "0.9"]
TINY = ["--model", "linear", "--epochs", "15", "--ratios", *RATIOS, "--finetune-epochs", "1", "--no-progress"]
FILES = ("limit.json", "spectrum.npz", "magnitudes.npy", "actual.jsonl", "config.json", "dense.pt")


def _json(path):
    return json.loads(path.read_text())


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def exact_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("limit") / "exact"
    assert main(["limit", *TINY, "--spectrum", "exact", "--eta", "0.1", "--out", str(out)]) == 0
    return out


def test_exact_run_files_and_values(exact_run):
    out = exact_run
    for name in FILES + ("limit.png",):
        assert (out / name).is_file(), name
    record = _json(out / "limit.json")
    assert tuple(record) == limit_run.LIMIT_KEYS
    assert record["spectrum"] == "exact" and record["negative"] == "abs" and record["total"] == 640
    magnitudes = np.load(out / "magnitudes.npy")
    dense = torch.load(out / "dense.pt")
    assert magnitudes.dtype == np.float32 and np.array_equal(magnitudes, dense["1.weight"].abs().reshape(-1).numpy())
    with np.load(out / "spectrum.npz") as saved:
        assert set(saved.files) == {"eigenvalues"}
        eigenvalues = saved["eigenvalues"]
    assert eigenvalues.shape == (640,) and record["trace"] == pytest.approx(float(eigenvalues.sum()), rel=1e-12)
    # the prediction, recomputed from the written files: torch, and the exact reference
    again = pruning_limit(torch.from_numpy(magnitudes), torch.from_numpy(eigenvalues), record["eps"], eta=0.1)
    assert (again.kept, again.kept_lower, again.kept_upper) == (record["kept"], record["kept_lower"], record["kept_upper"])
    assert reference.pruning_limit(magnitudes, eigenvalues, record["eps"]).kept == record["kept"]
    assert record["kept_fraction"] == record["kept"] / 640
    assert record["kept_upper"] - record["kept"] == pytest.approx(math.sqrt(8 * math.log(40) * 640), rel=1e-12) or \
        record["kept_upper"] == 640
    lines = _lines(out / "actual.jsonl")
    assert [line["ratio"] for line in lines] == [float(r) for r in RATIOS]
    for line in lines:
        assert tuple(line) == limit_run.ACTUAL_KEYS
        assert line["removed"] == round(line["ratio"] * 640) and line["kept"] == 640 - line["removed"]
        assert line["within_eps"] == (line["loss"] <= record["loss_dense"] + record["eps"])
        assert line["loss_finetuned"] is not None and 0 <= line["test_accuracy_finetuned"] <= 1
    assert lines[0]["loss"] == record["loss_dense"]
    assert lines[-1]["loss"] > lines[0]["loss"] + record["eps"]  # removing 90 % costs more than eps
    actual = max(line["ratio"] for line in lines if line["within_eps"])
    assert record["actual_removed_fraction"] == actual
    assert record["delta"] == pytest.approx(1 - record["kept"] / 640 - actual, abs=1e-15)
    settings = _json(out / "config.json")["settings"]
    assert settings["eps"] == "batch-std" and settings["ratios"] == [float(r) for r in RATIOS]


def test_eps_batch_std_and_objective(exact_run):
    """eps = the std of the 128-sample batch losses, recomputed here from dense.pt."""
    from sparsity_oracle.gpu_impl.experiments.data import load_dataset
    from sparsity_oracle.gpu_impl.experiments.models import build_model
    from sparsity_oracle.gpu_impl.experiments.training import epoch_generator

    record = _json(exact_run / "limit.json")
    data = load_dataset("digits")
    model = build_model("linear", data.in_shape, data.classes)
    model.load_state_dict(torch.load(exact_run / "dense.pt"))
    order = torch.randperm(1347, generator=epoch_generator(0, 0, 0))
    with torch.no_grad():
        losses = [float(torch.nn.functional.cross_entropy(model(data.x_train[order[i:i + 128]]),
                                                          data.y_train[order[i:i + 128]])) for i in range(0, 1347, 128)]
        loss = float(torch.nn.functional.cross_entropy(model(data.x_train), data.y_train))
    assert record["eps"] == pytest.approx(float(np.std(losses)), rel=1e-12)
    assert record["loss_dense"] == pytest.approx(loss, rel=1e-6)


def test_init_skips_training_and_gives_the_same_limit(exact_run, tmp_path):
    out = tmp_path / "init"
    assert main(["limit", *TINY, "--spectrum", "exact", "--eta", "0.1", "--init", str(exact_run / "dense.pt"),
                 "--out", str(out)]) == 0
    assert _json(out / "limit.json") == _json(exact_run / "limit.json")
    assert (out / "actual.jsonl").read_text() == (exact_run / "actual.jsonl").read_text()


class Interrupted(Exception):
    pass


def _fail_after(monkeypatch, owner, name, calls):
    original = getattr(owner, name)
    count = {"n": 0}

    def wrapper(*args, **kwargs):
        count["n"] += 1
        if count["n"] > calls:
            raise Interrupted
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def test_resume_after_interruptions_writes_the_same_files(tmp_path, monkeypatch):
    slq = [*TINY, "--spectrum", "slq", "--lanczos-steps", "6", "--probes", "3", "--l1", "1e-4"]
    assert main(["limit", *slq, "--out", str(tmp_path / "whole")]) == 0
    out = tmp_path / "parts"
    with monkeypatch.context() as patch:  # stop in the middle of the second SLQ probe
        _fail_after(patch, hessian.LossHessian, "hvp", 9)
        with pytest.raises(Interrupted):
            main(["limit", *slq, "--out", str(out)])
    with np.load(out / "slq_probes.npz") as saved:
        assert int(saved["done"]) == 1
    assert not (out / "spectrum.npz").exists()
    assert main(["limit", *slq, "--out", str(out)]) == 2  # no --resume: refused
    with monkeypatch.context() as patch:  # stop after two ratios
        _fail_after(patch, limit_run, "fixed_ratio_masks", 2)
        with pytest.raises(Interrupted):
            main(["limit", *slq, "--out", str(out), "--resume"])
    assert len(_lines(out / "actual.jsonl")) == 2 and not (out / "slq_probes.npz").exists()
    assert main(["limit", *slq, "--out", str(out), "--resume"]) == 0
    for name in FILES:
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    with np.load(out / "spectrum.npz") as saved:
        spectrum = Spectrum(torch.from_numpy(saved["nodes"]), torch.from_numpy(saved["weights"]),
                            float(saved["zero_fraction"]))
    assert spectrum.nodes.numel() == 18 and spectrum.zero_fraction == 0
    assert _json(out / "limit.json")["trace"] == pytest.approx(hessian.spectrum_trace(spectrum, 640), rel=1e-12)


def test_one_line_errors(tmp_path, capsys, exact_run):
    def error(argv):
        code = main(["limit", *argv])
        lines = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("sparsity-oracle limit: error: "), lines
        return lines[0]

    assert "use --spectrum slq" in error(["--model", "cnn", "--spectrum", "exact", "--out", str(tmp_path / "a"),
                                          "--no-progress"])
    assert "no such file" in error(["--model", "linear", "--init", str(tmp_path / "missing.pt"),
                                    "--out", str(tmp_path / "b"), "--no-progress"])
    assert "does not fit" in error(["--model", "mlp", "--init", str(exact_run / "dense.pt"),
                                    "--out", str(tmp_path / "c"), "--no-progress"])
    assert "strictly increasing" in error(["--ratios", "0.5", "0.2", "--out", str(tmp_path / "d")])
    assert "eta must lie in (0, 1)" in error(["--eta", "1", "--out", str(tmp_path / "e")])
    assert "already holds a run" in error(["--model", "linear", "--out", str(exact_run)])
    (tmp_path / "file").write_text("")
    assert "exists and is not a folder" in error(["--out", str(tmp_path / "file" / "g")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # a refused run leaves nothing behind
    with pytest.raises(SystemExit) as exit_info:
        main(["limit", "--eps", "tiny", "--out", str(tmp_path / "f")])
    assert exit_info.value.code == 2 and "must be a number or batch-std" in capsys.readouterr().err


def test_a_sweep_runs_limit_and_summarises_its_limit_json(tmp_path):
    from sparsity_oracle import sweep

    path = tmp_path / "limit.toml"
    path.write_text('command = "limit"\n[fixed]\nmodel = "linear"\nepochs = 2\nspectrum = "exact"\n'
                    'ratios = [0, 0.5]\nfinetune_epochs = 0\nno_progress = true\n[grid]\nseed = [3]\n')
    (run,) = sweep.load_sweep(path).runs
    out = tmp_path / "sweep"
    for sub in ("runs", "status", "logs"):
        (out / sub).mkdir(parents=True)
    assert sweep.execute(str(out), str(tmp_path), "limit", run) == {"name": "seed=3", "exit": 0, "message": ""}
    assert sweep.is_finished(out, run)
    record = _json(out / "runs" / "seed=3" / "limit.json")
    with open(sweep.write_summary(out, [run]), newline="") as f:
        (row,) = csv.DictReader(f)
    assert row["run"] == "seed=3" and row["eps"] == "batch-std" and row["spectrum"] == "exact"
    assert int(row["kept"]) == record["kept"] and "spectrum (result)" not in row
    assert float(row["eps (result)"]) == record["eps"]  # the number batch-std resolved to
    assert float(row["actual_removed_fraction"]) == record["actual_removed_fraction"]


def test_the_ready_made_limit_sweep_has_the_trained_sets_of_run_limit_sh():
    """benchmarks/sweeps/limit-digits.toml gives, per seed 0-2, the same `limit` settings as
    run_limit.sh's linear, linear-l1, mlp, mlp-l1 and cnn sets (both parsed by the command)."""
    import argparse
    import re
    from pathlib import Path

    from sparsity_oracle import sweep
    from sparsity_oracle.gpu_impl.experiments import cli_limit

    root = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser()
    cli_limit.add_arguments(parser)

    def settings(argv):
        parsed = vars(parser.parse_args([*argv, "--out", "x"]))
        return tuple(sorted((k, repr(v)) for k, v in parsed.items() if k not in ("out", "resume", "progress")))

    script = (root / "benchmarks" / "run_limit.sh").read_text()
    sets = dict(re.findall(r'^  \[([\w-]+)\]="([^"]*)"$', script, re.M))
    expected = sorted(settings([*sets[name].split(), "--seed", str(seed)])
                      for name in ("linear", "linear-l1", "mlp", "mlp-l1", "cnn") for seed in range(3))
    loaded = sweep.load_sweep(root / "benchmarks" / "sweeps" / "limit-digits.toml")
    assert loaded.command == "limit"
    assert sorted(settings(run.argv) for run in loaded.runs) == expected
