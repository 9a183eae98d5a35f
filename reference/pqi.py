"""PQ Index, the PQI-bound of Theorem 2, and the smallest eta_r (Diao et al., ICLR 2023)."""

from __future__ import annotations

from fractions import Fraction

from mpmath import iv

from . import _inputs
from ._powersum import ratio_power, relative_power_sum
from ._precision import interval, refine


def pq_index(w, p=0.5, q=1.0, *, dps=50, certified=False):
    r"""PQ Index  I_{p,q}(w) = 1 - d^{1/q - 1/p} ||w||_p / ||w||_q,  for 0 < p < q.

    ``d = len(w)`` counts zeros.  I = 0 exactly when all |w_i| are equal (returned as an exact
    0); otherwise 0 < I <= 1 - d^{1/q-1/p}.  Returns an ``mpf`` correct to ``dps`` digits, or with
    ``certified=True`` an ``mpmath.mpi`` enclosure of relative width <= 10**-dps.

    Any exponents work at a cost that does not grow with them (``_powersum``): q = 1e300 or an
    exact ``Fraction(10**1000)`` costs about what q = 2 costs, and as q -> infinity I tends to
    1 - d^{-1/p} ||w||_p / ||w||_oo.  I is computed as 1 minus a ratio, so where I is tiny
    (p close to q, both huge, nearly equal magnitudes) the working precision rises by
    log2(1/I) bits.  ``dps`` is at most ``reference.MAX_DPS``, whose comment gives the cost
    of high precision (about one interval power per entry at 3.32 dps bits).
    """
    m = _inputs.magnitudes(w)
    p, q = _inputs.p_and_q(p, q)
    dps = _inputs.digits(dps)
    _inputs.require_nonzero(m, "pq_index")
    d = len(m)

    def enclosure(bits):
        ip, iq = interval(p), interval(q)
        ratio = relative_power_sum(m, p) ** (1 / ip) / relative_power_sum(m, q) ** (1 / iq)
        return 1 - iv.mpf(d) ** (1 / iq - 1 / ip) * ratio

    return refine(enclosure, dps, certified, exact_zero=m.all_equal())


def pqi_bound(w, p=0.5, q=1.0, eta_r=0, *, dps=50, certified=False):
    r"""Theorem 2's lower bound on the retained count (a real number):

        r = d (1 + eta_r)^{-q/(q-p)} (1 - I_{p,q}(w))^{qp/(q-p)}.

    Evaluated through the algebraically identical, cancellation-free form

        r = (1 + eta_r)^{-q/(q-p)} S_p^{q/(q-p)} / S_q^{p/(q-p)},   S_t = sum_i |w_i|^t,

    (d cancels: (1/q - 1/p) * qp/(q-p) = -1).  Returns an ``mpf`` to ``dps`` digits or, with
    ``certified=True``, an ``mpmath.mpi`` enclosure.  Exponents of any size and ``dps`` as for
    ``pq_index``; as q -> infinity, r tends to (1 + eta_r)^{-1} sum_i (|w_i| / max_j |w_j|)^p.
    """
    m = _inputs.magnitudes(w)
    p, q = _inputs.p_and_q(p, q)
    eta_r = _inputs.non_negative(eta_r, "eta_r")
    dps = _inputs.digits(dps)
    _inputs.require_nonzero(m, "pqi_bound")
    return refine(_bound_enclosure(m, p, q, eta_r), dps, certified)


def _bound_enclosure(m, p: Fraction, q: Fraction, eta_r: Fraction):
    """``bits -> enclosure`` of the PQI-bound r (for callers that decide floors from it)."""

    def enclosure(bits):
        gap = interval(q - p)
        ip, iq = interval(p), interval(q)
        slack = interval(1 + eta_r) ** (-iq / gap)
        return slack * relative_power_sum(m, p) ** (iq / gap) / relative_power_sum(m, q) ** (ip / gap)

    return enclosure


def eta(w, r, p, *, dps=50, certified=False):
    r"""The smallest eta_r for a retained count r (1 <= r <= d):

        eta_r = sum_{i not in M_r} |w_i|^p / sum_{i in M_r} |w_i|^p,

    M_r = the r largest magnitudes (ties do not change the sums).  Exactly 0 when the d - r
    smallest magnitudes are all zero.
    """
    m = _inputs.magnitudes(w)
    p = _inputs.positive(p, "p")
    dps = _inputs.digits(dps)
    d = len(m)
    if isinstance(r, bool) or not isinstance(r, (int,)) and not hasattr(r, "__index__"):
        raise TypeError(f"r must be an integer, got {r!r}")
    r = int(r)
    if not 1 <= r <= d:
        raise ValueError(f"r must satisfy 1 <= r <= d = {d}, got r={r}")
    _inputs.require_nonzero(m, "eta")
    ordered = sorted(m.exact(), reverse=True)
    kept = _inputs.Magnitudes(None, tuple(ordered[:r]))
    removed = _inputs.Magnitudes(None, tuple(ordered[r:]))

    def enclosure(bits):  # S_p = top^p T_p, so eta_r = (top_removed / top_kept)^p T_removed / T_kept
        scale = ratio_power(removed.top() / kept.top(), interval(p))
        return scale * relative_power_sum(removed, p) / relative_power_sum(kept, p)

    return refine(enclosure, dps, certified, exact_zero=removed.all_zero())
