r"""The six Hurley–Rickard properties as predicates, decided so that rounding never decides them.

A predicate takes a ``Judge`` (a measure S plus the way its values are compared) and one drawn
case, builds the transformed vectors *exactly* (``fractions.Fraction``: c_i - alpha is
c_i - alpha, never its rounding), and returns an ``Instance``: the vectors compared, the
values, and the case's ``status`` — ``"holds"`` (the required relation is established),
``"fails"`` (a decided violation) or ``"undecided"`` (the comparison could not be decided; the
instance says why).  It raises ``Reject`` for a case outside the property's domain (D3 on a
constant vector, P1 on t e_i, D1 with c_i = c_j) or, for a float judge, a case whose vectors
are not exactly float64.

Stated as in Hurley & Rickard (2009), on c >= 0, N >= 2, c != 0 (inequalities strict):

* D1 Robin Hood: c_i > c_j, 0 < alpha < (c_i - c_j)/2  =>  S(.., c_i - alpha, .., c_j + alpha, ..) < S(c).
* D2 Scaling: S(alpha c) = S(c) for alpha > 0.
* D3 Rising Tide: S(alpha + c) < S(c) for alpha > 0, c not constant.
* D4 Cloning: S(c) = S(c||c) = S(c||c||c) = ...
* P1 Bill Gates: for all i there is beta > 0 such that for all alpha > 0,
  S(.., c_i + beta + alpha, ..) > S(.., c_i + beta, ..)   (c = t e_i excluded).
* P2 Babies: S(c||0) > S(c).

For a strict inequality S(after) = S(before) is a violation (Hurley & Rickard count it so), so
an equality has to be *proved*, and a difference too small for the working precision has to be
*decided*.  How a comparison S(x) vs S(y) is decided (``Comparison``):

* ``ExactJudge`` (a measure that takes ``dps``, like every ``reference`` measure, whose value
  has relative error below 10**-dps): the vectors are passed exactly (floats where exactly
  float64, else Fractions).  The order is +1/-1 once |S(x) - S(y)| exceeds 10**(1-dps)
  (|S(x)| + |S(y)|), a bound on both errors together, so the sign is proved; integers,
  Fractions and +-inf compare exactly.  Values within that bound at ``START_DIGITS`` digits go
  to the measure's exact form when it has one (every measure of ``reference.MEASURES`` does:
  ``proofs.exact``): there an equality is proved (rational values equal, or sympy reduces the
  difference to 0) and a tiny difference gets its sign from an interval enclosure that
  excludes 0 (up to 65536 bits); a saturating measure such as -tanh, whose values agree to
  10**48 digits, is decided this way.  A measure without an exact form is evaluated at rising
  precision (30 -> 120 -> 480 -> ... up to 120 + 2 x the decimal range of the entries and the
  change); values still within the bound there are *undecided* for a strict property (equal
  to that many digits is no proof).  For the equalities D2, D4 only a proved difference is a
  violation: rational exact forms are compared exactly; other values that agree to
  ``EQUALITY_DIGITS`` digits are consistent with the equality.  Cases with an entry >= 2**1024
  are rejected: ``reference`` cannot read them (OverflowError in ``reference._inputs``).
* ``FloatJudge`` (any other callable, e.g. a numpy float implementation): it receives float64
  arrays, and only for cases whose vectors are *exactly* float64 (the strategies draw grid
  vectors and dyadic transfers for it), so the implementation sees exactly the property's
  instance.  Its own rounding is unknown, so the order is +1/-1 only when the difference exceeds
  ``atol + rtol max(|S(x)|, |S(y)|)`` (or one value is infinite and the other is not).  Within
  that margin a strict comparison is *undecided* — never a pass: a constant measure is
  undecided on D1, D3, P1, P2, not "holds" — and an equality is consistent.  A NaN value is a
  violation of any relation (no real number was returned).  Defaults rtol = 1e-9,
  atol = 1e-12 suit float64 implementations of O(1)-valued measures.

P1 quantifies over unbounded beta and alpha; the predicate searches beta = M 4**k
(M = max c, k = 0..12) and tests alpha = beta 2**s, s in {-30, -10, -3, 0, 3, 10, 30}.  A beta
"works" when no tested alpha gives a decided violation and at least one is decided in favour
(an alpha whose comparison cannot be decided, e.g. beta 2**-30 within a float margin, is set
aside like an unrepresentable one, and listed); the case holds when some beta works, fails
when every beta tried has a decided violation (the instance lists them: a refutation over that
search range), and is undecided otherwise (no beta with a decided alpha, e.g. a constant).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable

import mpmath
import numpy as np

from sparsity_oracle.proofs import exact
from sparsity_oracle.reference import exact_real

#: An ExactJudge starts at this many digits; a measure without an exact form then rises by 4x.
START_DIGITS = 30
#: Values within the error bound at this many digits (plus 2 x the inputs' decimal range) are
#: undecided (strict properties) or consistent (equalities) for a measure without an exact form.
EQUALITY_DIGITS = 120
#: P1 search: beta = max(c) * 4**k for these k, alpha = beta * 2**s for these s.
P1_BETA_POWERS = tuple(range(13))
P1_ALPHA_SHIFTS = (-30, -10, -3, 0, 3, 10, 30)

#: reference._inputs cannot read magnitudes >= 2**1024 (float(Fraction) overflows there).
FLOAT64_LIMIT = Fraction(2) ** 1024

#: Instance.status values: the case's verdict.
HOLDS, FAILS, UNDECIDED = "holds", "fails", "undecided"

Vector = tuple  # of exact numbers (float where exactly float64, else Fraction)


class Reject(Exception):
    """The drawn case is outside the property's domain or not representable for the judge."""


