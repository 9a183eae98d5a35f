"""Running many cases: the hard cases plus reproducibly generated ones, collected into reports.

``run_checks(impl, generated=n, seed=s)`` checks every provided function of ``impl`` on its
hard cases and on ``generated_cases(function, n, s)`` and returns an ``ImplementationReport``:
per function, every case with its outcome (``pass``, ``accepted``, ``skipped`` or the
failure's cause), the failures and the skip reasons.  The same (impl, n, seed) gives the same
cases, and the same outcomes, from the command line, pytest and Python.

Where several explanations fit one failure (e.g. a count that both ceil and d counting masked
entries give), the report names the one that fits the most failures of the same function of
the same implementation (an implementation has one defect consistently), the others as
``alternatives``; a single check (pytest, ``check``) names the first in ``causes`` order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .adapters import FUNCTIONS, Implementation, as_implementation
from .cases import Case, generated_cases, hard_cases
from .causes import CAUSES
from .checks import Failure, Unsupported, check


@dataclass(frozen=True)
class Outcome:
    """One checked case: ``outcome`` is ``pass``, ``accepted``, ``skipped`` or a cause."""

    case: Case
    outcome: str
    failure: Failure | None = None
    reason: str = ""

    def to_json(self) -> dict:
        """``{id, label, digest, outcome}``, with ``reason`` (skipped) and ``failure`` (if any)."""
        out = {"id": self.case.id, "label": self.case.label, "digest": self.case.digest, "outcome": self.outcome}
        if self.reason:
            out["reason"] = self.reason
        if self.failure is not None:
            out["failure"] = self.failure.to_json()
        return out


def _outcome(case: Case, failure: Failure, accept) -> Outcome:
    return Outcome(case, "accepted" if failure.accepted(accept) else failure.cause, failure)


def check_outcome(impl: Implementation, case: Case, accept=()) -> Outcome:
    """``check`` as an ``Outcome`` (a declared-unsupported case is ``skipped`` with the reason;
    a failure whose conventions are all in ``accept`` is ``accepted``)."""
    try:
        failure = check(impl, case)
    except Unsupported as reason:
        return Outcome(case, "skipped", reason=str(reason))
    if failure is None:
        return Outcome(case, "pass")
    return _outcome(case, failure, accept)


def consistent_causes(outcomes: list[Outcome], accept=()) -> list[Outcome]:
    """Each ambiguous failure explained by its explanation that fits the most of ``outcomes``'
    failures (ties: the failure's own order; "no known explanation" counts the failures that
    have no other)."""

    def key(d):
        return d.cause, d.conventions, d.fallback

    failures = [o.failure for o in outcomes if o.failure is not None]
    # "none of the others" (the fallback) is supported only by failures it alone explains
    support = Counter(key(d) for f in failures for d in (f.diagnosis, *f.alternatives)
                      if not d.fallback or not f.alternatives)
    out = []
    for o in outcomes:
        if o.failure is not None and o.failure.alternatives:
            best = max((o.failure.diagnosis, *o.failure.alternatives), key=lambda d: support[key(d)])
            o = _outcome(o.case, o.failure.explained_by(best), accept)
        out.append(o)
    return out


@dataclass
class FunctionReport:
    """Every case of one function, with its outcome; ``provided`` False: the function is absent."""

    function: str
    provided: bool = True
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failures(self) -> list[Failure]:
        return [o.failure for o in self.outcomes if o.outcome in CAUSES]

    @property
    def accepted(self) -> list[Failure]:
        return [o.failure for o in self.outcomes if o.outcome == "accepted"]

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    @property
    def by_cause(self) -> dict[str, int]:
        counts = Counter(o.outcome for o in self.outcomes if o.outcome in CAUSES)
        return {c: counts[c] for c in CAUSES if counts[c]}

    @property
    def skip_reasons(self) -> dict[str, int]:
        return dict(Counter(o.reason for o in self.outcomes if o.outcome == "skipped"))


@dataclass
class ImplementationReport:
    implementation: Implementation
    functions: dict[str, FunctionReport] = field(default_factory=dict)
    accept: tuple[str, ...] = ()

    @property
    def failures(self) -> list[Failure]:
        return [f for r in self.functions.values() for f in r.failures]

    @property
    def accepted(self) -> list[Failure]:
        return [f for r in self.functions.values() for f in r.accepted]

    @property
    def skipped(self) -> list[str]:
        """The functions the implementation does not provide."""
        return [name for name, r in self.functions.items() if not r.provided]

    @property
    def checked(self) -> dict[str, int]:
        """function -> number of cases, for the provided functions."""
        return {name: len(r.outcomes) for name, r in self.functions.items() if r.provided}


def selected_cases(function: str, *, generated: int, seed: int, hard_stride: int = 1) -> list[Case]:
    """The hard cases of ``function`` (every ``hard_stride``-th) then ``generated`` cases."""
    return hard_cases(function)[::hard_stride] + generated_cases(function, generated, seed)


def run_checks(impl, *, generated: int = 10, seed: int = 0, functions=FUNCTIONS, hard_stride: int = 1,
               accept=(), progress=None) -> ImplementationReport:
    """Every provided function of ``impl`` on its hard cases (every ``hard_stride``-th) and on
    ``generated`` reproducibly generated cases; ``accept``: conventions that pass.
    ``progress(function, done, total)``, if given, is called after each case."""
    impl = as_implementation(impl)
    report = ImplementationReport(impl, accept=tuple(accept))
    for function in functions:
        if function not in impl.provides:
            report.functions[function] = FunctionReport(function, provided=False)
            continue
        selected = selected_cases(function, generated=generated, seed=seed, hard_stride=hard_stride)
        function_report = report.functions[function] = FunctionReport(function)
        for i, case in enumerate(selected):
            function_report.outcomes.append(check_outcome(impl, case, accept))
            if progress is not None:
                progress(function, i + 1, len(selected))
        function_report.outcomes = consistent_causes(function_report.outcomes, accept)
    return report
