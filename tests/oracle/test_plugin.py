"""The pytest plugin's selection rules and the loader."""

from __future__ import annotations

import subprocess
import sys
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