@dataclass(frozen=True)
class Comparison:
    """S(x) against S(y): ``order`` +1 (S(x) > S(y)), -1, 0 (equal), None (undecided);
    ``decision`` says how it was established or why not.  With ``strict=True`` order 0 is a
    proved equality; with ``strict=False`` it means no difference was found (module docstring).
    ``exact``: the values alone could not decide, the measure's exact form did.  ``invalid``:
    a value is NaN, so no order exists."""

    order: int | None
    value_x: object
    value_y: object
    decision: str
    exact: bool = False
    invalid: bool = False


@dataclass(frozen=True)
class Instance:
    """One case of a property: ``after`` is the transformed ``before``; ``relation`` the one
    required, ``observed`` the one decided (or "undecided"), ``decision`` how, ``status`` the
    case's verdict (HOLDS, FAILS or UNDECIDED); ``exact`` when the measure's exact form decided."""

    property: str
    vector: Vector
    transform: dict
    before: Vector
    after: Vector
    value_before: object
    value_after: object
    relation: str
    observed: str
    decision: str
    status: str
    exact: bool = False

    def to_json(self) -> dict:
        return {
            "property": self.property,
            "vector": encode(self.vector),
            "transform": {k: encode(v) for k, v in self.transform.items()},
            "before": encode(self.before),
            "after": encode(self.after),
            "value_before": _value_text(self.value_before),
            "value_after": _value_text(self.value_after),
            "relation": self.relation,
            "observed": self.observed,
            "decision": self.decision,
            "status": self.status,
            "exact": self.exact,
        }


def encode(x):
    """JSON form of exact numbers: a float when exactly float64, else the string "num/den"."""
    if isinstance(x, (tuple, list)):
        return [encode(v) for v in x]
    if isinstance(x, Fraction):
        entry = _as_entry(x)
        return entry if isinstance(entry, float) else f"{x.numerator}/{x.denominator}"
    return x


def _value_text(v) -> str:
    if isinstance(v, Fraction):
        v = mpmath.mpf(v.numerator) / v.denominator
    if isinstance(v, mpmath.mpf):
        return mpmath.nstr(v, 25)
    return repr(v)


