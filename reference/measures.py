r"""The other sparsity measures of Hurley & Rickard (2009), as in contract §2.

Every measure is oriented so that *larger = sparser*, is a function of ``c = |w|`` (read
exactly, contract §1) plus keyword parameters, and takes ``dps`` (default 50): real results are
``mpmath.mpf`` values with relative error below ``10**-dps``, obtained from rigorous interval
enclosures through ``_precision.refine``.  The counts ``l0`` and ``l0_eps`` are exact Python
``int`` (``dps`` is validated and otherwise unused there).  These functions have no
``certified`` option.

Conventions for degenerate inputs (N = len(w), zeros counted):

* all-zero vector: ``ValueError`` where the value is 0/0 (``l2_over_l1``, ``kurtosis4``,
  ``shannon_entropy``, ``hoyer``, ``pq_mean``, ``l1_over_lq``, like ``gini`` and ``pq_index``); the plain sums
  ``neg_l1``, ``neg_lp``, ``neg_tanh``, ``neg_log``, ``neg_lp_minus`` (empty sum) and
  ``shannon_entropy_raw`` give 0; ``gaussian_entropy`` gives +inf; ``u_theta`` gives 0 (constant).
* ``hoyer`` needs N >= 2 (sqrt(N) - 1 = 0 for N = 1): ``ValueError``.
* ``gaussian_entropy`` is +inf (``mpmath.inf``) as soon as one c_j = 0.
* A value that is exactly 0 is returned as an exact 0.  This is decided exactly everywhere
  except ``shannon_entropy_raw``, whose zero test (prod c_j^(2 c_j) = 1) is declared true
  when the enclosure still contains 0 at ``_precision.EQUALITY_BITS`` bits (about 2466 digits),
  the convention of ``_precision.sign``.

``MEASURES`` maps each name to its function, ``gini`` and ``pq_index`` included.
"""

from __future__ import annotations

import math

import mpmath
from mpmath import iv

from . import _inputs
from ._powersum import relative_power_sum
from ._precision import interval, rational, refine, sign
from .gini import gini
from .pqi import pq_index


def _read(w, dps) -> tuple[_inputs.Magnitudes, int]:
    return _inputs.magnitudes(w), _inputs.digits(dps)


def l0(w, *, dps=50) -> int:
    r"""l0(c) = #{j : c_j = 0}, the number of zero entries (an exact int)."""
    m, _ = _read(w, dps)
    return sum(1 for v in m.exact() if v == 0)


def l0_eps(w, *, eps=0.5, dps=50) -> int:
    r"""l0_eps(c) = #{j : c_j <= eps}, eps > 0 (an exact int; eps is read exactly)."""
    m, _ = _read(w, dps)
    eps = _inputs.positive(eps, "eps")
    return sum(1 for v in m.exact() if v <= eps)


def neg_l1(w, *, dps=50):
    r"""-l1(c) = -sum_j c_j  (0 for the all-zero vector)."""
    m, dps = _read(w, dps)
    return rational(-sum(m.exact()), dps)


def neg_lp(w, *, p=0.5, dps=50):
    r"""-lp(c) = -(sum_j c_j^p)^(1/p),  p > 0  (0 for the all-zero vector)."""
    m, dps = _read(w, dps)
    p = _inputs.positive(p, "p")
    return refine(
        lambda bits: -interval(m.top()) * relative_power_sum(m, p) ** (1 / interval(p)),
        dps,
        False,
        exact_zero=m.all_zero(),
    )


def l2_over_l1(w, *, dps=50):
    r"""l2/l1(c) = ||c||_2 / ||c||_1 = sqrt(sum_j c_j^2) / sum_j c_j  (all-zero: ValueError)."""
    m, dps = _read(w, dps)
    _inputs.require_nonzero(m, "l2_over_l1")
    c = m.exact()
    s1, s2 = sum(c), sum(v * v for v in c)
    return refine(lambda bits: iv.sqrt(interval(s2)) / interval(s1), dps, False)


def neg_tanh(w, *, a=1, b=1, dps=50):
    r"""-tanh_{a,b}(c) = -sum_j tanh((a c_j)^b),  a > 0, b > 0  (0 for the all-zero vector).

    Each term is enclosed as tanh(x) = 1 / (1 + 2 / expm1(2x)), monotone in the single x.
    """
    m, dps = _read(w, dps)
    a = _inputs.positive(a, "a")
    b = _inputs.positive(b, "b")
    scaled = [a * v for v in m.exact() if v]

    def enclosure(bits):
        ib = interval(b)
        return -sum((1 / (1 + 2 / iv.expm1(2 * interval(x) ** ib)) for x in scaled), iv.mpf(0))

    return refine(enclosure, dps, False, exact_zero=not scaled)


