r"""The six Hurley–Rickard properties as predicates, decided so that rounding never decides them.

A predicate takes a ``Judge`` (a measure S plus the way its values are compared) and one drawn
case, builds the transformed vectors *exactly* (``fractions.Fraction``: c_i - alpha is
c_i - alpha, never its rounding), and returns ``None`` when the property holds on that case or a
``Counterexample``.  It raises ``Reject`` for a case outside the property's domain (D3 on a
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

How a comparison S(x) vs S(y) is decided (``Comparison.order``):

* ``ExactJudge`` (a measure that takes ``dps``, like every ``reference`` measure, whose value
  has relative error below 10**-dps): the vectors are passed exactly (floats where exactly
  float64, else Fractions).  The order is +1/-1 once |S(x) - S(y)| exceeds 10**(1-dps)
  (|S(x)| + |S(y)|), a bound on both errors together, so the sign is proved.  Otherwise dps
  grows 30 -> 120 -> 480 -> ... until it reaches 120 + 2 x (the decimal range of the inputs'
  non-zero entries and changes); values still within the bound there are "equal to N digits":
  a *tie*.  The range term keeps a genuine but tiny change (moving 1e-227 next to an entry
  1e251) from passing for a tie.  A tie is not a proof of equality (a saturating measure such as
  -tanh changes by e**-2000 when an entry near 1000 moves), so a strict property violated only
  by a tie is reported as such (``Counterexample.tie``), apart from proved violations.  A
  measure whose values are exact (int, Fraction: l0) has its ties decided exactly.  For the equalities D2, D4 only a proved
  difference is a violation, sought up to 120 digits (undecided there = consistent).  Integers, Fractions and +-inf compare exactly.  Cases
  with an entry >= 2**1024 are skipped: ``reference`` cannot read them (OverflowError in
  ``reference._inputs``).
* ``FloatJudge`` (any other callable, e.g. a numpy float implementation): it receives float64
  arrays, and only for cases whose vectors are *exactly* float64 (the strategies draw grid
  vectors and dyadic transfers for it), so the implementation sees exactly the property's
  instance.  Its own rounding is unknown, so the order is +1/-1 only when the difference exceeds
  ``atol + rtol max(|S(x)|, |S(y)|)``; within that margin it is ``None`` (undecided), which
  never counts as a violation: a tie in floats is not evidence.  Defaults rtol = 1e-9,
  atol = 1e-12 suit float64 implementations of O(1)-valued measures; a counterexample reported
  in float mode is therefore a violation larger than the margin on an exactly represented
  instance.

P1 quantifies over unbounded beta and alpha; the predicate searches beta = M 4**k
(M = max c, k = 0..12) and tests alpha = beta 2**s, s in {-30, -10, -3, 0, 3, 10, 30}.  A beta
"works" when no tested alpha gives a decided violation; a counterexample is reported only when
every beta tried fails (it lists them), i.e. a refutation over that search range.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable

import mpmath
import numpy as np

from sparsity_oracle.reference import exact_real

#: An ExactJudge starts at this many digits and multiplies by 4 while undecided.
START_DIGITS = 30
#: Values within the error bound at this many digits (plus 2 x the inputs' decimal range) are equal.
EQUALITY_DIGITS = 120
#: P1 search: beta = max(c) * 4**k for these k, alpha = beta * 2**s for these s.
P1_BETA_POWERS = tuple(range(13))
P1_ALPHA_SHIFTS = (-30, -10, -3, 0, 3, 10, 30)

#: reference._inputs cannot read magnitudes >= 2**1024 (float(Fraction) overflows there).
FLOAT64_LIMIT = Fraction(2) ** 1024

Vector = tuple  # of exact numbers (float where exactly float64, else Fraction)


class Reject(Exception):
    """The drawn case is outside the property's domain or not representable for the judge."""


@dataclass(frozen=True)
class Comparison:
    """S(x) against S(y): ``order`` +1 (S(x) > S(y)), -1, 0 (equal), None (undecided)."""

    order: int | None
    value_x: object
    value_y: object
    precision: str
    #: False when order 0 only means "equal to the digits tried" (not proved equal)
    exact: bool = True


