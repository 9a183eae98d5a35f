"""The command line as a new user meets it: no tracebacks on interruption or a closed pipe, no
files left in the folder it runs from, ``--impl`` found like ``python -m`` finds a module."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from sparsity_oracle.cli import main
from sparsity_oracle.oracle import cli as verify_cli


def run_cli(*args, cwd=None, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "sparsity_oracle", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("sparsity-oracle ")


def test_closed_pipe_is_quiet(tmp_path):
    """``sparsity-oracle pqi FILE --json | head -0``: the reader is gone before the first line."""
    assert main(["pqi", "--example", str(tmp_path / "w.npz")]) == 0
    process = run_cli("pqi", str(tmp_path / "w.npz"), "--json")
    process.stdout.close()
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_ctrl_c_during_reproduce_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    args = ("reproduce", "--method", "lt", "--model", "linear", "--iterations", "50", "--epochs", "1",
            "--out", str(out), "--no-progress")
    process = run_cli(*args)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 300
    while not (results.exists() and results.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130
    assert err.splitlines() == ["sparsity-oracle reproduce: interrupted; completed iterations are saved: "
                                "run the same command with --resume to continue"]
    lines = [json.loads(line) for line in results.read_text().splitlines()]  # nothing half-written
    assert 1 <= len(lines) < 50 and [line["iteration"] for line in lines] == list(range(len(lines)))


def test_impl_is_found_in_the_current_folder(tmp_path, monkeypatch, capsys):
    """``sparsity-oracle verify --impl mymod`` with mymod.py here, without PYTHONPATH."""
    monkeypatch.setitem(verify_cli.MODES, "quick", {"property_examples": 2, "max_size": 4, "generated": 1})
    (tmp_path / "mymod_constant_gini.py").write_text("def gini(w):\n    return 0.5\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".", str(tmp_path))])
    assert main(["verify", "--quick", "--only", "differential", "--impl", "mymod_constant_gini"]) == 1
    assert "FAIL  mymod_constant_gini: gini" in capsys.readouterr().out


#: ``properties`` and ``verify``'s properties section, each on one measure with few examples
#: (verify's effort patched down in the fresh process: its default budget takes half a minute).
HYPOTHESIS_USERS = {
    "properties": ["properties", "--measure", "gini", "--max-examples", "3"],
    "verify": ["verify", "--quick", "--only", "properties"],
}
SMALL_VERIFY = ("from sparsity_oracle.oracle import cli; "
                "cli.PROPERTY_VERDICTS = {('gini', ()): frozenset()}; "
                "cli.MODES['quick'] = {'property_examples': 3, 'max_size': 4, 'generated': 1}; ")


@pytest.mark.parametrize("command", sorted(HYPOTHESIS_USERS))
def test_no_hypothesis_folder_is_left_behind(tmp_path, monkeypatch, command):
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    work = tmp_path / "work"
    work.mkdir()
    script = (SMALL_VERIFY + "import sys; from sparsity_oracle.cli import main; "
              f"sys.exit(main({HYPOTHESIS_USERS[command]!r}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=work, env=env, text=True, capture_output=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "gini" in done.stdout
    assert list(work.iterdir()) == []
    assert (tmp_path / "cache" / "sparsity-oracle" / "hypothesis").is_dir()


def test_verify_rejects_an_implementation_that_provides_nothing(capsys):
    assert main(["verify", "--quick", "--impl", "json"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"sparsity-oracle verify: error: --impl json provides none of "
                                f"{', '.join(verify_cli.FUNCTIONS)}"]
    assert main(["verify", "--quick", "--impl", "pqindex_misspelt"]) == 2  # a typo
    assert capsys.readouterr().err.splitlines() == [
        "sparsity-oracle verify: error: cannot load --impl pqindex_misspelt: No module named 'pqindex_misspelt'"]


def test_reproduce_help_shows_every_default_and_offers_the_registered_methods():
    from sparsity_oracle.cli import build_parser
    from sparsity_oracle.gpu_impl.experiments.methods import METHODS

    (commands,) = [a for a in build_parser()._actions if a.dest == "command"]
    reproduce = commands.choices["reproduce"]
    undocumented = [a.option_strings[0] for a in reproduce._actions
                    if a.option_strings and a.nargs != 0 and a.default is not None and "default" not in a.help]
    assert undocumented == []
    (method,) = [a for a in reproduce._actions if a.dest == "method"]
    assert list(method.choices) == list(METHODS)  # the registered (implemented) methods