def neg_log(w, *, dps=50):
    r"""-log(c) = -sum_j log(1 + c_j^2)  (0 for the all-zero vector)."""
    m, dps = _read(w, dps)
    squares = [v * v for v in m.exact() if v]
    return refine(
        lambda bits: -sum((iv.log1p(interval(s)) for s in squares), iv.mpf(0)),
        dps,
        False,
        exact_zero=not squares,
    )


def kurtosis4(w, *, dps=50):
    r"""kappa_4(c) = sum_j c_j^4 / (sum_j c_j^2)^2  (a rational, computed exactly; all-zero: ValueError)."""
    m, dps = _read(w, dps)
    _inputs.require_nonzero(m, "kurtosis4")
    c = m.exact()
    s2 = sum(v**2 for v in c)
    return rational(sum(v**4 for v in c) / (s2 * s2), dps)


def u_theta(w, *, theta=0.5, dps=50):
    r"""u_theta(c) = 1 - min{c_(j) - c_(i) : j - i + 1 >= ceil(theta N)} / (c_(N) - c_(1)),

    c sorted ascending, 0 < theta <= 1; 0 for a constant vector (all-zero included).  A rational,
    computed exactly (for sorted c the minimum is over windows of exactly ceil(theta N) entries).
    """
    m, dps = _read(w, dps)
    theta = _inputs.in_unit_interval(theta, "theta", open_low=True)
    c = sorted(m.exact())
    spread = c[-1] - c[0]
    if spread == 0:
        return mpmath.mpf(0)
    window = math.ceil(theta * len(c))
    narrowest = min(c[i + window - 1] - c[i] for i in range(len(c) - window + 1))
    return rational(1 - narrowest / spread, dps)


def neg_lp_minus(w, *, p=-1, dps=50):
    r"""lp-(c) = sum_{j : c_j != 0} c_j^p,  p < 0  (0 for the all-zero vector: an empty sum)."""
    m, dps = _read(w, dps)
    exponent = _inputs.exact_real(p, "p")
    if exponent >= 0:
        raise ValueError(f"p must be < 0, got p={p!r}")
    nonzero = [v for v in m.exact() if v]

    def enclosure(bits):
        ip = interval(exponent)
        return sum((interval(v) ** ip for v in nonzero), iv.mpf(0))

    return refine(enclosure, dps, False, exact_zero=not nonzero)


def gaussian_entropy(w, *, dps=50):
    r"""H_G(c) = -sum_j log c_j^2;  +inf (``mpmath.inf``) if some c_j = 0.

    Exactly 0 when prod_j c_j = 1 (tested exactly on the rationals).
    """
    m, dps = _read(w, dps)
    c = m.exact()
    if any(v == 0 for v in c):
        return mpmath.inf
    is_one = math.prod(v.numerator for v in c) == math.prod(v.denominator for v in c)
    return refine(
        lambda bits: -2 * sum((iv.log(interval(v)) for v in c), iv.mpf(0)), dps, False, exact_zero=is_one
    )


def shannon_entropy(w, *, dps=50):
    r"""H_S(c) = sum_j c~_j log c~_j^2,  c~ = c^2 / ||c||_2^2,  0 log 0 = 0  (all-zero: ValueError).

    Always <= 0; exactly 0 when c has a single non-zero entry.
    """
    m, dps = _read(w, dps)
    _inputs.require_nonzero(m, "shannon_entropy")
    c = m.exact()
    s2 = sum(v * v for v in c)
    shares = [v * v / s2 for v in c if v]

    def enclosure(bits):
        return 2 * sum((interval(t) * iv.log(interval(t)) for t in shares), iv.mpf(0))

    return refine(enclosure, dps, False, exact_zero=len(shares) == 1)


def shannon_entropy_raw(w, *, dps=50):
    r"""H_S'(c) = sum_j c_j log c_j^2,  0 log 0 = 0  (0 for the all-zero vector).

    Terms of both signs may cancel: a value whose enclosure contains 0 at
    ``_precision.EQUALITY_BITS`` bits is returned as 0 (module docstring).
    """
    m, dps = _read(w, dps)
    nonzero = [v for v in m.exact() if v]

    def enclosure(bits):
        return 2 * sum((interval(v) * iv.log(interval(v)) for v in nonzero), iv.mpf(0))

    is_zero = all(v == 1 for v in nonzero) or sign(enclosure) == 0
    return refine(enclosure, dps, False, exact_zero=is_zero)


