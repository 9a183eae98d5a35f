"""Sweeps on a local Ray (2 CPUs): nothing lost, nothing redone (contract §12, issue 16).

The same 4 tiny reproduce runs (MLP on digits, 5 iterations of 2 epochs; SAP and Lottery
ticket x 2 seeds) three ways:

* the reference: each run made by the single command, one after another, in this process, and
  summarised by the sweep's own ``write_summary``;
* a sweep during which the worker process of one run is killed (SIGKILL, by the pid its log
  names) after the run's first iteration: Ray retries the task, the run resumes, and
  ``summary.csv`` and every ``results.jsonl`` equal the reference's;
* a sweep whose driver is interrupted (SIGINT, as Ctrl-C) once a run has finished and another
  has completed an iteration, then ``--resume``: same ``summary.csv``, and no file of a finished
  run, nor any completed iteration of the interrupted one, is written again (their timestamps).

Each sweep is a separate ``sparsity-oracle sweep`` process starting its own local Ray.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("ray", reason="the sweep tests need Ray: pip install 'sparsity-oracle[sweep]'")

from sparsity_oracle import sweep  # noqa: E402
from sparsity_oracle.cli import main  # noqa: E402

SWEEP = """\
command = "reproduce"
[fixed]
model = "mlp"
iterations = 5
epochs = 2
no_progress = true
[grid]
method = [{method = "sap", p = 1, q = 2}, {method = "lt"}]
seed = [0, 1]
[resources]
cpus = 1
"""
NAMES = ["method=sap,p=1,q=2,seed=0", "method=sap,p=1,q=2,seed=1", "method=lt,seed=0", "method=lt,seed=1"]
#: The sweep processes: a local Ray of 2 CPUs, no usage reporting.
ENV = {**os.environ, "RAY_OVERRIDE_RESOURCES": '{"CPU": 2}', "RAY_USAGE_STATS_ENABLED": "0"}
LIMIT = 240  # seconds a sweep process may take before the test fails


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "tiny.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def reference(sweep_file, tmp_path_factory):
    """The runs made one by one by the single command, and their summary."""
    out = tmp_path_factory.mktemp("reference")
    runs = sweep.load_sweep(sweep_file).runs
    assert [run.name for run in runs] == NAMES
    for run in runs:
        assert main(["reproduce", *run.argv, "--out", str(out / "runs" / run.name)]) == 0
    return out, sweep.write_summary(out, runs).read_text()


def start(sweep_file, out, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "sparsity_oracle", "sweep", str(sweep_file), "--out", str(out), "--no-progress", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )


def wait_until(process, condition, what):
    """Poll ``condition`` every 20 ms while ``process`` runs; fail if it ends or times out first."""
    deadline = time.monotonic() + LIMIT
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"the sweep ended or hung before {what}:\n{out}\n{err[-3000:]}")
        time.sleep(0.02)


def iterations_done(out, name) -> int:
    path = out / "runs" / name / "results.jsonl"
    return len(path.read_text().splitlines()) if path.is_file() else 0


def attempts(out, name) -> list[str]:
    """The header lines of the run's log, one per attempt."""
    return [line for line in (out / "logs" / f"{name}.log").read_text().splitlines() if line.startswith("# attempt")]


def finish(process):
    out, err = process.communicate(timeout=LIMIT)
    assert process.returncode == 0, out + err[-3000:]
    return out


def assert_same_results(out, reference_out, summary):
    assert (out / "summary.csv").read_text() == summary
    for name in NAMES:  # each folder is what the single command writes
        assert (out / "runs" / name / "results.jsonl").read_bytes() == \
            (reference_out / "runs" / name / "results.jsonl").read_bytes()


def test_a_killed_worker_is_retried_and_its_run_resumed(sweep_file, reference, tmp_path):
    reference_out, summary = reference
    out = tmp_path / "sweep"
    process = start(sweep_file, out)
    victim = NAMES[0]
    wait_until(process, lambda: iterations_done(out, victim) >= 1, f"{victim} completed an iteration")
    (header,) = attempts(out, victim)
    pid = int(re.search(r"pid (\d+)", header).group(1))
    os.kill(pid, signal.SIGKILL)
    assert iterations_done(out, victim) < 5, "the run finished before its worker was killed"
    finish(process)
    first, second = attempts(out, victim)
    assert f"pid {pid} " in first and f"pid {pid} " not in second and second.endswith("--resume")
    assert_same_results(out, reference_out, summary)
    assert (out / "figures" / "pruning-digits-mlp.png").stat().st_size > 0


def test_an_interrupted_sweep_resumes_without_redoing_anything(sweep_file, reference, tmp_path):
    reference_out, summary = reference
    out = tmp_path / "sweep"
    process = start(sweep_file, out)

    def one_finished_one_partial():
        # the partial run at 1 or 2 of its 5 iterations: seconds of work left, so it cannot finish
        # before the interrupt stops it (two runs started together end together on a quiet machine,
        # and one at 4 of 5 when the other finishes did finish before its worker was stopped)
        finished = [name for name in NAMES if (out / "status" / f"{name}.json").exists()]
        return finished and any(1 <= iterations_done(out, name) <= 2 for name in NAMES if name not in finished)

    wait_until(process, one_finished_one_partial, "one run finished and another completed an iteration")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=LIMIT)
    (hint,) = [line for line in err.splitlines() if line.startswith("sparsity-oracle sweep: interrupted; ")]
    assert process.returncode == 130 and hint.endswith(f"--out {out} --resume")
    finished = [name for name in NAMES if (out / "status" / f"{name}.json").exists()]
    partial = [name for name in NAMES if name not in finished and iterations_done(out, name)]
    assert finished and partial and not (out / "summary.csv").exists()
    kept = {  # files that must not be written again: finished runs, completed iterations
        path: path.stat().st_mtime_ns
        for path in [*(out / "status").iterdir(),
                     *(p for name in finished for p in (out / "runs" / name).rglob("*")),
                     *(out / "runs" / name / "checkpoints" / f"iter_{t}.pt"
                       for name in partial for t in range(iterations_done(out, name)))]
    }
    with pytest.raises(subprocess.CalledProcessError):  # an existing sweep needs --resume
        subprocess.run([sys.executable, "-m", "sparsity_oracle", "sweep", str(sweep_file), "--out", str(out)],
                       check=True, capture_output=True, env=ENV)
    report = finish(start(sweep_file, out, "--resume"))
    assert f"4 of 4 runs finished ({len(finished)} before this invocation), 0 failed" in report
    assert {path: path.stat().st_mtime_ns for path in kept} == kept
    for name in finished:
        assert len(attempts(out, name)) == 1
    for name in partial:
        assert attempts(out, name)[-1].endswith("--resume")
    assert_same_results(out, reference_out, summary)
