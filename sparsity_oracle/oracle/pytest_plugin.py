"""pytest plugin of the oracle: ``--impl MODULE[:ATTR]`` and ``SPARSITY_ORACLE_IMPL``.

Selection, first that applies:
  1. ``pytest --impl MODULE[:ATTR]`` (repeatable);
  2. the environment variable ``SPARSITY_ORACLE_IMPL``: a comma-separated list of
     ``MODULE[:ATTR]`` (commas, because the colon separates module and attribute);
  3. the in-repo gpu_impl adapter ``sparsity_oracle.oracle.adapters:gpu_impl`` (float64, CPU).

Options: ``--oracle-seed S`` and ``--oracle-examples N`` (the generated cases: the same as
``sparsity-oracle verify --seed S`` with N generated cases per function, and as
``generated_cases(function, N, S)``), ``--oracle-accept CONVENTION`` (repeatable; as ``verify
--accept``) and ``--oracle-json PATH`` (the differential report of the session as JSON, in the
schema of ``verify --json``; works under pytest-xdist).

Fixtures: ``oracle_impl`` (parametrized over the selected implementations, the selection string
as the test id), ``oracle_hard_case`` and ``oracle_generated_case`` (parametrized over the cases
of every function, one test id per case: the case's id), and ``oracle_check(impl, case)``,
which skips with the reason where the implementation lacks the function or declares the case
unsupported, and fails with the failure (cause, reproduction) otherwise.  ``require(impl,
function)`` skips unless ``impl`` provides ``function``.  An implementation that cannot be
imported is a usage error, except the default one (gpu_impl needs torch): then its tests skip.
"""

from __future__ import annotations

import json

import pytest

from .adapters import DEFAULT_IMPL, ENV_VAR, FUNCTIONS, Implementation, load_implementation, selected_specs
from .causes import CONVENTIONS

#: Generated cases per function unless ``--oracle-examples`` says otherwise (a hypothesis
#: profile with more than 100 examples, e.g. ``thorough``, raises it to its max_examples).
EXAMPLES = 25
#: ``user_properties`` key under which each oracle test records its outcome.
RECORD = "sparsity_oracle_outcome"


def pytest_addoption(parser):
    group = parser.getgroup("sparsity-oracle")
    group.addoption(
        "--impl", action="append", default=[], metavar="MODULE[:ATTR]",
        help=f"implementation to check against reference (repeatable; default: ${ENV_VAR} "
        f"(comma-separated), else {DEFAULT_IMPL})",
    )
    group.addoption("--oracle-seed", type=int, default=0, metavar="S", help="seed of the generated cases (default 0)")
    group.addoption("--oracle-examples", type=int, default=None, metavar="N",
                    help=f"generated cases per function (default {EXAMPLES})")
    group.addoption("--oracle-accept", action="append", default=[], choices=sorted(CONVENTIONS),
                    metavar="CONVENTION", help="pass failures explained by this named convention (repeatable)")
    group.addoption("--oracle-json", default=None, metavar="PATH",
                    help="write the oracle's differential report of this session as JSON")


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
    except ValueError as error:  # an invalid DTYPE, SCOPES or MAX_ENTRIES declaration
        raise pytest.UsageError(f"--impl {spec}: {error}") from error


class _Recorder:
    """Collects the outcomes the oracle tests record (on the controller too, under xdist) and
    writes them at the end of the session (``--oracle-json``)."""

    def __init__(self, config):
        self.config = config
        self.records = []

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.records.extend(json.loads(value) for key, value in report.user_properties if key == RECORD)

    def pytest_sessionfinish(self, session):
        path = self.config.getoption("oracle_json")
        if path is None or hasattr(self.config, "workerinput"):  # an xdist worker: the controller writes
            return
        from .report import records_json

        with open(path, "w") as file:
            json.dump({"seed": self.config.getoption("oracle_seed"), "generated": examples(self.config),
                       "accept": self.config.getoption("oracle_accept"),
                       "differential": records_json(self.records)}, file, indent=1)
            file.write("\n")


def pytest_configure(config):
    config._oracle_impls = [_load(spec) for spec in selected(config)]
    config.pluginmanager.register(_Recorder(config), "sparsity-oracle-recorder")


def pytest_report_header(config):
    lines = ["sparsity-oracle implementations:"]
    for impl in config._oracle_impls:
        lines.append("  " + (impl.describe() if isinstance(impl, Implementation) else impl))
    return lines


def examples(config) -> int:
    chosen = config.getoption("oracle_examples")
    if chosen is not None:
        return chosen
    from hypothesis import settings

    return max(EXAMPLES, settings.default.max_examples if settings.default.max_examples > 100 else 0)


def pytest_generate_tests(metafunc):
    config = metafunc.config
    if "oracle_impl" in metafunc.fixturenames:
        impls = config._oracle_impls
        ids = [impl.name if isinstance(impl, Implementation) else DEFAULT_IMPL for impl in impls]
        metafunc.parametrize("oracle_impl", impls, ids=ids)
    if "oracle_hard_case" in metafunc.fixturenames:
        from .cases import hard_cases

        selected_cases = [c for f in FUNCTIONS for c in hard_cases(f)]
        metafunc.parametrize("oracle_hard_case", selected_cases, ids=[c.id for c in selected_cases])
    if "oracle_generated_case" in metafunc.fixturenames:
        from .cases import generated_cases

        n, seed = examples(config), config.getoption("oracle_seed")
        selected_cases = [c for f in FUNCTIONS for c in generated_cases(f, n, seed)]
        metafunc.parametrize("oracle_generated_case", selected_cases, ids=[c.id for c in selected_cases])


def require(impl, function: str) -> Implementation:
    """Skip the test unless ``impl`` provides ``function``."""
    if not isinstance(impl, Implementation):
        pytest.skip(impl)
    if function not in impl.provides:
        pytest.skip(f"{impl.name} does not provide {function}")
    return impl


@pytest.fixture
def oracle_check(request):
    """``oracle_check(impl, case)``: check one case; skip (with the reason), pass, or fail with
    the failure in full.  The outcome is recorded for ``--oracle-json``."""
    from .runner import check_outcome

    def run(impl, case):
        require(impl, case.function)  # not recorded: the report lists provided functions only
        outcome = check_outcome(impl, case, request.config.getoption("oracle_accept"))
        record = {"implementation": impl.name, "dtype": impl.dtype, "function": case.function, **outcome.to_json()}
        request.node.user_properties.append((RECORD, json.dumps(record)))
        if outcome.outcome == "skipped":
            pytest.skip(outcome.reason)
        if outcome.failure is not None and outcome.outcome != "accepted":
            pytest.fail(str(outcome.failure), pytrace=False)

    return run
