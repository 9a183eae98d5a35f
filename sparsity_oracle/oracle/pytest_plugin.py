"""pytest plugin of the oracle: ``--impl MODULE[:ATTR]`` and ``SPARSITY_ORACLE_IMPL``.

Selection, first that applies:
  1. ``pytest --impl MODULE[:ATTR]`` (repeatable);
  2. the environment variable ``SPARSITY_ORACLE_IMPL``: a comma-separated list of
     ``MODULE[:ATTR]`` (commas, because the colon separates module and attribute);
  3. the in-repo gpu_impl adapter ``sparsity_oracle.oracle.adapters:gpu_impl`` (float64, CPU).

Tests take the ``oracle_impl`` fixture (parametrized over the selected implementations, with
the selection string as the test id) and call ``require(oracle_impl, function)``, which skips
with a reason when the implementation lacks the function.  An implementation that cannot be
imported is a usage error, except the default one (gpu_impl needs torch): then its tests skip.
"""

from __future__ import annotations

import pytest

from .adapters import DEFAULT_IMPL, ENV_VAR, Implementation, load_implementation, selected_specs


def pytest_addoption(parser):
    parser.getgroup("sparsity-oracle").addoption(
        "--impl", action="append", default=[], metavar="MODULE[:ATTR]",
        help=f"implementation to check against reference (repeatable; default: ${ENV_VAR} "
        f"(comma-separated), else {DEFAULT_IMPL})",
    )


def selected(config) -> list[str]:
    return selected_specs(config.getoption("impl"))


def _load(spec: str) -> Implementation | str:
    """The implementation, or (default only) the reason it cannot be loaded."""
    try:
        return load_implementation(spec)
    except (ImportError, AttributeError) as error:
        if spec == DEFAULT_IMPL:
            return f"{spec} unavailable: {error}"
        raise pytest.UsageError(f"--impl {spec}: cannot load it: {error}") from error


def pytest_configure(config):
    config._oracle_impls = [_load(spec) for spec in selected(config)]


def pytest_report_header(config):
    lines = ["sparsity-oracle implementations:"]
    for impl in config._oracle_impls:
        lines.append("  " + (impl.describe() if isinstance(impl, Implementation) else impl))
    return lines


def pytest_generate_tests(metafunc):
    if "oracle_impl" in metafunc.fixturenames:
        impls = metafunc.config._oracle_impls
        ids = [impl.name if isinstance(impl, Implementation) else DEFAULT_IMPL for impl in impls]
        metafunc.parametrize("oracle_impl", impls, ids=ids)


def require(impl, function: str) -> Implementation:
    """Skip the test unless ``impl`` provides ``function``."""
    if not isinstance(impl, Implementation):
        pytest.skip(impl)
    if function not in impl.provides:
        pytest.skip(f"{impl.name} does not provide {function}")
    return impl