def _as_entry(f: Fraction):
    try:
        as_float = float(f)
    except OverflowError:
        return f
    return as_float if Fraction(as_float) == f else f


def exact_vector(values) -> Vector:
    """The vector with every entry exact: a float when exactly float64, else a Fraction."""
    return tuple(_as_entry(Fraction(v)) for v in values)


def takes_dps(measure: Callable) -> bool:
    """True when ``measure`` accepts a ``dps`` keyword (then it is judged by ``ExactJudge``)."""
    try:
        parameters = inspect.signature(measure).parameters
    except (TypeError, ValueError):
        return False
    return "dps" in parameters


class ExactJudge:
    """Decides comparisons of a high-precision measure (module docstring).  A measure of
    ``reference.MEASURES`` is recognised and decided through its exact form."""

    def __init__(self, measure: Callable, params: dict | None = None):
        self.measure = measure
        self.params = dict(params or {})
        self.exact_name = exact.measure_name(measure)
        self._cache: dict = {}

    def describe(self) -> str:
        form = f"exact form proofs.exact.EXACT_FORMS[{self.exact_name!r}]" if self.exact_name else "no exact form"
        return f"exact inputs, {START_DIGITS}+ digits, {form}"

    def value(self, x: Vector, dps: int):
        key = (x, dps)
        if key not in self._cache:
            if any(v >= FLOAT64_LIMIT for v in x):
                raise Reject("entry >= 2**1024, beyond what reference reads")
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = self.measure(list(x), **self.params, dps=dps)
        return self._cache[key]

    def compare(self, x: Vector, y: Vector, *, strict: bool = True) -> Comparison:
        """``strict``: the property wants S(x) != S(y) in a given direction, so an equality must
        be proved; otherwise (D2, D4) only a proved difference matters."""
        dps = START_DIGITS
        a, b = self.value(x, dps), self.value(y, dps)
        if _nan(a) or _nan(b):
            return Comparison(None, a, b, "the measure returned nan", invalid=True)
        order = _decide(a, b, dps)
        if order == 0:
            return Comparison(0, a, b, "exactly equal values (integers, fractions, exact zeros or infinities)")
        if order is not None:
            return Comparison(order, a, b, f"{dps} digits")
        if self.exact_name and (strict or self.exact_name in exact.RATIONAL_FORMS):
            decision = exact.compare(self.exact_name, self.params, x, y)
            return Comparison(decision.order, a, b, decision.proof, exact=True)
        limit = _equality_digits(x, y) if strict else EQUALITY_DIGITS
        while dps < limit:
            dps = min(4 * dps, limit)
            a, b = self.value(x, dps), self.value(y, dps)
            order = _decide(a, b, dps)
            if order is not None:
                return Comparison(order, a, b, f"{dps} digits")
        if strict:
            return Comparison(None, a, b, f"equal to {dps} digits, and the measure has no exact form "
                                          "(proofs.exact) to prove the equality")
        return Comparison(0, a, b, f"equal to {dps} digits")


def _nan(v) -> bool:
    return isinstance(v, (mpmath.mpf, float)) and math.isnan(v)


def _equality_digits(x: Vector, y: Vector) -> int:
    """Digits beyond which S(x), S(y) count as equal: EQUALITY_DIGITS + 2 x the decimal range
    of the non-zero entries and entrywise changes (a change of relative size r can move S by r**2,
    e.g. Hoyer under Robin Hood)."""
    changes = [abs(Fraction(a) - Fraction(b)) for a, b in zip(x, y)] if len(x) == len(y) else []
    sizes = [abs(Fraction(v)) for v in (*x, *y, *changes) if v]
    span = _log10(max(sizes)) - _log10(min(sizes)) if sizes else 0
    return EQUALITY_DIGITS + 2 * math.ceil(span)


def _log10(f: Fraction) -> float:
    return math.log10(f.numerator) - math.log10(f.denominator)


