"""Without torch (``pip install sparsity-oracle`` without the ``[torch]`` extra): the torch
commands stay on the command line and fail with one line naming the extra; ``verify`` says
gpu_impl is unavailable and fails unless every implementation it was given is usable.

Each command runs in a fresh process in which ``torch`` cannot be imported (``sys.modules``
holds None for it, so ``import torch`` raises ModuleNotFoundError and ``find_spec`` finds
nothing), with the verify effort made tiny.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sparsity_oracle.gpu_impl import UNAVAILABLE

TESTS = Path(__file__).resolve().parents[1]
BOOT = (
    "import sys; sys.modules['torch'] = None; "
    "from sparsity_oracle.oracle import cli; "
    "cli.MODES['quick'] = {'property_examples': 2, 'max_size': 4, 'generated': 1}; "
    "from sparsity_oracle.cli import main; sys.exit(main(sys.argv[1:]))"
)


def sparsity_oracle(*args):
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    env.pop("SPARSITY_ORACLE_IMPL", None)
    return subprocess.run([sys.executable, "-c", BOOT, *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_gpu_impl_names_the_missing_extra():
    code = "import sys; sys.modules['torch'] = None\nimport sparsity_oracle.gpu_impl as g\ng.pq_index"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"ModuleNotFoundError: {UNAVAILABLE}" in result.stderr


def test_help_lists_the_torch_commands():
    result = sparsity_oracle("--help")
    assert result.returncode == 0
    for command in ("reproduce", "plot", "audit-run"):
        assert f"    {command}" in result.stdout
    assert sparsity_oracle("reproduce", "--help").returncode == 0


@pytest.mark.parametrize("args", [
    ("reproduce", "--method", "sap", "--out", "{out}"),
    ("plot", "{out}"),
    ("audit-run", "{out}", "--method", "lt"),
])
def test_torch_commands_fail_with_one_line(tmp_path, args):
    out = tmp_path / "run"
    result = sparsity_oracle(*(a.format(out=out) for a in args))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"sparsity-oracle {args[0]}: error: {UNAVAILABLE}"]
    assert not out.exists()


def test_verify_fails_when_gpu_impl_is_what_it_checks():
    result = sparsity_oracle("verify", "--quick", "--only", "differential")
    assert result.returncode == 1
    assert UNAVAILABLE in result.stdout.splitlines()[:3]
    assert "FAIL" in result.stdout and "Traceback" not in result.stdout + result.stderr


def test_verify_passes_an_implementation_that_needs_no_torch():
    result = sparsity_oracle("verify", "--quick", "--only", "differential", "--impl", "meta.numpy_impl:NumpyImpl")
    assert result.returncode == 0, result.stdout + result.stderr
    assert UNAVAILABLE in result.stdout.splitlines()[:3]
    assert result.stdout.rstrip().splitlines()[-1].startswith("PASS")
