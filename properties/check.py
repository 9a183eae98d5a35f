"""``check_measure``: fuzz one sparsity measure against the six properties (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from hypothesis import HealthCheck, Verbosity, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from . import strategies as strat
from .predicates import PREDICATES, Counterexample, ExactJudge, FloatJudge, Reject, encode, takes_dps

PROPERTIES = ("D1", "D2", "D3", "D4", "P1", "P2")

#: The shortest vector drawn: every property compares vectors of at least two entries.
MIN_SIZE = 2


#: PropertyResult.status values
HOLDS, FAILS, TIE = "holds", "fails", "tie"


@dataclass(frozen=True)
class PropertyResult:
    """One property's outcome.

    ``status``: ``"fails"`` (a proved violation, ``counterexample`` shrunk), ``"tie"`` (no proved
    violation, but a strict inequality that came out equal to every digit tried: the shortest
    such case is ``counterexample``), or ``"holds"`` (nothing found).  ``examples`` counts the
    valid cases evaluated (shrinking included).
    """

    property: str
    status: str
    counterexample: Counterexample | None
    examples: int

    @property
    def holds(self) -> bool | None:
        """True: no counterexample; False: a proved one; None: only ties (undecided)."""
        return {HOLDS: True, FAILS: False, TIE: None}[self.status]

    def to_json(self) -> dict:
        return {
            "holds": self.status != FAILS,  # SPEC §6: a bool; a tie is no proved counterexample
            "status": self.status,
            "counterexample": None if self.counterexample is None else self.counterexample.to_json(),
            "examples": self.examples,
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
        """True when no property has a counterexample or a tie."""
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
    def __init__(self, counterexample: Counterexample):
        super().__init__(counterexample.property)
        self.counterexample = counterexample


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
    exact inputs and judged at high precision; any other is fed float64 arrays and judged with
    the margin ``atol + rtol max|S|`` (see ``properties.predicates``).  ``seed`` makes the run
    reproducible (None: the active hypothesis profile decides, e.g. derandomized under ``ci``).
    ``max_examples`` (>= 1) is per property; ``max_size`` (>= ``MIN_SIZE``) bounds the vector
    length; ``ValueError`` otherwise.
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
    evaluated = 0
    ties: list[Counterexample] = []
    predicate = PREDICATES[prop]

    def attempt(case):
        nonlocal evaluated
        try:
            counterexample = predicate(judge, **case)
        except Reject:
            assume(False)
        evaluated += 1
        if counterexample is None:
            return
        if not counterexample.tie:
            raise _Found(counterexample)
        ties.append(counterexample)

    config = settings(
        settings.default,
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=seed is None and settings.default.derandomize,
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    run = config(given(strategy)(attempt))
    if seed is not None:
        run = hypothesis_seed(seed)(run)
    try:
        run()
    except _Found as found:
        return PropertyResult(prop, FAILS, found.counterexample, evaluated)
    if ties:
        shortest = min(ties, key=lambda cx: len(cx.before))
        return PropertyResult(prop, TIE, shortest, evaluated)
    return PropertyResult(prop, HOLDS, None, evaluated)
