"""Running many cases: hard cases plus hypothesis-generated ones, collected into a report."""

from __future__ import annotations

from dataclasses import dataclass, field

from .adapters import FUNCTIONS, Implementation, as_implementation
from .cases import Case, cases, hard_cases
from .checks import Failure, check


def generated_cases(function: str, n: int, seed: int = 0) -> list[Case]:
    """``n`` cases drawn (reproducibly for a given seed) from ``cases.cases(function)``."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    drawn: list[Case] = []
    if n <= 0:
        return drawn

    @hypothesis_seed(seed)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(cases(function))
    def collect(case):
        drawn.append(case)

    collect()
    return drawn


@dataclass
class ImplementationReport:
    implementation: Implementation
    checked: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def run_checks(impl, *, generated: int = 10, seed: int = 0, functions=FUNCTIONS,
               hard_stride: int = 1) -> ImplementationReport:
    """Every provided function of ``impl`` on its hard cases (every ``hard_stride``-th) and on
    ``generated`` hypothesis cases; missing functions are listed in ``skipped``."""
    impl = as_implementation(impl)
    report = ImplementationReport(impl)
    for function in functions:
        if function not in impl.provides:
            report.skipped.append(function)
            continue
        selected = hard_cases(function)[::hard_stride] + generated_cases(function, generated, seed)
        for case in selected:
            failure = check(impl, case)
            if failure is not None:
                report.failures.append(failure)
        report.checked[function] = len(selected)
    return report