def hoyer(w, *, dps=50):
    r"""Hoyer(c) = (sqrt(N) - ||c||_1 / ||c||_2) / (sqrt(N) - 1),  N >= 2  (all-zero: ValueError).

    Evaluated without cancellation as
    (N S2 - S1^2)(sqrt(N) + 1) / ((N - 1) sqrt(S2) (sqrt(N S2) + S1)),  S_t = sum_j c_j^t;
    exactly 0 for a constant vector.
    """
    m, dps = _read(w, dps)
    n = len(m)
    if n < 2:
        raise ValueError(f"hoyer needs N >= 2 entries (sqrt(N) - 1 = 0), got N={n}")
    _inputs.require_nonzero(m, "hoyer")
    c = m.exact()
    s1, s2 = sum(c), sum(v * v for v in c)
    gap = n * s2 - s1 * s1

    def enclosure(bits):
        root_n, root_s2 = iv.sqrt(n), iv.sqrt(interval(s2))
        return interval(gap) * (root_n + 1) / ((n - 1) * root_s2 * (root_n * root_s2 + interval(s1)))

    return refine(enclosure, dps, False, exact_zero=gap == 0)


def pq_mean(w, *, p=0.5, q=1.0, dps=50):
    r"""pq-mean(c) = -M_p(c) / M_q(c),  M_r(c) = ((1/N) sum_j c_j^r)^(1/r),  0 < p < q.

    Equals pq_index(w, p, q) - 1 (so -1 <= pq-mean < 0).  The domain is contract §1's 0 < p < q
    (``ValueError`` otherwise; power means with r <= 0 are not defined here).  All-zero:
    ``ValueError``.
    """
    m, dps = _read(w, dps)
    p, q = _inputs.p_and_q(p, q)
    _inputs.require_nonzero(m, "pq_mean")
    n = len(m)

    def enclosure(bits):
        ip, iq = interval(p), interval(q)
        ratio = relative_power_sum(m, p) ** (1 / ip) / relative_power_sum(m, q) ** (1 / iq)
        return -(iv.mpf(n) ** (1 / iq - 1 / ip)) * ratio

    return refine(enclosure, dps, False)


def l1_over_lq(w, *, q=0.5, dps=50):
    r"""l1/lq(c) = ||c||_1 / ||c||_q = sum_j c_j / (sum_j c_j^q)^(1/q),  0 < q < 1  (all-zero: ValueError).

    The measure of Yang et al. (2022) that Remark 3 of Diao et al. (2023) compares with the PQ
    Index.  Larger = sparser: 1 for a one-hot vector, N^{1-1/q} for a constant one.  It equals
    N^{1-1/q} / (1 - I_{q,1}(c)) (obligation ``R3.l1_over_lq``), so at a fixed length it orders
    vectors as I_{q,1} does; the length enters only through N^{1-1/q}.
    """
    m, dps = _read(w, dps)
    q = _inputs.positive(q, "q")
    if q >= 1:
        raise ValueError(f"q must be < 1, got q={q!r}")
    _inputs.require_nonzero(m, "l1_over_lq")
    ratio = sum(m.exact()) / m.top()  # ||c||_1/||c||_q = (S_1/top) / (T_q)^{1/q}, T_q = sum (c_j/top)^q
    return refine(lambda bits: interval(ratio) / relative_power_sum(m, q) ** (1 / interval(q)), dps, False)


#: name -> measure, every measure of contract §2's property table (default parameters as keywords).
MEASURES = {
    "l0": l0,
    "l0_eps": l0_eps,
    "neg_l1": neg_l1,
    "neg_lp": neg_lp,
    "l2_over_l1": l2_over_l1,
    "neg_tanh": neg_tanh,
    "neg_log": neg_log,
    "kurtosis4": kurtosis4,
    "u_theta": u_theta,
    "neg_lp_minus": neg_lp_minus,
    "gaussian_entropy": gaussian_entropy,
    "shannon_entropy": shannon_entropy,
    "shannon_entropy_raw": shannon_entropy_raw,
    "hoyer": hoyer,
    "pq_mean": pq_mean,
    "l1_over_lq": l1_over_lq,
    "gini": gini,
    "pq_index": pq_index,
}
