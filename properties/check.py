"""``check_measure``: fuzz one sparsity measure against the six properties (contract §4)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from . import strategies as strat
from .predicates import FAILS, HOLDS, PREDICATES, UNDECIDED, ExactJudge, FloatJudge, Instance, Reject, encode, takes_dps

PROPERTIES = ("D1", "D2", "D3", "D4", "P1", "P2")

#: The shortest vector drawn: every property compares vectors of at least two entries.
MIN_SIZE = 2


@dataclass(frozen=True)
class PropertyResult:
    """One property's outcome (contract §4).

    ``status``: ``"fails"`` (a decided violation; ``counterexample`` is the shrunk instance),
    ``"undecided"`` (no decided violation, but ``undecided`` cases could not be decided;
    ``counterexample`` is the shortest of them and ``reason`` says why) or ``"holds"``
    (every case decided in the property's favour).  ``examples`` counts the valid cases
    evaluated (shrinking included).  ``exact_case``: for ``"holds"``, the shortest case that
    only the measure's exact form could decide (an equality proved or a tiny sign decided).
    """

    property: str
    status: str
    counterexample: Instance | None
    examples: int
    undecided: int = 0
    exact_case: Instance | None = None

    @property
    def holds(self) -> bool | None:
        """True: no counterexample; False: a decided one; None: undecided (see ``reason``)."""
        return {HOLDS: True, FAILS: False, UNDECIDED: None}[self.status]

    @property
    def reason(self) -> str | None:
        """Why the property is undecided (None otherwise)."""
        if self.status != UNDECIDED:
            return None
        return (f"no decided counterexample in {self.examples} cases, but {self.undecided} could not be "
                f"decided; the shortest: {self.counterexample.decision}")

    def to_json(self) -> dict:
        return {
            "holds": self.holds,
            "status": self.status,
            "counterexample": None if self.counterexample is None else self.counterexample.to_json(),
            "examples": self.examples,
            "undecided": self.undecided,
            "reason": self.reason,
            "exact_case": None if self.exact_case is None else self.exact_case.to_json(),
        }


@dataclass(frozen=True)
class PropertyReport:
    """Per-property results of ``check_measure``; ``report["D1"].holds`` etc."""

    measure: str
    params: dict
    judge: str
    results: dict

    def __getitem__(self, prop: str) -> PropertyResult:
        return self.results[prop]

    @property
    def holds(self) -> bool:
        """True when every property holds (no counterexample, nothing undecided)."""
        return all(r.status == HOLDS for r in self.results.values())

    def to_json(self) -> dict:
        return {
            "measure": self.measure,
            "params": {k: encode(v) for k, v in self.params.items()},
            "judge": self.judge,
            "properties": {p: r.to_json() for p, r in self.results.items()},
        }


def cases(prop: str, *, float64_exact: bool = False, max_size: int = strat.MAX_SIZE) -> st.SearchStrategy[dict]:
    """Keyword arguments ``{"c": vector, ...}`` of ``predicates.PREDICATES[prop]``.

    ``float64_exact`` draws grid vectors and dyadic parameters, so that the transformed vectors
    stay exactly float64 (for a ``FloatJudge``); D2, D4 and P2 keep every vector shape then,
    as power-of-two scaling, cloning and appending 0 are exact.
    """
    grid = float64_exact and prop in ("D1", "D3", "P1")
    vectors = strat.vectors(MIN_SIZE, max_size, grid_only=grid)

    def build(c):
        n = len(c)
        extra = {
            "D1": lambda: st.builds(
                lambda ij, t: {"i": ij[0], "j": ij[1], "t": t},
                strat.index_pairs(n),
                strat.transfer_fractions(dyadic_only=float64_exact),
            ),
            "D2": lambda: st.fixed_dictionaries({
                "alpha": st.integers(-60, 60).map(lambda j: Fraction(2) ** j)
                if float64_exact
                else strat.scales()
            }),
            "D3": lambda: st.fixed_dictionaries(
                {"alpha": strat.scales(dyadic_only=float64_exact).map(lambda s: s * Fraction(max(c)))}
            ),
            "D4": lambda: st.fixed_dictionaries({"copies": st.integers(2, 4)}),
            "P1": lambda: st.fixed_dictionaries({"i": strat.indices(n)}),
            "P2": lambda: st.just({}),
        }[prop]()
        return extra.map(lambda kwargs: {"c": c, **kwargs})

    return vectors.flatmap(build)


class _Found(Exception):
    def __init__(self, instance: Instance):
        super().__init__(instance.property)
        self.instance = instance


def check_measure(
    measure: Callable,
    *,
    max_examples: int = 100,
    seed: int | None = None,
    params: dict | None = None,
    name: str | None = None,
    properties=PROPERTIES,
    max_size: int = strat.MAX_SIZE,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> PropertyReport:
    """Fuzz ``measure`` (larger = sparser) against each property; shrink any counterexample.

    ``measure(vector, **params)`` is any callable on a vector.  One that accepts ``dps`` is fed
    exact inputs and judged at high precision, a measure of ``reference.MEASURES`` through its
    exact form where the digits do not decide; any other is fed float64 arrays and judged with
    the margin ``atol + rtol max|S|`` (see ``properties.predicates``).  A property ``holds``
    only when every case was decided in its favour, ``fails`` with a decided violation, and is
    ``undecided`` (``holds`` None, with the reason) when some case could not be decided and no
    decided violation was found.  ``seed`` makes the run reproducible (None: the active
    hypothesis profile decides, e.g. derandomized under ``ci``).  ``max_examples`` (>= 1) is
    per property; ``max_size`` (>= ``MIN_SIZE``) bounds the vector length; ``ValueError``
    otherwise.
    """
    if max_examples < 1 or max_size < MIN_SIZE:
        raise ValueError(f"need max_examples >= 1 and max_size >= {MIN_SIZE}, got max_examples={max_examples} "
                         f"and max_size={max_size}")
    params = dict(params or {})
    exact = takes_dps(measure)
    judge = ExactJudge(measure, params) if exact else FloatJudge(measure, params, rtol=rtol, atol=atol)
    results = {
        prop: _search(prop, judge, cases(prop, float64_exact=not exact, max_size=max_size), max_examples, seed)
        for prop in properties
    }
    return PropertyReport(
        measure=name or getattr(measure, "__name__", repr(measure)),
        params=params,
        judge=judge.describe(),
        results=results,
    )


def _search(prop: str, judge, strategy, max_examples: int, seed: int | None) -> PropertyResult:
    """Search for a decided violation; an undecided case does not stop the search (a decisive
    one may follow) and is reported only when none is found."""
    evaluated = 0
    undecided: list[Instance] = []
    exact_cases: list[Instance] = []
    predicate = PREDICATES[prop]

    def attempt(case):
        nonlocal evaluated
        try:
            instance = predicate(judge, **case)
        except Reject:
            assume(False)
        evaluated += 1
        if instance.status == FAILS:
            raise _Found(instance)
        if instance.status == UNDECIDED:
            undecided.append(instance)
        elif instance.exact:
            exact_cases.append(instance)

    config = settings(
        settings.default,
        max_examples=max_examples,
        # no explain phase: it re-runs a shrunk counterexample's variations to annotate a report
        # nobody prints (it took 40 of 46 s of a P1 search)
        phases=[phase for phase in settings.default.phases if phase is not Phase.explain],
        database=None,
        deadline=None,
        derandomize=seed is None and settings.default.derandomize,
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    run = config(given(strategy)(attempt))
    if seed is not None:
        run = hypothesis_seed(seed)(run)
    try:
        run()
    except _Found as found:
        return PropertyResult(prop, FAILS, found.instance, evaluated, len(undecided))
    except Unsatisfiable:
        pass  # every case rejected: evaluated stays 0, reported as undecided below
    if undecided or not evaluated:
        shortest = min(undecided, key=lambda cx: len(cx.before)) if undecided else None
        return PropertyResult(prop, UNDECIDED, shortest, evaluated, len(undecided))
    shortest_exact = min(exact_cases, key=lambda cx: len(cx.before)) if exact_cases else None
    return PropertyResult(prop, HOLDS, None, evaluated, 0, shortest_exact)
