r"""Rigorous enclosures of power sums: the core of PQI, the PQI-bound, pq_mean, neg_lp and eta.

``relative_power_sum(m, p)`` encloses the scale-free sum (p > 0, 0^p = 0)

    T_p = sum_i (|w_i| / top)^p,   top = max_i |w_i| > 0,   so 1 <= T_p <= n for every p,

as an ``iv.mpf`` containing the exact value at mpmath's current interval precision (set by
``_precision.precision``).  Everything the reference takes from power sums needs only T:
||w||_p = top T_p^(1/p), and top cancels in PQI, the PQI-bound and pq_mean.  In T every term
lies in [0, 1] whatever p (S_p = sum |w_i|^p may be 2^(+-10^300)), which bounds the work
independently of p:

* p <= ``TABLE_MAX_EXPONENT``: T = S_p / top^p with S_p from ``power_sum`` below (its powers
  2^(E p), a^p and top^p lose about log2(p |E|) <= 17 bits to rounding, within the guard bits).
* larger p, in two steps:

  1. Negligible entries.  With B = prec + 8 + log2(n) and a rational r <= 2^(-B/p), an entry
     x <= top r contributes (x/top)^p <= 2^-B, so together they lie in [0, n_dropped 2^-B],
     below T 2^-(prec+8): they are bounded, not evaluated.  r = max(1 - B/p, 2^-ceil(B/p))
     (1 - z <= 2^-z for z >= 0).  Only the entries within relative distance B/p of top stay:
     at p = 1e300 the entries equal to top, and T_p = their count + [0, 2^-(prec+8)].
  2. The kept entries, in the groups of the table kernel below (shared exponent and top t bits,
     t >= log2(p) + 2, so p u < 1/2 and the series length does not grow with p), each group's
     (g/top)^p as exp(p ln(g/top)) from the exact ratio (``ratio_power``, relative error
     ~2^-prec whatever p) times its exact series.  The kept band is at most B/p wide relative
     to top, a group at least 2^-t of it, so with 2^t < 8p there are at most 3 (B/p) 2^t + 2
     < 24 B + 2 groups, however large p and n are (beyond 2^t = 2^table_bits(n), i.e. for
     p >= 1024).  At precisions where the series would be longer than ``DYADIC_MAX_TERMS``,
     each distinct kept value is its own group.

``power_sum(m, p)`` encloses S_p itself, two ways, checked against each other by the tests:

* ``direct_power_sum``: one interval power per entry.  Obviously right; used for inputs that are
  not all float64 (Fractions, huge ints, long mpf), for short vectors and at precisions where
  the series below grows long (``DYADIC_MIN_ENTRIES``, ``DYADIC_MAX_TERMS``), and as the test
  oracle.
* the dyadic table kernel, for float64 magnitudes.  Write each non-zero magnitude exactly as
  ``x = (a 2^s + b) 2^E`` with ``a`` its top ``t`` bits (``_layout``), so ``u = b / (a 2^s) < 2^(1-t)``
  and

      x^p = 2^(E p) (a 2^s)^p (1 + u)^p,
      (1 + u)^p = sum_{k<K} C(p, k) u^k + R_K,   |R_K| <= |C(p, K)| u^K (1 + u)^p.

  (Lagrange: R_K = C(p, K) u^K (1 + xi)^(p-K) with 0 < xi < u, and (1 + xi)^(p-K) <= (1 + u)^p
  whether p - K is negative or not: the truncation error is *relative*, for every K.)
  Entries sharing (E, a) share everything but the moments ``B_k = sum b^k``, which are exact
  integers (int64 limbs, numpy).  With p = P/Q and D = (K-1)! Q^(K-1) 2^(s(K-1)),

      sum_{group} x^p = 2^(E p) 2^(s p) a^(p-K+1) / D * sum_k H_k a^(K-1-k) B_k,
      H_k = [prod_{j<k} (P - j Q)] ((K-1)!/k!) Q^(K-1-k) 2^(s(K-1-k))      (integers),

  so each group costs one exact Horner sum and two integer products with outward-rounded
  table entries; interval arithmetic is needed once per exponent only.  K is the smallest
  count with |C(p, K)| 2^((1-t) K) <= eps = 2^-(prec + 8), and the truncated sum T and the exact
  S then satisfy S in T / [1 + eps, 1 - eps].  An integer p < K makes the series finite (eps = 0).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from itertools import count
from math import factorial, frexp, inf, nextafter

import numpy as np
from mpmath import iv

from . import _dyadic
from ._inputs import Magnitudes
from ._precision import endpoints, interval, precision


def table_bits(n: int) -> int:
    """Mantissa bits that index the shared table for n entries: about sqrt(n) table entries,
    between 2^3 and 2^11, balancing one interval power per entry against longer series."""
    return min(12, max(4, n.bit_length() // 2))


#: The dyadic kernel is used for at least this many entries and at most this many series terms;
#: beyond, its moments (K^2 limb passes) cost more than one interval power per entry
#: (measured: 20 000 entries at 1024 bits, 168 terms: 4.3 s against 2.4 s).
DYADIC_MIN_ENTRIES = 64
DYADIC_MAX_TERMS = 96
#: ``relative_power_sum`` divides S_p by top^p up to this exponent and evaluates the kept
#: entries group by group beyond it (module doc).
TABLE_MAX_EXPONENT = 64
#: Bits below the working precision at which truncated series and dropped entries stop.
_TRUNCATION_BITS = 8


def power_sum(m: Magnitudes, p: Fraction) -> "iv.mpf":
    """Enclosure of S_p = sum_i |w_i|^p (p > 0; 0^p = 0)."""
    if m.array is not None and len(m) >= DYADIC_MIN_ENTRIES and _layout(m.dyadic, p)[2] <= DYADIC_MAX_TERMS:
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


def relative_power_sum(m: Magnitudes, p: Fraction) -> "iv.mpf":
    """Enclosure of T_p = sum_i (|w_i| / top)^p, top = max_i |w_i| > 0 (p > 0; 1 <= T_p <= n).

    The work does not grow with p (module doc): the entries below top 2^(-B/p) are bounded,
    not evaluated, and the others are evaluated per group of shared leading bits.
    """
    top = m.top()
    if p <= TABLE_MAX_EXPONENT:
        return power_sum(m, p) / interval(top) ** interval(p)
    cut, tail = _negligible(top, p, len(m))
    if m.array is not None:
        kept = _dyadic_above(m.dyadic, cut)
        return _grouped_relative_sum(kept, top, p) + tail(len(m) - len(kept.mantissa))
    kept = Counter(v for v in m.fractions if v > cut)
    ip = interval(p)
    total = sum((n * ratio_power(v / top, ip) for v, n in kept.items()), iv.mpf(0))
    return total + tail(len(m) - sum(kept.values()))


def ratio_power(y: Fraction, ip: "iv.mpf") -> "iv.mpf":
    """Enclosure of y^p = exp(p ln y) for an exact 0 < y <= 1 and an enclosure ``ip`` of p.

    ln y is evaluated at the working precision plus the bits that cancel in ln y ~ y - 1
    (log2 of 1 / (1 - y)), so it keeps its relative accuracy and y^p its relative accuracy
    ~|p ln y| 2^-prec, however large p.  The endpoints of ``interval(y)`` carry no more bits
    than the logarithm works with: mpmath's ``mpf_log`` of 1 + t with |t| below 2^-(prec+20)
    returns t nudged in a fixed direction (too high for t > 0), and of 2^k (1 + t) for k = -2
    even t itself, so arguments with more bits than the precision must not reach it.
    """
    if y == 1:
        return iv.mpf(1)
    gap = 1 - y
    cancelled = max(0, gap.denominator.bit_length() - gap.numerator.bit_length() + 1)
    with precision(iv.prec + cancelled):
        log_y = iv.log(interval(y))
    return iv.exp(ip * log_y)


def _negligible(top: Fraction, p: Fraction, n: int):
    """(cut, tail): entries x <= cut contribute at most 2^-B each to T_p (module doc), and
    ``tail(k)`` encloses the total of k such entries, [0, k 2^-B]."""
    bits = iv.prec + _TRUNCATION_BITS + n.bit_length()
    reach = Fraction(bits) / p
    halvings = -(-reach.numerator // reach.denominator)  # ceil(B/p)
    ratio = max(1 - reach, Fraction(1, 2**halvings))
    return top * ratio, lambda k: interval(Fraction(k, 2**bits)) * iv.mpf([0, 1])


def _dyadic_above(x: _dyadic.Dyadic, cut: Fraction) -> _dyadic.Dyadic:
    """The entries of a sorted decomposition that exceed the exact threshold ``cut``."""
    values = np.ldexp(x.mantissa.astype(np.float64), x.exponent)  # exact: the original doubles
    below = float(cut)
    if Fraction(below) > cut:
        below = nextafter(below, -inf)
    first = int(np.searchsorted(values, below, side="right"))
    return _dyadic.Dyadic(x.mantissa[first:], x.exponent[first:], x.width)


def _log2_ceil(p: Fraction) -> int:
    """The smallest integer j with p <= 2^j."""
    j = p.numerator.bit_length() - p.denominator.bit_length()  # 2^(j-1) < p < 2^(j+1)
    return j if p <= Fraction(2) ** j else j + 1


def _terms(p: Fraction, u_bits: int, prec: int) -> tuple[int, Fraction]:
    """(K, eps): series length and relative truncation bound for u < 2^-u_bits.

    |C(p, k)| <= c 2^e, with c < 1 a float built factor by factor, every product rounded up
    (``nextafter``) and renormalised by ``frexp`` (exact), so eps = c 2^(e - u_bits K) bounds
    |C(p, K)| u^K rigorously at a cost independent of p's denominator and of ``prec``.  An
    integer p has C(p, k) = 0 for k > p: the series ends there (eps = 0).
    """
    c, e = 1.0, 0
    for k in count():
        if p.denominator == 1 and k > p:
            return k, Fraction(0)
        if e <= u_bits * k - prec - _TRUNCATION_BITS:
            return k, Fraction(c) * Fraction(2) ** (e - u_bits * k)
        c, shift = frexp(_up(c * _up(float(abs(p - k) / (k + 1)))))
        e += shift


def _up(x: float) -> float:
    """The next float above x: an upper bound of the real that x rounds (to nearest)."""
    return nextafter(x, inf)


def _layout(x: _dyadic.Dyadic, p: Fraction) -> tuple[int, int, int, Fraction]:
    """(table bits t, remainder bits s, series length K, truncation bound eps) at iv.prec.

    t >= log2(p) + 2 keeps p u < 1/2, so K does not grow with p; t = the mantissa width (s = 0)
    leaves no remainder (K = 1)."""
    bits_a = min(x.width, max(table_bits(len(x.mantissa)), _log2_ceil(p) + 2))
    shift = x.width - bits_a
    if not shift:
        return bits_a, 0, 1, Fraction(0)
    return (bits_a, shift, *_terms(p, bits_a - 1, iv.prec))


def _group_series(x: _dyadic.Dyadic, p: Fraction, layout):
    """Per group of entries sharing (E, a): its a, E and the exact Horner sum
    sum_k H_k a^(K-1-k) B_k of the module doc (lists in group order)."""
    bits_a, shift, terms, _ = layout
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

    group_a = table_index[starts].tolist()
    sums = []
    for g, a in enumerate(group_a):
        acc = 0
        for k in range(terms):
            acc = acc * a + weights[k] * moments[k][g]
        sums.append(acc)
    return group_a, x.exponent[starts].tolist(), sums


def _series_denominator(p: Fraction, layout) -> int:
    """D = (K-1)! Q^(K-1) 2^(s(K-1)) of the module doc."""
    _, shift, terms, _ = layout
    last = terms - 1
    return factorial(last) * p.denominator**last << (shift * last)


def _untruncated(truncated: "iv.mpf", eps: Fraction) -> "iv.mpf":
    """The exact sum from a sum of terms each within relative eps of its exact value."""
    if eps == 0:
        return truncated
    return truncated / (1 + interval(eps) * iv.mpf([-1, 1]))


def dyadic_power_sum(x: _dyadic.Dyadic, p: Fraction) -> "iv.mpf":
    """Enclosure of sum x^p over the entries of a decomposed magnitude array (module doc)."""
    if x.mantissa.size == 0:
        return iv.mpf(0)
    layout = _layout(x, p)
    shift, terms = layout[1], layout[2]
    group_a, group_e, sums = _group_series(x, p, layout)

    ip = interval(p)
    table_lo, table_hi, scale = _outward_integers({a: iv.mpf(a) ** (ip - (terms - 1)) for a in set(group_a)})
    per_exponent: dict[int, list[int]] = {}
    for a, e, acc in zip(group_a, group_e, sums):
        bounds = per_exponent.setdefault(e, [0, 0])
        bounds[0] += table_lo[a] * acc
        bounds[1] += table_hi[a] * acc

    two = iv.mpf(2)
    truncated = sum(
        (two ** (e * ip + scale) * iv.mpf(bounds) for e, bounds in per_exponent.items()), iv.mpf(0)
    ) * two ** (shift * ip) / _series_denominator(p, layout)
    return _untruncated(truncated, layout[3])


def _grouped_relative_sum(x: _dyadic.Dyadic, top: Fraction, p: Fraction) -> "iv.mpf":
    """Enclosure of sum (x/top)^p over the (kept) entries of a decomposition: per group of the
    table kernel, (g/top)^p by ``ratio_power`` times the group's series, g = a 2^(s+E)."""
    if x.mantissa.size == 0:
        return iv.mpf(0)
    layout = _layout(x, p)
    if layout[2] > DYADIC_MAX_TERMS:  # a high precision: one group per distinct value instead
        layout = (x.width, 0, 1, Fraction(0))
    shift, last = layout[1], layout[2] - 1
    group_a, group_e, sums = _group_series(x, p, layout)
    ip = interval(p)
    total = iv.mpf(0)
    for a, e, acc in zip(group_a, group_e, sums):
        base = Fraction(a) * Fraction(2) ** (e + shift)
        total += ratio_power(base / top, ip) * interval(Fraction(acc, a**last))
    return _untruncated(total / _series_denominator(p, layout), layout[3])


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
