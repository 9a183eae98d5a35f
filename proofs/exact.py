r"""The exact form of every reference sparsity measure, and exact decisions between two values.

``EXACT_FORMS`` maps each name of ``reference.MEASURES`` to the measure's formula (contract §2) as an
exact object, a function of the magnitudes c and the measure's keyword parameters (read exactly;
the defaults are the reference function's, so they live in one place):

* the measures rational in their inputs (``RATIONAL_FORMS``: ``l0``, ``l0_eps``, ``neg_l1``,
  ``kurtosis4``, ``u_theta``, ``gini``) take c as Fractions and return an ``int`` or a
  ``Fraction``: the exact value;
* the others take c as sympy expressions (``compare`` passes one positive symbol per distinct
  non-zero value, 0 for a zero entry) and return a sympy expression (the dimension d, where a
  form uses it, is a positive symbol too, ``dimension(d)``): algebraic (powers with
  rational exponents, square roots: ``neg_lp``, ``l2_over_l1``, ``neg_lp_minus``, ``hoyer``,
  ``pq_mean``, ``l1_over_lq``, ``pq_index``) or elementary (``exp``, ``log``: ``neg_tanh``,
  ``neg_log``, ``gaussian_entropy``, ``shannon_entropy``, ``shannon_entropy_raw``), or
  ``sympy.oo`` (``gaussian_entropy`` with a zero entry).

The symbolic forms are written so that what two values share cancels exactly: a zero entry
contributes an exact 0 (appending a zero leaves the expression unchanged); ``neg_tanh`` uses
tanh x = 1 - 2/(e^{2x} + 1), so -sum_j tanh x_j = sum_j (2/(e^{2 x_j} + 1) - 1) keeps the tails
e^{-2x} apart from the integers (two values near -N that differ by e^{-4e48} would otherwise
need 10^48 digits).  Entries are symbols, not numbers, so sympy never factors the huge integers
of float64 entries (2**-1074 .. 2**1023), and the dimension is a symbol, so sympy never
evaluates d**e for an exponent e such as 1/0.8 - 1/0.3 read exactly from binary (a ratio of
32-digit integers: sympy's perfect-power search on 28**e does not finish).

``compare(name, params, x, y)`` decides the order of S(x) and S(y) without rounding:

1. rational values (and +-oo) compare exactly;
2. when S(x) - S(y), as an expression in the entries' symbols, reduces to 0, the values are
   equal whatever the entries are: a proof of the equality;
3. otherwise the entries' exact values are put in and S(x) - S(y) is enclosed in an interval
   (``mpmath.iv``, outward rounding) at 64, 256, ... up to ``MAX_BITS`` bits of working
   precision; an enclosure that excludes 0 proves the sign;
4. a difference that still encloses 0 at ``MAX_BITS`` is undecided (``order`` None), with the
   reason.  (It is not declared equal.)
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

#: The interval enclosure of S(x) - S(y) starts at this many bits and is refined by 4x up to MAX_BITS.
START_BITS = 64
MAX_BITS = 65536

Vector = tuple  # exact entries: float, int or Fraction


@dataclass(frozen=True)
class Decision:
    """The order of S(x) against S(y): +1, -1, 0 (proved equal) or None (undecided); ``proof``
    says how it was established (or why not)."""

    order: int | None
    proof: str


def _sympy():
    import sympy

    return sympy


def _rational(f: Fraction):
    return _sympy().Rational(f.numerator, f.denominator)


def _nonzero(c):
    return [v for v in c if v != 0]


def _power_sum(c, t):
    """sum_j c_j^t over the non-zero entries (sympy)."""
    exponent = _rational(t)
    return _sympy().Add(*[v**exponent for v in _nonzero(c)])


def dimension(d: int):
    """The positive symbol standing for the dimension ``d`` in the symbolic forms (``exact_form``
    gives its value); vectors of one length share it, so what depends on d alone cancels."""
    return _sympy().Symbol(f"d{d}", positive=True)


def _pq_ratio(c, p, q):
    """d^{1/q-1/p} ||c||_p / ||c||_q (sympy)."""
    p, q = _rational(p), _rational(q)
    return dimension(len(c)) ** (1 / q - 1 / p) * _power_sum(c, p) ** (1 / p) / _power_sum(c, q) ** (1 / q)


def _l0(c):
    return sum(1 for v in c if v == 0)


def _l0_eps(c, *, eps):
    return sum(1 for v in c if v <= eps)


def _neg_l1(c):
    return -sum(c, Fraction(0))


def _neg_lp(c, *, p):
    return -_power_sum(c, p) ** (1 / _rational(p))


def _l2_over_l1(c):
    sp = _sympy()
    return sp.sqrt(sp.Add(*[v**2 for v in c])) / sp.Add(*c)


def _neg_tanh(c, *, a, b):
    sp = _sympy()
    return sp.Add(*[2 / (sp.exp(2 * (_rational(a) * v) ** _rational(b)) + 1) - 1 for v in _nonzero(c)])


def _neg_log(c):
    sp = _sympy()
    return -sp.Add(*[sp.log(1 + v**2) for v in _nonzero(c)])


def _kurtosis4(c):
    s2 = sum(v * v for v in c)
    return sum(v**4 for v in c) / (s2 * s2)


def _u_theta(c, *, theta):
    c = sorted(c)
    spread = c[-1] - c[0]
    if spread == 0:
        return Fraction(0)
    window = math.ceil(theta * len(c))
    return 1 - min(c[i + window - 1] - c[i] for i in range(len(c) - window + 1)) / spread


def _neg_lp_minus(c, *, p):
    return _power_sum(c, p)


def _gaussian_entropy(c):
    sp = _sympy()
    if any(v == 0 for v in c):
        return sp.oo
    return -2 * sp.Add(*[sp.log(v) for v in c])


def _shannon_entropy(c):
    sp = _sympy()
    s2 = sp.Add(*[v**2 for v in c])
    return 2 * sp.Add(*[v**2 / s2 * sp.log(v**2 / s2) for v in _nonzero(c)])


def _shannon_entropy_raw(c):
    sp = _sympy()
    return 2 * sp.Add(*[v * sp.log(v) for v in _nonzero(c)])


def _hoyer(c):
    sp = _sympy()
    root = sp.sqrt(dimension(len(c)))
    return (root - sp.Add(*c) / sp.sqrt(sp.Add(*[v**2 for v in c]))) / (root - 1)


def _pq_mean(c, *, p, q):
    return -_pq_ratio(c, p, q)


def _l1_over_lq(c, *, q):
    return _sympy().Add(*c) / _power_sum(c, q) ** (1 / _rational(q))


def _gini(c):
    c, n = sorted(c), len(c)
    return 1 - sum(v * (2 * n - 2 * k + 1) for k, v in enumerate(c, start=1)) / (n * sum(c))


def _pq_index(c, *, p, q):
    return 1 - _pq_ratio(c, p, q)


#: name -> exact form (c, **params), for every measure of ``reference.MEASURES``
#: (tests/proofs/test_exact.py checks the two tables agree, value by value).
EXACT_FORMS: dict[str, Callable] = {
    "l0": _l0,
    "l0_eps": _l0_eps,
    "neg_l1": _neg_l1,
    "neg_lp": _neg_lp,
    "l2_over_l1": _l2_over_l1,
    "neg_tanh": _neg_tanh,
    "neg_log": _neg_log,
    "kurtosis4": _kurtosis4,
    "u_theta": _u_theta,
    "neg_lp_minus": _neg_lp_minus,
    "gaussian_entropy": _gaussian_entropy,
    "shannon_entropy": _shannon_entropy,
    "shannon_entropy_raw": _shannon_entropy_raw,
    "hoyer": _hoyer,
    "pq_mean": _pq_mean,
    "l1_over_lq": _l1_over_lq,
    "gini": _gini,
    "pq_index": _pq_index,
}

#: The measures whose exact form is rational: evaluated on Fractions, compared exactly.
RATIONAL_FORMS = frozenset({"l0", "l0_eps", "neg_l1", "kurtosis4", "u_theta", "gini"})


def measure_name(measure: Callable) -> str | None:
    """The name under which ``measure`` is in ``reference.MEASURES`` (None: not a reference measure)."""
    from sparsity_oracle.reference import MEASURES

    return next((name for name, function in MEASURES.items() if function is measure), None)


def _parameters(name: str, params: dict | None) -> dict:
    """The measure's keyword parameters, the reference's defaults filled in, read exactly."""
    from sparsity_oracle.reference import MEASURES, exact_real

    signature = list(inspect.signature(MEASURES[name]).parameters.values())[1:]
    chosen = {p.name: p.default for p in signature if p.name not in ("dps", "certified")}
    chosen.update(params or {})
    return {key: exact_real(value, key) for key, value in chosen.items()}


def _magnitudes(vector) -> tuple[Fraction, ...]:
    from sparsity_oracle.reference import exact_real

    return tuple(abs(exact_real(v, "w")) for v in vector)


def exact_form(name: str, vectors, params: dict | None = None):
    """The exact forms of measure ``name`` at each of ``vectors``, and the entries' values.

    Returns (forms, values): a rational measure's forms are its exact values (``values`` is
    empty); a symbolic measure's forms are sympy expressions in one positive symbol per distinct
    non-zero magnitude across all the vectors (and ``dimension(len(v))`` for each length), and
    ``values`` maps each symbol to its Fraction."""
    sp = _sympy()
    exact = _parameters(name, params)
    magnitudes = [_magnitudes(v) for v in vectors]
    if name in RATIONAL_FORMS:
        return [EXACT_FORMS[name](c, **exact) for c in magnitudes], {}
    distinct = sorted({v for c in magnitudes for v in c if v})
    symbols = {v: sp.Symbol(f"c{k}", positive=True) for k, v in enumerate(distinct)}
    forms = [EXACT_FORMS[name]([symbols[v] if v else sp.Integer(0) for v in c], **exact) for c in magnitudes]
    values = {symbol: v for v, symbol in symbols.items()}
    values.update({dimension(len(c)): Fraction(len(c)) for c in magnitudes})
    return forms, values


def compare(name: str, params: dict | None, x: Vector, y: Vector) -> Decision:
    """The proved order of S(x) and S(y) for the reference measure ``name`` (module docstring)."""
    sp = _sympy()
    (a, b), values = exact_form(name, (x, y), params)
    if name in RATIONAL_FORMS:
        gap = Fraction(a) - Fraction(b)
        return Decision((gap > 0) - (gap < 0), f"exact rationals: S(x) - S(y) = {_fraction_text(gap)}")
    infinities = (sp.oo, -sp.oo)
    if a in infinities or b in infinities:
        order = 0 if a == b else (1 if a == sp.oo or b == -sp.oo else -1)
        return Decision(order, f"exact: S(x) = {a}, S(y) = {b}")
    difference = a - b
    if difference == 0:
        return Decision(0, "exact forms: S(x) - S(y) reduces to 0 as an expression in the entries "
                           f"(sympy: both are {_short(a)})")
    bits = START_BITS
    while True:
        low, high = enclosure(difference, bits, values)
        if low > 0 or high < 0:
            return Decision(1 if low > 0 else -1,
                            f"exact forms: S(x) - S(y) lies in [{_text(low)}, {_text(high)}] "
                            f"(interval arithmetic at {bits} bits)")
        if bits >= MAX_BITS:
            return Decision(None, f"exact forms: S(x) - S(y) = {_short(difference)} still encloses 0 at "
                                  f"{bits} bits and does not reduce to 0 symbolically")
        bits *= 4


def enclosure(expr, bits: int, values: dict | None = None):
    """(low, high): mpf bounds of the exact number ``expr`` (a sympy expression built from
    rationals and the symbols of ``values`` (symbol -> Fraction) with +, *, powers, exp and
    log), by interval arithmetic at ``bits`` bits."""
    from mpmath import iv

    from sparsity_oracle.reference import endpoints

    old = iv.prec
    iv.prec = bits
    try:
        return endpoints(_enclose(expr, values or {}))
    finally:
        iv.prec = old


def _enclose(expr, values: dict):
    from mpmath import iv

    sp = _sympy()
    if expr.is_Symbol:
        value = values[expr]
        return iv.mpf(value.numerator) / value.denominator
    if expr.is_Rational:
        return iv.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Add:
        return sum((_enclose(term, values) for term in expr.args), iv.mpf(0))
    if expr.is_Mul:
        product = iv.mpf(1)
        for factor in expr.args:
            product *= _enclose(factor, values)
        return product
    if expr.is_Pow:
        base, exponent = _enclose(expr.base, values), expr.exp
        if exponent.is_Integer:
            return base ** int(exponent)
        if not base.a > 0:
            raise ValueError(f"cannot enclose {expr}: a non-integer power of a base that may be <= 0")
        return base ** _enclose(exponent, values)
    if expr is sp.E:
        return iv.e
    if isinstance(expr, sp.exp):
        return iv.exp(_enclose(expr.args[0], values))
    if isinstance(expr, sp.log):
        return iv.log(_enclose(expr.args[0], values))
    raise ValueError(f"cannot enclose {expr!r}: not built from rationals, +, *, powers, exp, log")


def _text(value) -> str:
    """6 digits; a value whose binary exponent is beyond a million as a power of 2 (its decimal
    exponent would take long to compute)."""
    import mpmath

    if not value or abs(value.exp + value.bc) < 10**6:
        return mpmath.nstr(value, 6)
    return f"{'-' if value < 0 else ''}2^({mpmath.nstr(mpmath.mpf(value.exp + value.bc), 6)})"


def _fraction_text(f: Fraction) -> str:
    """The fraction itself when short, else 6 digits."""
    if f.numerator.bit_length() + f.denominator.bit_length() <= 180:
        return str(f)
    import mpmath

    with mpmath.workprec(64):
        return _text(_mpf(f))


def _mpf(f: Fraction):
    import mpmath

    return mpmath.mpf(f.numerator) / f.denominator


def _short(expr) -> str:
    """The expression as text (terms in stored order: sorting them would query assumptions),
    cut to 120 characters."""
    text = _sympy().StrPrinter({"order": "none"}).doprint(expr)
    return text if len(text) <= 120 else text[:117] + "..."
