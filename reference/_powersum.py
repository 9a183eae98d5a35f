"""Rigorous enclosures of power sums  S_p(w) = sum_i |w_i|^p  (the core of PQI and the PQI-bound).

``power_sum(m, p)`` returns an ``iv.mpf`` containing the exact S_p at mpmath's current interval
precision (set by ``_precision.precision``).
"""

from __future__ import annotations

from fractions import Fraction

from mpmath import iv

from ._inputs import Magnitudes
from ._precision import interval


def power_sum(m: Magnitudes, p: Fraction) -> "iv.mpf":
    """Enclosure of sum_i |w_i|^p (p > 0; 0^p = 0)."""
    exponent = interval(p)
    total = iv.mpf(0)
    for v in m.exact():
        if v:
            total += interval(v) ** exponent
    return total
