r"""Rigorous enclosures of power sums  S_p(w) = sum_i |w_i|^p  (the core of PQI and the PQI-bound).

``power_sum(m, p)`` returns an ``iv.mpf`` containing the exact S_p at mpmath's current interval
precision (set by ``_precision.precision``).  Two evaluations, the second checked against the
first by the tests:

* ``direct_power_sum``: one interval power per entry.  Obviously right; used for inputs that are
  not all float64 (Fractions, huge ints, long mpf), for short vectors and at precisions where
  the series below grows long (``DYADIC_MIN_ENTRIES``, ``DYADIC_MAX_TERMS``), and as the test
  oracle.
* the dyadic kernel, for float64 magnitudes.  Write each non-zero magnitude exactly as
  ``x = (a 2^s + b) 2^E`` with ``a`` its top ``t = table_bits(n)`` bits, so ``u = b / (a 2^s) < 2^(1-t)``
  and

      x^p = 2^(E p) (a 2^s)^p (1 + u)^p,
      (1 + u)^p = sum_{k<K} C(p, k) u^k + R_K,   |R_K| <= |C(p, K)| u^K   (K >= p, Lagrange).

  Entries sharing (E, a) share everything but the moments ``B_k = sum b^k``, which are exact
  integers (int64 limbs, numpy).  With p = P/Q and D = (K-1)! Q^(K-1) 2^(s(K-1)),

      sum_{group} x^p = 2^(E p) 2^(s p) a^(p-K+1) / D * sum_k H_k a^(K-1-k) B_k,
      H_k = [prod_{j<k} (P - j Q)] ((K-1)!/k!) Q^(K-1-k) 2^(s(K-1-k))      (integers),

  so each group costs one exact Horner sum and two integer products with outward-rounded
  table entries; interval arithmetic is needed once per exponent only.  K is the smallest
  count with |C(p, K)| 2^((1-t) K) <= 2^-(prec + 8); the truncated sum T and the exact
  S then satisfy S in T / [1 + eps, 1 - eps].  Integer p makes the series finite (eps = 0).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import count
from math import factorial, frexp, inf, nextafter

import numpy as np
from mpmath import iv

from . import _dyadic
from ._inputs import Magnitudes
from ._precision import endpoints, interval



def table_bits(n: int) -> int:
    """Mantissa bits that index the shared table for n entries: about sqrt(n) table entries,
    between 2^3 and 2^11, balancing one interval power per entry against longer series."""
    return min(12, max(4, n.bit_length() // 2))


#: The dyadic kernel is used for at least this many entries and at most this many series terms;
#: beyond, its moments (K^2 limb passes) cost more than one interval power per entry
#: (measured: 20 000 entries at 1024 bits, 168 terms: 4.3 s against 2.4 s).
DYADIC_MIN_ENTRIES = 64
DYADIC_MAX_TERMS = 96


def power_sum(m: Magnitudes, p: Fraction) -> "iv.mpf":
    """Enclosure of sum_i |w_i|^p (p > 0; 0^p = 0)."""
    if m.array is not None and len(m) >= DYADIC_MIN_ENTRIES and _layout(m.dyadic, p)[3] <= DYADIC_MAX_TERMS:
        return dyadic_power_sum(m.dyadic, p)
    return direct_power_sum(m, p)


def direct_power_sum(m: Magnitudes, p: Fraction) -> "iv.mpf":
    """Enclosure of sum_i |w_i|^p by one interval power per non-zero entry."""
    exponent = interval(p)
    total = iv.mpf(0)
    for v in m.exact():
        if v:
            total += interval(v) ** exponent
    return total


def _terms(p: Fraction, u_bits: int, prec: int) -> tuple[int, Fraction]:
    """(K, eps): series length and relative truncation bound for u < 2^-u_bits.

    |C(p, k)| <= c 2^e, with c < 1 a float built factor by factor, every product rounded up
    (``nextafter``) and renormalised by ``frexp`` (exact), so eps = c 2^(e - u_bits K) bounds
    |C(p, K)| u^K rigorously at a cost independent of p's denominator and of ``prec``.
    """
    if p.denominator == 1:
        return int(p) + 1, Fraction(0)
    c, e = 1.0, 0
    for k in count():
        if k > p and e <= u_bits * k - prec - 8:
            return k, Fraction(c) * Fraction(2) ** (e - u_bits * k)
        c, shift = frexp(_up(c * _up(float(abs(p - k) / (k + 1)))))
        e += shift


def _up(x: float) -> float:
    """The next float above x: an upper bound of the real that x rounds (to nearest)."""
    return nextafter(x, inf)


def _layout(x: _dyadic.Dyadic, p: Fraction) -> tuple[int, int, int, Fraction]:
    """(table bits t, remainder bits s, series length K, truncation bound eps) at iv.prec."""
    bits_a = table_bits(len(x.mantissa))
    shift = max(x.width - bits_a, 0)
    if not shift:
        return bits_a, 0, 1, Fraction(0)
    return (bits_a, shift, *_terms(p, x.width - shift - 1, iv.prec))


def dyadic_power_sum(x: _dyadic.Dyadic, p: Fraction) -> "iv.mpf":
    """Enclosure of sum x^p over the entries of a decomposed magnitude array (see module doc)."""
    if x.mantissa.size == 0:
        return iv.mpf(0)
    bits_a, shift, terms, eps = _layout(x, p)
    table_index = x.mantissa >> shift
    remainder = x.mantissa & ((1 << shift) - 1)

    keys = (x.exponent << (bits_a + 1)) | table_index
    starts = _dyadic.group_starts(keys)
    counts = np.diff(starts, append=len(keys))
    moments = [counts.tolist()]
    if terms > 1:
        bits = _dyadic.limb_bits(shift, int(counts.max()))
        power = _dyadic.to_limbs(remainder, shift, bits)
        for k in range(1, terms):
            moments.append(_dyadic.group_sums(power, starts, bits))
            if k + 1 < terms:
                power = _dyadic.times_small(power, remainder, bits)

    numerator, denominator = p.numerator, p.denominator
    last = terms - 1
    weights = []
    falling = 1
    for k in range(terms):
        weights.append(
            falling * (factorial(last) // factorial(k)) * denominator ** (last - k) << (shift * (last - k))
        )
        falling *= numerator - k * denominator

    ip = interval(p)
    group_a = table_index[starts].tolist()
    group_e = x.exponent[starts].tolist()
    table_lo, table_hi, scale = _outward_integers({a: iv.mpf(a) ** (ip - last) for a in set(group_a)})
    per_exponent: dict[int, list[int]] = {}
    for g, (a, e) in enumerate(zip(group_a, group_e)):
        acc = 0
        for k in range(terms):
            acc = acc * a + weights[k] * moments[k][g]
        bounds = per_exponent.setdefault(e, [0, 0])
        bounds[0] += table_lo[a] * acc
        bounds[1] += table_hi[a] * acc

    two = iv.mpf(2)
    truncated = sum(
        (two ** (e * ip + scale) * iv.mpf(bounds) for e, bounds in per_exponent.items()), iv.mpf(0)
    ) * two ** (shift * ip) / (factorial(last) * iv.mpf(denominator) ** last * two ** (shift * last))
    if eps == 0:
        return truncated
    ieps = interval(eps)
    return truncated / (1 + ieps * iv.mpf([-1, 1]))


def _outward_integers(table: dict) -> tuple[dict, dict, int]:
    """Integers lo[a], hi[a] and a shift with lo[a] 2^shift <= table[a] <= hi[a] 2^shift.

    The interval endpoints are dyadic (mantissa * 2^exponent); bringing them to the smallest
    exponent makes them exact integers, so the groups' sums become exact integer dot products.
    """
    ends = {a: endpoints(x) for a, x in table.items()}
    shift = min(min(lo.exp, hi.exp) for lo, hi in ends.values())
    lo = {a: int(v[0].man) << (v[0].exp - shift) for a, v in ends.items()}
    hi = {a: int(v[1].man) << (v[1].exp - shift) for a, v in ends.items()}
    return lo, hi, shift
