"""How reference results reach their precision, and how exact decisions are made.

Every scalar result is first computed as a rigorous enclosure ``[lo, hi]`` (mpmath interval
arithmetic, or exact integer arithmetic rounded outward) at some working precision; the working
precision is raised until the enclosure is narrow enough:

* ``certified=True`` returns the enclosure itself (an ``mpmath.mpi``), relative width
  ``(hi - lo) / min(|lo|, |hi|) <= 10**-dps``;
* otherwise its midpoint, whose relative error is then below ``10**-dps / 2``.

Exact decisions (a floor, ``k >= F(k)``) come from ``sign``: raise the precision until the
enclosure of a quantity excludes 0.  A quantity that is exactly zero never excludes 0; callers
recognise the exact cases they know first, and ``sign`` reports 0 when the enclosure still
contains 0 at ``EQUALITY_BITS`` of working precision (documented as "equal to 2400 digits").

``dps`` may not exceed ``MAX_DPS`` (``_inputs.digits`` raises ValueError): the cost of a
result grows with dps, by the measured figures next to the constant.
"""

from __future__ import annotations

from contextlib import contextmanager
from fractions import Fraction
from typing import Callable

import mpmath
from mpmath import iv

#: Guard bits added to the precision a result needs.
GUARD_BITS = 24
#: The most significant digits a reference function accepts (``dps``; ValueError beyond).
#: Beyond ~100 digits a result costs about one interval power per entry at 3.32 dps bits, and
#: that power grows like dps^1.7: a PQI (two power sums) took ~1.3 ms per entry at dps 1000,
#: ~8 ms at 3000 and ~71 ms at 10 000 on a busy 2-core machine (docs/benchmarks.md), so
#: 10 000 digits of a 10^4-entry PQI take about 12 minutes.
MAX_DPS = 10_000
#: Working precision at which an enclosure that still contains 0 is declared exactly 0.
EQUALITY_BITS = 8192

Enclosure = Callable[[int], "iv.mpf"]


def bits_for_digits(dps: int) -> int:
    """Binary digits that carry ``dps`` decimal digits."""
    return int(dps * 3.321928094887362) + 1


@contextmanager
def precision(bits: int):
    """Set mpmath's real and interval working precision to ``bits``; restore both after."""
    old_mp, old_iv = mpmath.mp.prec, iv.prec
    mpmath.mp.prec, iv.prec = bits, bits
    try:
        yield
    finally:
        mpmath.mp.prec, iv.prec = old_mp, old_iv


def interval(x) -> "iv.mpf":
    """Tight interval around an exact real (Fraction, int, float, mpf) at iv's precision."""
    if isinstance(x, Fraction):
        return iv.mpf(x.numerator) / x.denominator
    return iv.mpf(x)


def endpoints(x: "iv.mpf") -> tuple[mpmath.mpf, mpmath.mpf]:
    """The endpoints of an interval (a ``certified=True`` result) as exact mpf values."""
    lo, hi = x._mpi_
    return mpmath.mp.make_mpf(lo), mpmath.mp.make_mpf(hi)


def relative_width(x: "iv.mpf") -> mpmath.mpf:
    """``(hi - lo) / min(|lo|, |hi|)``; +inf when the interval contains 0 and is not {0}."""
    lo, hi = endpoints(x)
    if lo == hi:
        return mpmath.mpf(0)
    if lo <= 0 <= hi:
        return mpmath.inf
    return (hi - lo) / min(abs(lo), abs(hi))


def refine(compute: Enclosure, dps: int, certified: bool, *, exact_zero: bool = False):
    """Evaluate ``compute(prec)`` at rising precision until it meets ``dps`` digits.

    ``compute(prec)`` must return an ``iv.mpf`` containing the exact value, computed with
    ``prec`` bits of working precision.  ``exact_zero`` states that the value is exactly 0
    (known structurally); the enclosure of zero is then ``[0, 0]``.
    """
    if exact_zero:
        return mpmath.mpi(0) if certified else mpmath.mpf(0)
    target = mpmath.mpf(10) ** (-dps)
    bits = bits_for_digits(dps) + GUARD_BITS
    while True:
        with precision(bits):
            enclosure = compute(bits)
            if relative_width(enclosure) <= target:
                if certified:
                    return enclosure
                lo, hi = endpoints(enclosure)
                return (lo + hi) / 2
        if bits > 64 * (bits_for_digits(dps) + GUARD_BITS) + EQUALITY_BITS:
            raise ArithmeticError(
                f"could not reach {dps} digits: the enclosure stayed wide at {bits} bits"
            )
        bits *= 2


def rational(value: Fraction, dps: int, certified: bool = False):
    """An exact rational to ``dps`` digits (``mpf``), or its enclosure (``certified``); 0 stays 0."""
    return refine(lambda bits: interval(value), dps, certified, exact_zero=value == 0)


def sign(compute: Enclosure, *, start_bits: int = 64) -> int:
    """Sign (-1, 0, +1) of the exact real enclosed by ``compute(prec)``.

    Precision doubles from ``start_bits`` to ``EQUALITY_BITS``; 0 means the enclosure still
    contained 0 there.
    """
    bits = start_bits
    while True:
        with precision(bits):
            lo, hi = endpoints(compute(bits))
        if lo > 0:
            return 1
        if hi < 0:
            return -1
        if bits >= EQUALITY_BITS:
            return 0
        bits *= 2