def _decide(a, b, dps: int) -> int | None:
    """Proved order of two values with relative error < 10**-dps (mpf) or exact (int, Fraction)."""
    if _infinite(a) or _infinite(b):
        return (a > b) - (a < b)
    ea, eb = exact_real(a, "S(x)"), exact_real(b, "S(y)")
    margin = Fraction(1, 10 ** (dps - 1)) * (_error_scale(a, ea) + _error_scale(b, eb))
    gap = ea - eb
    if abs(gap) > margin or margin == 0:
        return (gap > 0) - (gap < 0)
    return None


def _infinite(v) -> bool:
    return isinstance(v, mpmath.mpf) and mpmath.isinf(v)


def _error_scale(v, exact_value: Fraction) -> Fraction:
    return abs(exact_value) if isinstance(v, mpmath.mpf) else Fraction(0)


class FloatJudge:
    """Decides comparisons of a float implementation with a rounding margin (module docstring)."""

    def __init__(self, measure: Callable, params: dict | None = None, *, rtol: float = 1e-9, atol: float = 1e-12):
        self.measure = measure
        self.params = dict(params or {})
        self.rtol, self.atol = rtol, atol

    def describe(self) -> str:
        return f"float64 inputs, margin atol={self.atol:g} + rtol={self.rtol:g}*max|S|"

    def value(self, x: Vector) -> float:
        if not all(isinstance(v, float) for v in x):  # a Fraction entry: not a float64 (or beyond its range)
            raise Reject("not exactly float64")
        array = np.array(x, dtype=np.float64)
        if not np.all(np.isfinite(array)):
            raise Reject("not finite in float64")
        return float(self.measure(array, **self.params))

    def compare(self, x: Vector, y: Vector, *, strict: bool = True) -> Comparison:
        a, b = self.value(x), self.value(y)
        if math.isnan(a) or math.isnan(b):
            return Comparison(None, a, b, "the measure returned nan", invalid=True)
        if a != b and (math.isinf(a) or math.isinf(b) or abs(a - b) > self.atol + self.rtol * max(abs(a), abs(b))):
            return Comparison(1 if a > b else -1, a, b, self.describe())
        if strict:
            return Comparison(None, a, b, f"{'equal' if a == b else 'within the margin'} in float64 "
                                          f"({self.describe()}): undecidable without the exact values")
        return Comparison(0, a, b, self.describe())


Judge = ExactJudge | FloatJudge

_RELATION = {-1: "S(after) < S(before)", 0: "S(after) = S(before)", 1: "S(after) > S(before)"}


def _check(prop, judge, vector, transform, before, after, expect: int) -> Instance:
    """Compare S(after) with S(before) against the required order ``expect``."""
    outcome = judge.compare(after, before, strict=expect != 0)
    if outcome.invalid:
        status, observed = FAILS, "S is nan"
    elif outcome.order is None:
        status, observed = UNDECIDED, "undecided"
    else:
        status, observed = (HOLDS if outcome.order == expect else FAILS), _RELATION[outcome.order]
    return Instance(
        property=prop,
        vector=vector,
        transform=transform,
        before=before,
        after=after,
        value_before=outcome.value_y,
        value_after=outcome.value_x,
        relation=_RELATION[expect],
        observed=observed,
        decision=outcome.decision,
        status=status,
        exact=outcome.exact,
    )


def _fractions(c) -> list[Fraction]:
    return [Fraction(v) for v in c]


def robin_hood(judge: Judge, c, i: int, j: int, t: Fraction) -> Instance:
    """D1: with c_i > c_j (i, j swapped if needed), alpha = t (c_i - c_j)/2, 0 < t < 1."""
    f = _fractions(c)
    if f[i] == f[j]:
        raise Reject("c_i = c_j")
    if f[i] < f[j]:
        i, j = j, i
    alpha = t * (f[i] - f[j]) / 2
    moved = list(f)
    moved[i] -= alpha
    moved[j] += alpha
    before = exact_vector(f)
    return _check("D1", judge, before, {"i": i, "j": j, "alpha": alpha}, before, exact_vector(moved), -1)