@dataclass(frozen=True)
class Counterexample:
    """A violated instance: ``after`` is the transformed ``before``; ``relation`` the one required."""

    property: str
    vector: Vector
    transform: dict
    before: Vector
    after: Vector
    value_before: object
    value_after: object
    relation: str
    observed: str
    precision: str
    #: True when the violation is only a tie to ``precision`` digits, not a proved one
    tie: bool = False

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
            "precision": self.precision,
            "tie": self.tie,
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
    """Decides comparisons of a high-precision measure (module docstring)."""

    def __init__(self, measure: Callable, params: dict | None = None):
        self.measure = measure
        self.params = dict(params or {})
        self._cache: dict = {}

    def describe(self) -> str:
        return f"exact inputs, {START_DIGITS}+ digits"

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
        """``strict``: the property wants S(x) != S(y), so a tie must be established (up to
        ``_equality_digits``); otherwise only a proved difference matters (up to EQUALITY_DIGITS)."""
        dps, limit = START_DIGITS, None
        while True:
            a, b = self.value(x, dps), self.value(y, dps)
            order = _decide(a, b, dps)
            if order is not None:
                return Comparison(order, a, b, f"{dps} digits")
            if limit is None:  # undecided at START_DIGITS (rare): how far to go
                limit = _equality_digits(x, y) if strict else EQUALITY_DIGITS
            if dps >= limit:
                return Comparison(0, a, b, f"equal to {dps} digits", exact=False)
            dps = min(4 * dps, limit)


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


def _error_scale(v, exact: Fraction) -> Fraction:
    return abs(exact) if isinstance(v, mpmath.mpf) else Fraction(0)


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
        gap = a - b
        if abs(gap) > self.atol + self.rtol * max(abs(a), abs(b)):
            return Comparison(1 if gap > 0 else -1, a, b, self.describe())
        return Comparison(None, a, b, self.describe())


Judge = ExactJudge | FloatJudge

_RELATION = {-1: "S(after) < S(before)", 0: "S(after) = S(before)", 1: "S(after) > S(before)"}


def _check(prop, judge, vector, transform, before, after, expect: int) -> Counterexample | None:
    """Compare S(after) with S(before); a decided order other than ``expect`` is a violation."""
    outcome = judge.compare(after, before, strict=expect != 0)
    if outcome.order is None or outcome.order == expect:
        return None
    return Counterexample(
        property=prop,
        vector=vector,
        transform=transform,
        before=before,
        after=after,
        value_before=outcome.value_y,
        value_after=outcome.value_x,
        relation=_RELATION[expect],
        observed=_RELATION[outcome.order],
        precision=outcome.precision,
        tie=not outcome.exact,
    )


def _fractions(c) -> list[Fraction]:
    return [Fraction(v) for v in c]


def robin_hood(judge: Judge, c, i: int, j: int, t: Fraction) -> Counterexample | None:
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


def scaling(judge: Judge, c, alpha: Fraction) -> Counterexample | None:
    """D2: S(alpha c) = S(c)."""
    before = exact_vector(c)
    after = exact_vector(alpha * v for v in _fractions(c))
    return _check("D2", judge, before, {"alpha": alpha}, before, after, 0)


def rising_tide(judge: Judge, c, alpha: Fraction) -> Counterexample | None:
    """D3: S(alpha + c) < S(c) for c not constant."""
    f = _fractions(c)
    if len(set(f)) == 1:
        raise Reject("constant vector")
    before = exact_vector(f)
    return _check("D3", judge, before, {"alpha": alpha}, before, exact_vector(v + alpha for v in f), -1)


def cloning(judge: Judge, c, copies: int) -> Counterexample | None:
    """D4: S(c) = S(c||c||...||c) with ``copies`` copies."""
    before = exact_vector(c)
    return _check("D4", judge, before, {"copies": copies}, before, before * copies, 0)


def bill_gates(judge: Judge, c, i: int) -> Counterexample | None:
    """P1 at index i: search beta (module docstring); a counterexample when every beta fails."""
    f = _fractions(c)
    if sum(1 for v in f if v) == 1 and f[i]:
        raise Reject("c = t e_i")
    top = max(f)
    failures = []
    for k in P1_BETA_POWERS:
        beta = top * 4**k
        failure, tested = _bill_gates_alphas(judge, f, i, beta)
        if tested and failure is None:
            return None
        if failure is not None:
            failures.append((beta, failure))
    if not failures:
        raise Reject("no representable beta")
    last = failures[-1][1]
    transform = {**last.transform, "i": i, "betas_failed": [b for b, _ in failures]}
    return replace(last, transform=transform, vector=exact_vector(f), tie=any(cx.tie for _, cx in failures))


def _bill_gates_alphas(judge: Judge, f: list[Fraction], i: int, beta: Fraction):
    """(the first alpha's violation or None, whether any alpha was representable) at this beta."""
    tested = False
    low = list(f)
    low[i] += beta
    before = exact_vector(low)
    for s in P1_ALPHA_SHIFTS:
        alpha = beta * Fraction(2) ** s
        high = list(low)
        high[i] += alpha
        try:
            failure = _check("P1", judge, None, {"beta": beta, "alpha": alpha}, before, exact_vector(high), 1)
        except Reject:
            continue
        tested = True
        if failure is not None:
            return failure, True
    return None, tested


def babies(judge: Judge, c) -> Counterexample | None:
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
