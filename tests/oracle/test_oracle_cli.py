"""``sparsity-oracle verify``: summary, failure details and exit status (tiny effort)."""

from __future__ import annotations

import pytest

from sparsity_oracle.cli import main
from sparsity_oracle.oracle import cli


@pytest.fixture(autouse=True)
def tiny(monkeypatch):
    monkeypatch.setitem(cli.MODES, "quick", {"property_examples": 2, "max_size": 4, "generated": 1})


def test_careful_implementation_passes(capsys):
    assert main(["verify", "--quick", "--impl", "meta.numpy_impl:NumpyImpl"]) == 0
    out = capsys.readouterr().out
    assert "meta.numpy_impl:NumpyImpl [DTYPE=float64]: provides pq_index" in out
    assert "== proof obligations" in out and "== Hurley-Rickard properties" in out
    assert out.rstrip().splitlines()[-1].startswith("PASS: 0 failure(s)")


def test_mutant_fails_with_details(capsys):
    assert main(["verify", "--quick", "--impl", "meta.test_mutants:GiniUnbiased"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  meta.test_mutants:GiniUnbiased: gini:" in out
    for detail in ("input (float.hex)", "reference:", "returned:", "> budget", "reproduce:"):
        assert detail in out


def test_unloadable_implementation_is_a_usage_error(capsys):
    assert main(["verify", "--quick", "--impl", "no_such_module_xyz"]) == 2
