"""A user's mistake ends in one line on stderr, never a traceback: exit 2 (usage) or 1 (failure)
with one ``error:`` line (130 and one ``interrupted`` line on Ctrl-C).  Most cases run the
command line in this process (``main``: the same code path, without a second interpreter's
start-up); one case per command, and Ctrl-C, run in a fresh process as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from sparsity_oracle.cli import main


def fails_with_one_line(capsys, *args, status: int) -> str:
    """``sparsity-oracle ARGS`` in this process (an exception would fail the test, as a traceback
    would show): assert the exit status and a one-line stderr; return that line."""
    try:
        code = main(list(args))
    except SystemExit as done:
        code = done.code
    lines = capsys.readouterr().err.splitlines()
    assert code == status and len(lines) == 1, lines
    assert lines[0].startswith(f"sparsity-oracle {args[0]}: error: "), lines[0]
    return lines[0]


def fails_in_a_subprocess(*args, status: int, cwd=None) -> str:
    """The same in a fresh process, as a user runs it: no "Traceback" anywhere on stderr."""
    done = subprocess.run([sys.executable, "-m", "sparsity_oracle", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300)
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == status and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"sparsity-oracle {args[0]}: error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize("measure, message", [
    ("pq_index:p=2,q=1", "pq_index(p=2, q=1): q must be > p, got q=1 and p=2"),
    ("pq_index:p=0", "pq_index(p=0): p must be > 0, got p=0"),
    ("pq_index:r=3", "pq_index has no parameter r (its parameters are p, q)"),
    ("gini:p=1", "gini has no parameter p (it takes none)"),
    ("neg_lp:dps=3", "neg_lp has no parameter dps (its parameters are p)"),
    ("neg_lp_minus:p=1", "neg_lp_minus(p=1): p must be < 0, got p=1"),
    ("nope", "unknown measure(s) nope; known: l0, "),
])
def test_properties_refuses_bad_measures(capsys, measure, message):
    assert message in fails_with_one_line(capsys, "properties", "--measure", measure, status=2)


def test_a_refused_measure_in_a_subprocess():
    assert "q must be > p, got q=1 and p=2" in fails_in_a_subprocess(
        "properties", "--measure", "pq_index:p=2,q=1", status=2)


@pytest.mark.parametrize("option, value, message", [
    ("--max-examples", "0", "--max-examples must be at least 1, got 0"),
    ("--max-examples", "-3", "--max-examples must be at least 1, got -3"),
    ("--max-size", "0", "--max-size must be at least 2 (the properties compare vectors of 2 or more entries), got 0"),
    ("--max-size", "1", "got 1"),
])
def test_properties_refuses_bad_sizes(capsys, option, value, message):
    assert message in fails_with_one_line(capsys, "properties", "--measure", "gini", option, value, status=2)


def test_ctrl_c_during_verify_is_one_line():
    process = subprocess.Popen([sys.executable, "-m", "sparsity_oracle", "verify", "--quick"], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout.readline()  # at work
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130 and err.splitlines() == ["sparsity-oracle verify: interrupted"]


REPRODUCE = ("reproduce", "--method", "lt", "--model", "linear", "--iterations", "1", "--epochs", "1", "--no-progress")


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("out, message", [
    ("afile", "--out afile: afile exists and is not a folder"),
    ("/dev/null/run", "--out /dev/null/run: /dev/null exists and is not a folder"),
    ("/sys/run", "--out /sys/run: cannot create the folder /sys/run ("),
])
def test_reproduce_refuses_an_out_that_cannot_be_a_folder(tmp_path, monkeypatch, capsys, out, message):
    _torch()
    if out.startswith("/sys") and not os.path.isdir("/sys"):
        pytest.skip("no /sys on this system")
    (tmp_path / "afile").write_text("")
    monkeypatch.chdir(tmp_path)
    assert message in fails_with_one_line(capsys, *REPRODUCE, "--out", out, status=2)
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


def test_reproduce_refuses_an_out_in_a_subprocess():
    _torch()
    assert fails_in_a_subprocess(*REPRODUCE, "--out", "/dev/null/run", status=2).endswith(
        "--out /dev/null/run: /dev/null exists and is not a folder")


@pytest.mark.parametrize("device, message", [
    ("tpu", "device 'tpu': expected auto, cpu, cuda or cuda:N"),
    ("cuda", "device 'cuda': CUDA is not available to this torch"),
])
def test_reproduce_refuses_a_device_it_cannot_use(tmp_path, monkeypatch, capsys, device, message):
    torch = _torch()
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    monkeypatch.chdir(tmp_path)
    assert message in fails_with_one_line(capsys, *REPRODUCE, "--device", device, "--out", "run", status=2)
    assert list(tmp_path.iterdir()) == []


def test_plot_refuses_an_output_in_a_file(tmp_path, capsys):
    _torch()
    run = tmp_path / "run"
    run.mkdir()
    line = {"iteration": 0, "method": "lt", "model": "mlp", "dataset": "digits", "scope": "global", "epochs": 1,
            "seed": 0, "kept_fraction": 1.0, "accuracy_retrained": 0.9, "pqi": 0.1, "gini": 0.3}
    (run / "results.jsonl").write_text(json.dumps(line) + "\n")
    assert fails_with_one_line(capsys, "plot", str(run), "--output", "/dev/null/x.png", status=2).endswith(
        "--output /dev/null/x.png: /dev/null exists and is not a folder")
