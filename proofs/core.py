"""The obligation framework: what an obligation is, what checking it returns, and the few
sympy proof steps every obligation is built from.

A status is earned at check time: ``proved`` only when every sympy step of the obligation
succeeded (a simplification to 0, a sign decided by sympy's assumption system, a Taylor
argument whose derivatives sympy evaluated), ``refuted`` only when sympy evaluated the
claim at the counterexample and found it false, ``open`` otherwise (with the step that did
not close).  Nothing is hard-coded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

PROVED, REFUTED, OPEN = "proved", "refuted", "open"
STATUSES = (PROVED, REFUTED, OPEN)


class StepFailed(Exception):
    """A proof step sympy could not establish; the obligation stays open with this reason."""


@dataclass(frozen=True)
class Outcome:
    """What a prover returns: the status, a reason (the proof trace or the failing step)
    and, for a refutation, the counterexample (JSON-ready: exact rationals as strings)."""

    status: str
    reason: str
    counterexample: dict | None = None


#: The PQI paper's text (contract §5), the ``paper`` of every ``Source`` in this package.
PQI_PAPER = "diao2023-pqi-sap-fulltext.txt"


@dataclass(frozen=True)
class Source:
    """Where a claim is printed: the paper's file name (in ``../shared/papers/``), the location
    (e.g. "Appendix B, proof of Theorem 1, (D3)") and the display or sentence as printed."""

    location: str
    display: str
    paper: str = PQI_PAPER

    def to_json(self) -> dict:
        return {"paper": self.paper, "location": self.location, "display": self.display}


@dataclass(frozen=True)
class Result:
    id: str
    claim: str
    assumptions: tuple[str, ...]
    status: str
    expected: str
    reason: str
    counterexample: dict | None = None
    source: Source | None = None
    links: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "claim": self.claim,
            "assumptions": list(self.assumptions),
            "status": self.status,
            "counterexample": self.counterexample,
            "source": None if self.source is None else self.source.to_json(),
            "links": list(self.links),
        }


@dataclass(frozen=True)
class Obligation:
    """One claim or displayed step.  ``prove`` runs the sympy steps; ``expected`` is the
    status the project records for it (a regression if check() returns anything else).
    ``source``: where the paper prints it (a displayed step is checked as printed);
    ``links``: the general-vector obligations the printed step corresponds to (for a wrong
    line: its corrected form)."""

    id: str
    claim: str
    assumptions: tuple[str, ...]
    expected: str
    prove: Callable[[], Outcome] = field(repr=False)
    source: Source | None = None
    links: tuple[str, ...] = ()

    def check(self) -> Result:
        try:
            outcome = self.prove()
        except StepFailed as failed:
            outcome = Outcome(OPEN, f"sympy did not establish a step: {failed}")
        return Result(self.id, self.claim, self.assumptions, outcome.status, self.expected,
                      outcome.reason, outcome.counterexample, self.source, self.links)


def proof(*steps: str) -> Outcome:
    """The outcome of a prover whose steps all returned (each step raises StepFailed)."""
    return Outcome(PROVED, "; ".join(steps))


def cached(prover: Callable[[], Outcome]) -> Callable[[], Outcome]:
    """Lemmas are used by several obligations: check each once per process."""
    return functools.lru_cache(maxsize=None)(prover)


def lemma(prover: Callable[[], Outcome], name: str) -> str:
    """Use a lemma inside another proof: it must itself be proved now."""
    outcome = prover()
    if outcome.status != PROVED:
        raise StepFailed(f"lemma {name} is {outcome.status}: {outcome.reason}")
    return f"by lemma {name}"


# --- sympy steps -------------------------------------------------------------------------

def _sympy():
    import sympy

    return sympy


def _normal_forms(expr):
    """Successively stronger normal forms sympy tries for an identity."""
    sp = _sympy()
    yield sp.simplify(sp.powsimp(sp.expand_power_base(sp.expand(expr), force=False)))
    split = sp.powdenest(sp.expand_power_base(expr, force=False), force=False)
    split = split.replace(lambda t: t.is_Pow, lambda t: sp.Pow(t.base, sp.simplify(t.exp)))
    yield sp.simplify(sp.powsimp(split))
    yield sp.simplify(sp.powdenest(sp.expand_log(expr, force=False)))


def zero(expr, what: str) -> str:
    """``expr == 0`` identically (under the symbols' assumptions)."""
    for reduced in _normal_forms(expr):
        if reduced == 0:
            return f"{what}: sympy simplifies the difference to 0"
    raise StepFailed(f"{what}: simplifies to {reduced}, not 0")


def identity(lhs, rhs, what: str) -> str:
    return zero(lhs - rhs, what)


def sign(expr, expected: str, what: str) -> str:
    """``expr`` is positive / nonnegative / negative / nonpositive by sympy's assumptions
    (on the expression as given, or on its ``together``/``factor``/``simplify`` form)."""
    sp = _sympy()
    forms = (lambda e: e, sp.together, sp.factor, sp.simplify)
    if not any(getattr(form(expr), f"is_{expected}") is True for form in forms):
        raise StepFailed(f"{what}: sympy cannot show {expr} is {expected}")
    return f"{what}: sympy's assumptions give {expected}"


def taylor_positive(expr, u, order: int, what: str, strict: bool = True) -> str:
    """``expr(u) > 0`` (``>= 0`` if not strict) for every u > 0, by Taylor's theorem at 0:
    the derivatives of order 0..order-1 at u = 0 are >= 0 and the derivative of order
    ``order`` is > 0 (>= 0) for every u > 0."""
    sp = _sympy()
    for k in range(order):
        at_zero = sp.simplify(sp.diff(expr, u, k).subs(u, 0))
        if not (at_zero == 0 or at_zero.is_nonnegative):
            raise StepFailed(f"{what}: derivative {k} at 0 is {at_zero}, not >= 0")
    top = sp.simplify(sp.diff(expr, u, order))
    wanted = "positive" if strict else "nonnegative"
    if getattr(top, f"is_{wanted}") is not True:
        raise StepFailed(f"{what}: derivative {order} = {top} is not {wanted}")
    return f"{what}: Taylor at u=0, derivatives 0..{order - 1} >= 0, derivative {order} {wanted}"


def _relation_at(expr, relation: str, values: dict):
    """(the exact number expr at values, whether ``number relation 0``: True, False or None)."""
    number = expr.subs(values)
    return number, {"<": number.is_negative, "<=": number.is_nonpositive, ">": number.is_positive,
                    ">=": number.is_nonnegative, "=": number.is_zero}[relation]


def false_at(expr, relation: str, values: dict, what: str) -> str:
    """Evaluate ``expr`` exactly at ``values`` and confirm ``expr relation 0`` FAILS there
    (sympy decides the sign of the exact number, using certified evalf if needed)."""
    number, decided = _relation_at(expr, relation, values)
    if decided is not False:
        raise StepFailed(f"{what}: at the counterexample {number} {relation} 0 is not refuted")
    return f"{what}: at the counterexample the value is {_sympy().N(number, 20)}, so '{relation} 0' fails"


def true_at(expr, relation: str, values: dict, what: str) -> str:
    """Evaluate ``expr`` exactly at ``values`` and confirm ``expr relation 0`` HOLDS there."""
    number, decided = _relation_at(expr, relation, values)
    if decided is not True:
        raise StepFailed(f"{what}: {number} {relation} 0 is not established")
    return f"{what}: the value is {_sympy().N(number, 20)}, so '{relation} 0' holds there"
