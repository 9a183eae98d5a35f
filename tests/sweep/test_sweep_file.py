"""The sweep without Ray (contract §12): the file, run names and arguments, the run states (one
attempt executed in this process), summary.csv, the plot of a sweep folder, the errors."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sparsity_oracle import sweep
from sparsity_oracle.cli import main
from sparsity_oracle.gpu_impl.experiments.cli_plot import load_runs

HEAD = 'command = "reproduce"\n'
TINY = HEAD + """\
[fixed]
model = "linear"
iterations = 2
epochs = 1
no_progress = true
[grid]
seed = [0]
"""


def sweep_file(tmp_path, text, name="sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_grid_expands_in_file_order_with_options_set_together(tmp_path):
    loaded = sweep.load_sweep(sweep_file(tmp_path, HEAD + """\
[fixed]
model = "linear"
no_progress = true
[grid]
method = [{method = "sap", p = 1, q = 2.5}, {method = "lt"}]
seed = [0, 1]
[resources]
cpus = 0
gpus = 0.25
"""))
    assert [run.name for run in loaded.runs] == [
        "method=sap,p=1,q=2.5,seed=0", "method=sap,p=1,q=2.5,seed=1", "method=lt,seed=0", "method=lt,seed=1"]
    first = loaded.runs[0]
    assert first.settings == {"model": "linear", "no_progress": True, "method": "sap", "p": 1, "q": 2.5, "seed": 0}
    assert first.argv == ("--model", "linear", "--no-progress", "--method", "sap", "--p", "1", "--q", "2.5",
                          "--seed", "0")
    assert (loaded.command, loaded.cpus, loaded.gpus) == ("reproduce", 0.0, 0.25)


def test_option_arguments():
    assert sweep.option_arguments("no_nesterov", True) == ["--no-nesterov"]
    assert sweep.option_arguments("no_nesterov", False) == []
    assert sweep.option_arguments("ratios", [0.1, 1]) == ["--ratios", "0.1", "1"]
    assert sweep.option_arguments("eta_r", 1e-3) == ["--eta-r", "0.001"]
    assert sweep.option_arguments("dataset", "digits") == ["--dataset", "digits"]


@pytest.mark.parametrize("text, message", [
    ('command = "nope"\n[grid]\nseed = [0]', "command = 'nope' is not a command to sweep"),
    ('command = "sweep"\n[grid]\nseed = [0]', "command = 'sweep' is not a command to sweep"),
    ('command = "plot"\n[grid]\nruns = ["a"]', "command = 'plot' cannot be swept: it has no --out or --resume option"),
    (HEAD + '[fixed]\nmethod = "lt"', "[grid] must list at least one option"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\nseed = []', "[grid] seed must be a non-empty list"),
    (HEAD + '[fixed]\nmethod = "lt"\nseed = 1\n[grid]\nseed = [0]', "seed: set in both [fixed] and [grid]"),
    (HEAD + '[grid]\nmethod = ["lt", {method = "sap"}]', "a list of tables (options set together) or of values"),
    (HEAD + '[grid]\na = [{method = "lt"}]\nb = [{method = "sap"}]', "[grid] method is set by both 'a' and 'b'"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\nseed = [0, 0]', "[grid] gives the run 'seed=0' twice"),
    (HEAD + '[fixed]\nout = "x"\n[grid]\nseed = [0]', "[fixed]: 'out' is set by the sweep"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\ndata_dir = ["a/b"]', "a grid value may not contain"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\nseed = [[0, 1]]', "[grid] seed: seed = [0, 1] must be a string, number"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\nsed = [0]', "run sed=0: unrecognized arguments: --sed 0"),
    (HEAD + '[grid]\nmethod = ["lt", "nope"]', "run method=nope: argument --method: invalid choice: 'nope'"),
    (HEAD + '[grid]\nseed = [0]', "run seed=0: the following arguments are required: --method"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\nseed = [0]\n[resources]\ngpus = 1.5', "gpus = 1.5 must be 0, a fraction"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\nseed = [0]\n[resources]\nmemory = 1', "[resources] memory: unknown"),
    (HEAD + '[fixed]\nmethod = "lt"\n[grid]\nseed = [0]\n[resources]\ncpus = 0', "a run needs some cpus or gpus"),
    (HEAD + 'resources = 2\n[fixed]\nmethod = "lt"\n[grid]\nseed = [0]', "[resources] must be a table"),
    (HEAD + 'colour = 1\n[grid]\nseed = [0]', "unknown key(s) colour"),
    (HEAD + '[grid\nseed = [0]', "not a TOML file"),
])
def test_a_bad_file_is_refused_with_what_is_wrong(tmp_path, text, message):
    with pytest.raises(sweep.SweepError) as error:
        sweep.load_sweep(sweep_file(tmp_path, text))
    assert message in str(error.value)


def test_one_attempt_runs_the_command_resumes_and_reports(tmp_path):
    (run,) = sweep.load_sweep(sweep_file(tmp_path, TINY.replace("[grid]", 'method = "lt"\n[grid]'))).runs
    out = tmp_path / "out"
    for sub in ("runs", "status", "logs"):
        (out / sub).mkdir(parents=True)
    assert not sweep.is_finished(out, run)
    assert sweep.execute(str(out), str(tmp_path), "reproduce", run) == {"name": "seed=0", "exit": 0, "message": ""}
    assert sweep.is_finished(out, run)
    folder, log = out / "runs" / "seed=0", out / "logs" / "seed=0.log"
    assert json.loads((out / "status" / "seed=0.json").read_text())["argv"] == list(run.argv)
    assert len((folder / "results.jsonl").read_text().splitlines()) == 2
    first_checkpoint = (folder / "checkpoints" / "iter_0.pt").stat().st_mtime_ns
    # new arguments: no longer finished; the next attempt resumes the folder (T grows to 3)
    longer = dataclasses.replace(run, argv=run.argv + ("--iterations", "3"))
    assert not sweep.is_finished(out, longer)
    assert sweep.execute(str(out), str(tmp_path), "reproduce", longer)["exit"] == 0
    assert len((folder / "results.jsonl").read_text().splitlines()) == 3
    assert (folder / "checkpoints" / "iter_0.pt").stat().st_mtime_ns == first_checkpoint
    headers = [line for line in log.read_text().splitlines() if line.startswith("# attempt: pid ")]
    assert len(headers) == 2 and not headers[0].endswith("--resume") and headers[1].endswith("--resume")
    # a failing command: its exit status and last line; the run stays unfinished
    changed = dataclasses.replace(run, argv=run.argv + ("--lr", "0.5"))
    result = sweep.execute(str(out), str(tmp_path), "reproduce", changed)
    assert result["exit"] == 2 and "--resume with settings that differ" in result["message"]
    assert not sweep.is_finished(out, changed)
    missing = sweep.execute(str(tmp_path / "elsewhere"), str(tmp_path), "reproduce", run)
    assert missing["exit"] == 1 and "--out must be on a filesystem shared by all nodes" in missing["message"]


def fake_run(folder: Path, settings: dict, lines: list[dict]) -> None:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"settings": settings, "threads": 1}))
    (folder / "results.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_summary_has_a_row_per_record_and_every_setting_as_a_column(tmp_path):
    fake_run(tmp_path / "runs" / "method=sap,seed=0", {"method": "sap", "p": 1.0, "seed": 0, "data_dir": None},
             [{"iteration": t, "method": "sap", "p": 1.0, "kept": 10 - t, "layers": {"w": {"kept": 10 - t}}}
              for t in range(2)])
    limit = tmp_path / "runs" / "seed=1"
    limit.mkdir(parents=True)
    (limit / "config.json").write_text(json.dumps({"settings": {"seed": 1, "ratios": [0.5, 0.9]}}))
    (limit / "limit.json").write_text(json.dumps({"kept": 3, "spectrum": "exact"}))
    runs = [sweep.Run("method=sap,seed=0", {"method": "sap", "p": 1, "seed": 0}, ()),
            sweep.Run("seed=1", {"seed": 1, "no_progress": True}, ())]
    assert sweep.write_summary(tmp_path, runs).read_text() == (
        "run,method,p,seed,data_dir,iteration,kept,layers.w.kept,no_progress,ratios,spectrum\n"
        '"method=sap,seed=0",sap,1.0,0,,0,10,10,,,\n'
        '"method=sap,seed=0",sap,1.0,0,,1,9,9,,,\n'
        'seed=1,,,1,,,3,,true,"[0.5, 0.9]",exact\n'
    )


def result_line(t, method="sap", **settings):
    return {"iteration": t, "method": method, "model": "mlp", "dataset": "digits", "scope": "global", "p": 0.5,
            "q": 1.0, "epochs": 10, "accuracy_retrained": 0.9, "kept_fraction": 0.8 ** t, "pqi": 0.1,
            "gini": 0.4, **settings}


def test_curves_apart_in_a_setting_the_legend_omits_stay_apart(tmp_path):
    folders = []
    for eta_r in (0.0, 0.1):
        for seed in (0, 1):
            folder = tmp_path / "runs" / f"eta_r={eta_r},seed={seed}"
            fake_run(folder, {"method": "sap", "p": 0.5, "q": 1.0, "eta_r": eta_r, "gamma": 1.0, "seed": seed},
                     [result_line(t) for t in range(3)])
            folders.append(folder)
    curves = load_runs(folders)
    assert [dict(key)["eta_r"] for key in curves] == ["eta_r=0", "eta_r=0.1"]
    assert [len(runs) for runs in curves.values()] == [2, 2]  # the seeds of a setting are one curve
    assert all(dict(key)["method"] == "SAP (p=0.5, q=1)" for key in curves)
    assert main(["plot", str(tmp_path)]) == 0  # a sweep folder: its figures
    assert (tmp_path / "figures" / "pruning-digits-mlp.png").read_bytes()[:4] == b"\x89PNG"
    empty = tmp_path / "empty"
    (empty / "runs" / "seed=0").mkdir(parents=True)  # a run that has not completed an iteration
    assert main(["plot", str(empty)]) == 2
    assert main(["plot", str(empty), "--output", str(tmp_path / "x.png")]) == 2
    assert not (tmp_path / "x.png").exists()


def test_the_command_line_without_ray_names_the_extra(tmp_path):
    boot = "import sys; sys.modules['ray'] = None; from sparsity_oracle.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", boot, "sweep", str(sweep_file(tmp_path, TINY)),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"sparsity-oracle sweep: error: {sweep.UNAVAILABLE}"]
    assert not (tmp_path / "out").exists()


def test_the_command_line_refuses_a_bad_file_or_a_used_folder_and_resumes_a_finished_sweep(tmp_path, capsys):
    pytest.importorskip("ray", reason="the sweep command needs Ray: pip install 'sparsity-oracle[sweep]'")
    bad = sweep_file(tmp_path, TINY, "bad.toml")
    assert main(["sweep", str(bad), "--out", str(tmp_path / "bad")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "sparsity-oracle sweep: error: run seed=0: the following arguments are required: --method"]
    path = sweep_file(tmp_path, TINY.replace("[grid]", 'method = "lt"\n[grid]'))
    out = tmp_path / "out"
    for sub in ("runs", "status", "logs"):
        (out / sub).mkdir(parents=True)
    (run,) = sweep.load_sweep(path).runs
    assert sweep.execute(str(out), str(tmp_path), "reproduce", run)["exit"] == 0
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    assert "already holds a sweep: pass --resume" in capsys.readouterr().err
    # everything finished: --resume starts no Ray, writes the summary and the figures
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--no-progress"]) == 0
    report = capsys.readouterr().out
    assert "1 of 1 runs finished (1 before this invocation), 0 failed" in report
    import ray

    assert not ray.is_initialized()
    rows = (out / "summary.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[1].startswith("seed=0,linear,2,1,true,lt,0,")
    assert (out / "figures" / "pruning-digits-linear.png").is_file()
    assert (out / "sweep.toml").read_text() == path.read_text()



def test_the_ready_made_sweeps_are_valid():
    shipped = sorted((Path(__file__).resolve().parents[2] / "benchmarks" / "sweeps").glob("*.toml"))
    assert len(shipped) >= 8
    for path in shipped:
        loaded = sweep.load_sweep(path)  # every run's arguments parsed by the command's parser
        assert all(run.settings["dataset"] == "digits" for run in loaded.runs), path.name
