"""The pytest plugin's selection rules and the loader."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace


from sparsity_oracle.oracle import DEFAULT_IMPL, load_implementation
from sparsity_oracle.oracle.pytest_plugin import ENV_VAR, selected


def config(impls):
    return SimpleNamespace(getoption=lambda name: impls)


def test_option_wins_over_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "a.b:c")
    assert selected(config(["x.y"])) == ["x.y"]


def test_environment_is_comma_separated(monkeypatch):
    monkeypatch.setenv(ENV_VAR, " a.b:c , d.e ,")
    assert selected(config([])) == ["a.b:c", "d.e"]


def test_default_is_gpu_impl(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert selected(config([])) == [DEFAULT_IMPL]


def test_loading_does_not_import_torch():
    """In a fresh process: under pytest another test has usually imported torch already."""
    code = ("import sys; from sparsity_oracle.oracle import DEFAULT_IMPL, load_implementation; "
            "import sparsity_oracle.oracle.cli, sparsity_oracle.oracle.runner; "
            "assert load_implementation(DEFAULT_IMPL).dtype == 'float64'; "
            "assert 'torch' not in sys.modules and 'hypothesis' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_class_attribute_is_instantiated():
    impl = load_implementation("meta.numpy_impl:NumpyImpl")
    assert impl.provides == ("pq_index", "gini", "pqi_bound", "sap_prune_count", "sap_masks",
                             "fixed_ratio_masks", "pruning_limit")
    assert impl.loader == "load_implementation('meta.numpy_impl:NumpyImpl')"


def test_pytest_names_the_cause_and_accepts_a_convention(tmp_path):
    """One test per case; a failure shows its cause; --oracle-accept passes the convention."""
    tests = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "SPARSITY_ORACLE_IMPL"}
    env["PYTHONPATH"] = str(tests)

    def pytest(*extra):
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
                               "sparsity_oracle.oracle", "--impl", "meta.defects:SampleGini", "-k",
                               "gini/one-hot or gini/constant", *extra],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)

    rejected = pytest()
    assert rejected.returncode == 1
    assert "1 failed, 1 passed" in rejected.stdout
    assert "cause: convention: sample-gini (the reference under sample-gini gives 1.0)" in rejected.stdout
    accepted = pytest("--oracle-accept", "sample-gini")
    assert accepted.returncode == 0 and "2 passed" in accepted.stdout