def scaling(judge: Judge, c, alpha: Fraction) -> Instance:
    """D2: S(alpha c) = S(c)."""
    before = exact_vector(c)
    after = exact_vector(alpha * v for v in _fractions(c))
    return _check("D2", judge, before, {"alpha": alpha}, before, after, 0)


def rising_tide(judge: Judge, c, alpha: Fraction) -> Instance:
    """D3: S(alpha + c) < S(c) for c not constant."""
    f = _fractions(c)
    if len(set(f)) == 1:
        raise Reject("constant vector")
    before = exact_vector(f)
    return _check("D3", judge, before, {"alpha": alpha}, before, exact_vector(v + alpha for v in f), -1)


def cloning(judge: Judge, c, copies: int) -> Instance:
    """D4: S(c) = S(c||c||...||c) with ``copies`` copies."""
    before = exact_vector(c)
    return _check("D4", judge, before, {"copies": copies}, before, before * copies, 0)


def bill_gates(judge: Judge, c, i: int) -> Instance:
    """P1 at index i: search beta (module docstring); fails only when every beta fails."""
    f = _fractions(c)
    if sum(1 for v in f if v) == 1 and f[i]:
        raise Reject("c = t e_i")
    top = max(f)
    failures, undecided = [], []
    for k in P1_BETA_POWERS:
        beta = top * 4**k
        outcome = _bill_gates_beta(judge, f, i, beta)
        if outcome is None:
            continue
        if outcome.status == HOLDS:
            return replace(outcome, vector=exact_vector(f), transform={**outcome.transform, "i": i})
        (failures if outcome.status == FAILS else undecided).append((beta, outcome))
    if not failures and not undecided:
        raise Reject("no representable beta")
    shown = failures[-1][1] if not undecided else undecided[0][1]
    transform = {**shown.transform, "i": i, "betas_failed": [b for b, _ in failures]}
    if undecided:
        transform["betas_undecided"] = [b for b, _ in undecided]
    return replace(shown, transform=transform, vector=exact_vector(f))


def _bill_gates_beta(judge: Judge, f: list[Fraction], i: int, beta: Fraction) -> Instance | None:
    """This beta's verdict over the tested alphas: the first decided violation (fails); else, if
    some alpha was decided in favour, the hardest of those (holds; preferring a comparison the
    exact form decided, and listing the alphas that could not be decided, which say nothing
    either way, like alphas that are not representable); else the first undecided comparison;
    None when no alpha was representable."""
    low = list(f)
    low[i] += beta
    before = exact_vector(low)
    held, undecided = [], []
    for s in P1_ALPHA_SHIFTS:
        alpha = beta * Fraction(2) ** s
        high = list(low)
        high[i] += alpha
        try:
            outcome = _check("P1", judge, None, {"beta": beta, "alpha": alpha}, before, exact_vector(high), 1)
        except Reject:
            continue
        if outcome.status == FAILS:
            return outcome
        (undecided if outcome.status == UNDECIDED else held).append(outcome)
    if held:
        chosen = next((outcome for outcome in held if outcome.exact), held[-1])
        if undecided:
            chosen = replace(chosen, transform={**chosen.transform,
                                                "alphas_undecided": [u.transform["alpha"] for u in undecided]})
        return chosen
    return undecided[0] if undecided else None


def babies(judge: Judge, c) -> Instance:
    """P2: S(c||0) > S(c)."""
    before = exact_vector(c)
    return _check("P2", judge, before, {}, before, before + (0.0,), 1)


#: property -> predicate(judge, vector, **case)
PREDICATES = {
    "D1": robin_hood,
    "D2": scaling,
    "D3": rising_tide,
    "D4": cloning,
    "P1": bill_gates,
    "P2": babies,
}
