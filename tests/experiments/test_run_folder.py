"""What ``reproduce`` and ``plot`` do with their folders and files as a user meets them: a
``--resume`` never rewrites the run's settings, a refused run leaves nothing behind, a damaged
``results.jsonl`` is named with its line, and the plot says what it wrote and can be read."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
matplotlib = pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from sparsity_oracle.cli import main  # noqa: E402
from sparsity_oracle.gpu_impl.experiments import cli_plot  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.run_files import read_jsonl  # noqa: E402

RUN = ["reproduce", "--method", "lt", "--model", "linear", "--epochs", "1", "--no-progress"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 3-iteration run."""
    out = tmp_path_factory.mktemp("runs") / "k2"
    assert main([*RUN, "--iterations", "3", "--out", str(out)]) == 0
    return out


def _copy(run, to):
    to.mkdir()
    for name in ("results.jsonl", "config.json", "init.pt"):
        (to / name).write_bytes((run / name).read_bytes())
    (to / "checkpoints").mkdir()
    for checkpoint in (run / "checkpoints").iterdir():
        (to / "checkpoints" / checkpoint.name).write_bytes(checkpoint.read_bytes())
    return to


def test_resume_with_fewer_iterations_than_completed_is_refused(finished, capsys):
    before = {name: (finished / name).read_bytes() for name in ("results.jsonl", "config.json")}
    assert main([*RUN, "--iterations", "2", "--out", str(finished), "--resume"]) == 2
    assert capsys.readouterr().err == (f"sparsity-oracle reproduce: error: --iterations 2: {finished} already holds "
                                       "3 completed iterations; ask for 3 or more, or choose another --out\n")
    assert {name: (finished / name).read_bytes() for name in before} == before


def test_resume_of_a_finished_run_changes_nothing(finished, capsys):
    before = {name: (finished / name).read_bytes() for name in ("results.jsonl", "config.json")}
    assert main([*RUN, "--iterations", "3", "--out", str(finished), "--resume"]) == 0
    assert capsys.readouterr().out.startswith(f"{finished}: 3 iterations;")
    assert {name: (finished / name).read_bytes() for name in before} == before


def test_resume_with_more_iterations_records_only_the_new_count(finished, tmp_path):
    run = _copy(finished, tmp_path / "run")
    before = json.loads((run / "config.json").read_text())
    assert main([*RUN, "--iterations", "4", "--out", str(run), "--resume"]) == 0
    after = json.loads((run / "config.json").read_text())
    assert after == {**before, "settings": {**before["settings"], "iterations": 4}}
    lines = read_jsonl(run / "results.jsonl")
    assert [line["iteration"] for line in lines] == [0, 1, 2, 3]
    assert lines[:3] == read_jsonl(finished / "results.jsonl")


def test_a_truncated_results_file_is_named_with_its_line(finished, tmp_path, capsys):
    run = _copy(finished, tmp_path / "run")
    with (run / "results.jsonl").open("a") as results:
        results.write('{"iteration": 3, "kep')
    assert main([*RUN, "--iterations", "5", "--out", str(run), "--resume"]) == 2
    assert main(["plot", str(run), "--output", str(tmp_path / "fig.png")]) == 2
    expected = (f"{run / 'results.jsonl'}, line 4: not a complete JSON object (error at column 18); "
                "was the file cut short or edited?")
    assert capsys.readouterr().err.splitlines() == [f"sparsity-oracle {command}: error: {expected}"
                                                    for command in ("reproduce", "plot")]
    assert not (tmp_path / "fig.png").exists()


@pytest.mark.parametrize("options, message", [
    (["--device", "tpu"], "device 'tpu': expected auto, cpu, cuda or cuda:N"),
    (["--dataset", "cifar10"], "dataset 'cifar10' needs --data-dir"),
    (["--iterations", "0"], "iterations must be >= 1"),
])
def test_a_refused_run_leaves_nothing_behind(tmp_path, capsys, options, message):
    out = tmp_path / "new" / "run"
    assert main([*RUN, *options, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def _fake_run(folder, method, seed, kept):
    """A run folder holding results lines only (what ``plot`` reads)."""
    folder.mkdir(parents=True)
    lines = [{"iteration": t, "method": method, "model": "mlp", "dataset": "digits", "scope": "global", "epochs": 1,
              "p": 0.5, "q": 1.0, "seed": seed, "kept_fraction": k, "accuracy_retrained": 0.9 - 0.01 * t,
              "pqi": 0.1, "gini": 0.3} for t, k in enumerate(kept)]
    (folder / "results.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(folder)


@pytest.fixture
def drawn(monkeypatch):
    """The figures ``plot`` saves, kept open for inspection."""
    figures = []
    save = Figure.savefig

    def keep(figure, *args, **kwargs):
        figures.append(figure)
        return save(figure, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def test_plot_of_single_runs_is_readable(tmp_path, capsys, drawn):
    """One seed per curve: no "(1 runs)"; coinciding curves keep distinct styles; the kept panel
    is linear above 10 % and labels the last values; ``--output fig`` writes and says fig.png."""
    runs = [_fake_run(tmp_path / "lt", "lt", 0, [1.0, 0.8, 0.64]),
            _fake_run(tmp_path / "oneshot", "oneshot", 0, [1.0, 0.8, 0.64]),
            _fake_run(tmp_path / "sap", "sap", 0, [1.0, 0.75, 0.5625])]
    assert main(["plot", *runs, "--output", str(tmp_path / "fig")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'fig.png'}\n"
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (figure,) = drawn
    accuracy, kept = figure.axes[0], figure.axes[1]
    assert [t.get_text() for t in accuracy.get_legend().get_texts()] == [
        "Lottery ticket", "One-shot", "SAP (p=0.5, q=1)"]
    styles = {(line.get_marker(), line.get_linestyle()) for line in kept.get_lines()}
    assert len(styles) == 3
    assert kept.get_yscale() == "linear"
    assert sorted(text.get_text() for text in kept.texts) == ["56.2 %", "64 %"]


def test_plot_counts_seeds_and_turns_log_below_ten_percent(tmp_path, drawn):
    runs = [_fake_run(tmp_path / f"lt-s{seed}", "lt", seed, [1.0, 0.2, 0.04]) for seed in (0, 1)]
    runs.append(_fake_run(tmp_path / "oneshot-s0", "oneshot", 0, [1.0, 0.5, 0.25]))
    assert main(["plot", *runs, "--output", str(tmp_path / "fig.png")]) == 0
    (figure,) = drawn
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "Lottery ticket, 2 seeds", "One-shot, 1 seed"]
    assert figure.axes[1].get_yscale() == "log"


def test_plot_output_that_cannot_be_written(tmp_path, capsys):
    run = _fake_run(tmp_path / "lt", "lt", 0, [1.0, 0.8])
    (tmp_path / "afile").write_text("")
    assert main(["plot", run, "--output", str(tmp_path / "afile" / "x.png")]) == 2
    assert main(["plot", run, "--output", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"sparsity-oracle plot: error: --output {tmp_path / 'afile' / 'x.png'}: "
                      f"{tmp_path / 'afile'} exists and is not a folder")
    assert err[1].startswith(f"sparsity-oracle plot: error: --output {tmp_path / 'x.txt'}: cannot write a .txt image")
    assert cli_plot.output_path("a/b.PDF").name == "b.PDF"
