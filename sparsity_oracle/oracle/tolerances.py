r"""Error budgets of the oracle: the ONE place where tolerances live.

An implementation is judged against the reference's (certified) value.  Every budget is

    budget = SAFETY * u * kappa(input)  (+ u_out * |value| for the final rounding),

u = the unit roundoff of the arithmetic the implementation must use, kappa = a condition
number of the computation, computed from the input at hand.  ``SAFETY`` = 4 absorbs the
small per-operation constants (1-2 ulp ``pow``/``log``/``exp``) that the derivations below
count only roughly.

Precisions (contract §3: accumulation in at least float32, float64 for float64 input)::

    dtype      u (accumulation)   u_out (result)
    float64    2**-53             2**-53
    float32    2**-24             2**-24
    float16    2**-24             2**-11
    bfloat16   2**-24             2**-8

Inputs are rounded to the implementation's dtype *before* the reference sees them, so input
rounding costs nothing: the reference is evaluated on exactly the numbers the implementation
received.

Summation.  A sum of n non-negative terms, each with relative error e, computed by pairwise
(cascade/tree) summation as numpy.sum, torch.sum and GPU reductions do, has relative error at
most e + (ceil(log2 n) + 1) u = e + A(n) u  (Higham, Accuracy and Stability, §4.2).  The oracle
requires summation of that quality: plain left-to-right accumulation (error (n - 1) u) of long
float32 vectors can exceed the budget, and is reported.  The exception is the suffix sums of
the pruning limit (a cumulative sum is sequential by nature): there A = D.

Power sums S_t = sum_i |w_i|^t (t = p or q).  A careful implementation scales by M = max|w_i|
(or works with logarithms) so that nothing overflows: y_i = (|w_i|/M)^t in (0, 1], with the
largest y_i = 1, so S_t/M^t >= 1.  Evaluating y_i = exp(t log(|w_i|/M)) costs an absolute error
of about u y_i |log y_i| <= u/e per term; relative to the sum, sum_i y_i |log y_i| / sum_i y_i is
a weighted mean of log(1/y_i) with weights y_i, at most ln(n) by concavity.  Hence

    rel. error of S_t/M^t  <=  P(n) u,    P(n) = A(n) + ln(n) + 3.

PQ Index  I = 1 - R,  R = d^{1/q-1/p} S_p^{1/p} / S_q^{1/q}.  The root S^{1/t} divides a
relative error by t, the power of d, the two roots and the division add 4 roundings, so R has
relative error <= u ((1/p + 1/q) P(d) + 4) and I the absolute error

    |I_impl - I| <= SAFETY u (1 - I) ((1/p + 1/q) P(d) + 4) + u_out |I|.

The factor 1/p is real: at p = 0.1 the relative error of S_p is amplified tenfold.  Near I = 0
(near-constant vectors) the budget is absolute, about u: 1 - I cannot be formed more exactly.

Gini  G = 1 - 2 W / (N S),  W = sum_k c_(k) (N - k + 1/2),  S = sum_k c_k.  Sorting is exact
and the weights N - k + 1/2 are exact, so W and S are sums of non-negative terms, each with
relative error <= (A(N) + 1) u; 2W/(NS) = 1 - G lies in [1/N, 1] and the absolute error of G is
at most (2 A(N) + 4) u.  The same absolute bound covers the other common form
sum_k (2k - N - 1) c_(k) / (N S) (its error is relative to sum |terms| <= N S), so the budget
is absolute (not scaled by 1 - G):

    |G_impl - G| <= SAFETY u (2 A(N) + 4) + u_out |G|.

Underflow.  A result below the output dtype's normal range is rounded to a multiple of its
smallest subnormal ``tiny`` (2**-149 in float32), or to 0: an absolute error of up to ``tiny``
that no relative budget covers (r = 5 * 4.21**-201 = 1.6e-125 is 0 in float32).  Every real
comparison adds ``tiny`` to its budget (``checks._compare_real``).

PQI-bound  r = (1 + eta_r)^{-q/(q-p)} S_p^{q/(q-p)} / S_q^{p/(q-p)} (relative):

    |r_impl - r| / r <= SAFETY u ((q + p)/(q - p) P(d) + q/(q - p) + 4) + u_out.

The exponents q/(q-p), p/(q-p) amplify the power-sum errors: q -> p is ill-conditioned, and
the budget says so.  (Evaluating d (1 - I)^{qp/(q-p)} instead gives the same factor.)

Pruning limit  F(k) = sum_i lambda_i R_k^2 / (lambda_i R_k^2 + 2 eps).  R_k^2 is a suffix sum
(relative error <= D u), y -> y/(y + c) does not amplify a relative error of y (its condition is
c/(y + c) <= 1), each term costs 3 roundings and the sum A(D):

    |F_impl(k) - F(k)| / F(k) <= rho_F = SAFETY u (D + A(D) + 4),
    |R_impl - R| / R <= SAFETY u (D/2 + 2) + u_out       (the radius, a square root).

Exact results: counts and masks.
    A count is an exact integer (contract §2); an implementation computes it from a real y through
    rounding, so the oracle admits exactly the integers the implementation could reach from a y'
    within its error budget of y:
    * SAP: y = min(gamma (d - r), d beta), c = floor(y).  With the certified enclosure [lo, hi] of
      y's first branch (from the reference's certified pqi_bound), e_r = gamma r rho_r +
      SAFETY u gamma d, and e_beta = SAFETY u d beta, the admitted counts are
      floor(min(lo - e_r, d beta - e_beta)) .. floor(min(hi + e_r, d beta + e_beta)), clipped at 0:
      a single integer unless y lies within e of an integer; then also the neighbour, and the
      reference's own count is named in the report.  (beta = 0.7 is the double just below 7/10,
      so d beta = 6.99999...: the reference says 6 and a float implementation may say 7.)
    * fixed ratio: c = round(amount d) (half to even) of the exact product, or of the product as
      the implementation's dtype computes it (one correctly rounded multiplication: float64, and
      float32 for a float32 implementation).  An exactly representable half-integer product is
      therefore never ambiguous.
    * pruning limit: k* = min{k : k >= F(k)}; the admitted k are those between
      min{k : k >= (1 - rho_F) F(k)} and min{k : k >= (1 + rho_F) F(k)}.
    Masks must match *exactly*: in every group the number of newly pruned entries must be an
    admitted count c, and the pruned set must be exactly the reference's choice for that c (the
    c smallest unmasked magnitudes, ties first in group order, contract §1), with every
    already-pruned entry still pruned.  Magnitude comparisons are exact in any binary format, so
    there is no tolerance on which entries go.

Diagnosing a failure (``diagnosis``; these bounds never widen what passes).
    * Range.  The accumulation format (float64 for float64 input, float32 otherwise: contract §3)
      holds magnitudes up to ``Precision.largest`` and normal numbers down to
      ``Precision.smallest_normal``.  An unscaled evaluation overflows when a power sum
      S_t = sum |w_i|^t, a norm S_t^{1/t} (or, for the Gini, N sum |w_i|) exceeds ``largest``;
      it underflows when S_t or a norm falls below ``smallest_normal``, or when the terms
      |w_i|^t below ``smallest_normal`` carry more than u of S_t (losing them moves the result
      by more than one rounding).
    * Cancellation of the PQI-bound formed as r = d (1 + eta_r)^{-q/(q-p)} (1 - I)^{qp/(q-p)}
      from an I within its own budget b_I (``pq_index_budget``): 1 - I has relative error
      b_I / (1 - I), which the exponent multiplies by qp/(q - p):

          |r_impl - r| / r <= b_I / (1 - I) * qp/(q - p) + (PQI-bound budget).

      Near I = 1 (a few dominant entries) this is far above the direct budget: the subtraction
      1 - I cancels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Multiplier on every derived bound (per-operation constants of pow/log/exp, see above).
SAFETY = 4

_UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24, "float16": 2.0**-11, "bfloat16": 2.0**-8}
#: Smallest positive (subnormal) number of each dtype.
_TINY = {"float64": 2.0**-1074, "float32": 2.0**-149, "float16": 2.0**-24, "bfloat16": 2.0**-133}

#: The dtypes an implementation may declare (``DTYPE``), in decreasing precision.
DTYPES = tuple(_UNIT_ROUNDOFF)


@dataclass(frozen=True)
class Precision:
    """Unit roundoffs of an implementation's dtype: accumulation ``u`` and result ``u_out``;
    ``tiny``: the dtype's smallest subnormal (the absolute resolution of its results);
    ``largest`` / ``smallest_normal``: the range of the accumulation format (float64 for
    float64, float32 otherwise), where unscaled intermediates overflow or underflow."""

    dtype: str
    u: float
    u_out: float
    tiny: float
    largest: float
    smallest_normal: float

    @classmethod
    def of(cls, dtype: str) -> "Precision":
        if dtype not in _UNIT_ROUNDOFF:
            raise ValueError(f"DTYPE must be one of {DTYPES}, got DTYPE={dtype!r}")
        accumulation = np.finfo(np.float64 if dtype == "float64" else np.float32)
        return cls(dtype, min(_UNIT_ROUNDOFF[dtype], 2.0**-24), _UNIT_ROUNDOFF[dtype], _TINY[dtype],
                   float(accumulation.max), float(accumulation.smallest_normal))


def summation_factor(n: int) -> float:
    """A(n) = ceil(log2 n) + 1: pairwise summation of n non-negative terms."""
    return math.ceil(math.log2(max(n, 1))) + 1


def power_sum_factor(n: int) -> float:
    """P(n) = A(n) + ln(n) + 3: relative error of a scaled power sum, in units of u."""
    return summation_factor(n) + math.log(max(n, 1)) + 3


def pq_index_budget(prec: Precision, d: int, p: float, q: float, value: float) -> float:
    """Absolute error budget of I_{p,q} on a vector of length d whose exact PQI is ``value``."""
    kappa = (1 - value) * ((1 / p + 1 / q) * power_sum_factor(d) + 4)
    return SAFETY * prec.u * kappa + prec.u_out * abs(value)


def gini_budget(prec: Precision, n: int, value: float) -> float:
    """Absolute error budget of the Gini index of n entries."""
    return SAFETY * prec.u * (2 * summation_factor(n) + 4) + prec.u_out * abs(value)


def pqi_bound_relative_budget(prec: Precision, d: int, p: float, q: float) -> float:
    """Relative error budget of the PQI-bound r."""
    gap = q - p
    kappa = (q / gap + p / gap) * power_sum_factor(d) + q / gap + 4  # q + p overflows for p, q near the float maximum
    return SAFETY * prec.u * kappa + prec.u_out


def limit_relative_budget(prec: Precision, d: int) -> float:
    """rho_F: relative error budget of F(k) of the pruning limit on D = d weights."""
    return SAFETY * prec.u * (d + summation_factor(d) + 4)


def radius_relative_budget(prec: Precision, d: int) -> float:
    """Relative error budget of the radius R_{k*} of the pruning limit."""
    return SAFETY * prec.u * (d / 2 + 2) + prec.u_out


def product_relative_error(prec: Precision) -> float:
    """Relative error budget of a short product of exact factors (d beta, gamma d): SAFETY u."""
    return SAFETY * prec.u


def product_error(prec: Precision, value: float) -> float:
    """Error budget of a short product of exact factors (d beta, gamma d): SAFETY u |value|."""
    return product_relative_error(prec) * abs(value)


def pqi_bound_via_pq_index_budget(prec: Precision, d: int, p: float, q: float, pqi: float) -> float:
    """Relative error of the PQI-bound formed from the PQI I as d (1 + eta_r)^{-q/(q-p)}
    (1 - I)^{qp/(q-p)} (the cancellation of 1 - I, module docstring); inf for I >= 1."""
    if pqi >= 1:
        return math.inf
    amplified = pq_index_budget(prec, d, p, q, pqi) / (1 - pqi) * q * p / (q - p)
    return amplified + pqi_bound_relative_budget(prec, d, p, q)


# --- SpODE / PSO (reference.spode, gpu_impl.spode) ---------------------------------------------
#
# Sparsity index G.  l1: ||m||_1 / D, a sum of D non-negative terms, relative error (A(D) + 1) u;
# l2: ||m||_2 / sqrt(D), the square root halves the sum's error, + 2 roundings.  Its gradient:
# l1 is sign(m)/D (one rounding); l2 is m_i / (sqrt(D) ||m||_2): the norm's error + 2 roundings,
# relative per component.  Both are covered by the relative budget SAFETY u (A(D) + 3).
#
# Direction F = g/||g||^2 + t e_perp/||e_perp||, t = sqrt(r^2 - ||g||^-2).  The base costs 3
# roundings, i.e. ~3u/||g|| absolute.  t is ill-conditioned near the boundary r = 1/||g||: a
# relative error delta = SAFETY u (A(n) + 4) in r^2 or ||g||^2 moves t^2 by up to 2 delta r^2,
# so t by 2 delta r^2 / t, or by at most 2 sqrt(delta) r once t^2 < 2 delta r^2 (the square
# root of a perturbation near 0).  e_perp = e - (g.e/||g||^2) g: the
# dot product of n terms (error A(n) u |g| |e|) and the update leave an absolute error
# (A(n) + 3) u ||e|| in e_perp, so the unit vector e_perp/||e_perp|| is off by up to
# 2 (A(n) + 3) u ||e|| / ||e_perp||: the condition number of F is ||e|| / ||e_perp||, unbounded
# near collinearity.  Norm-wise:
#
#     ||F_impl - F|| <= delta (1/||g|| + t (1 + 2 ||e|| / ||e_perp||)) + dt(delta) + u_out ||F||,
#     dt(delta) = 2 delta r^2 / t  if t^2 >= 2 delta r^2,  else 2 sqrt(delta) r,
#
# (exactly collinear e: the last term is absent: an implementation must then return g/||g||^2).
# This also admits an implementation that declares e collinear when its computed e_perp is
# below its own rounding level (gpu_impl: 2 (A(n) + 3) u ||e||): it is then off by t, and the
# exact ||e_perp|| <= 3 (A(n) + 3) u ||e|| makes the budget at least t.
#
# Euler step m + dt F:  ||m'_impl - m'|| <= dt (direction budget) + SAFETY u (||m|| + dt ||F||)
# + u_out ||m'||.
#
# Step sizes (exp): dt_k = -l_k expm1(log(rho/s)/N), l_k = s exp(k log(rho/s)/N): the exponent's
# error u |log(rho/s)| is amplified by exp, expm1 and the products add a few roundings:
#     |dt_impl - dt| / dt <= SAFETY u (|log(rho/s)| + 4) + u_out.   (lin: one division.)
#
# The l2 G-path under Euler, G_{k+1}^2 = (G_k - dt)^2 + (r^2 - 1) dt^2 (r relative), holds in
# exact arithmetic for every e; a run's logged G_k, G_{k+1} carry G's relative error (A(D) + 3) u
# and the step's rounding, all relative to the terms' size (G_k + r dt)^2:
#     |G_{k+1}^2 - (G_k - dt)^2 - (r^2 - 1) dt^2| <= SAFETY u (A(D) + 4) 4 (G_k + r dt)^2.
# Masks (polariser, final mask) and keep counts are exact: no tolerance.


def sparsity_index_budget(prec: Precision, d: int, value: float) -> float:
    """Absolute budget of G(m) or of one component of grad G(m) of value ``value`` (D = d)."""
    return (SAFETY * prec.u * (summation_factor(d) + 3) + prec.u_out) * abs(value)


def spode_direction_budget(prec: Precision, n: int, g_norm: float, e_norm: float, e_perp_norm: float,
                           tilt: float, f_norm: float) -> float:
    """Norm-wise budget of F on n entries; ``e_perp_norm`` the exact ||e_perp|| (0: collinear),
    ``tilt`` = sqrt(r^2 - ||g||^-2) with r the absolute radius."""
    delta = SAFETY * prec.u * (summation_factor(n) + 4)
    kappa = 1 / g_norm + tilt * (1 + (2 * e_norm / e_perp_norm if e_perp_norm else 0))
    r2 = tilt**2 + g_norm**-2
    tilt_error = 2 * delta * r2 / tilt if tilt**2 >= 2 * delta * r2 else 2 * math.sqrt(delta * r2)
    return delta * kappa + (tilt_error if e_perp_norm else 0) + prec.u_out * f_norm


def euler_step_budget(prec: Precision, direction_budget: float, dt: float, m_norm: float, f_norm: float,
                      result_norm: float) -> float:
    """Norm-wise budget of m + dt F, given the direction's budget."""
    return dt * direction_budget + SAFETY * prec.u * (m_norm + dt * f_norm) + prec.u_out * result_norm


def step_size_relative_budget(prec: Precision, log_ratio: float) -> float:
    """Relative budget of an exp-schedule step size, log_ratio = log(target/start)."""
    return SAFETY * prec.u * (abs(log_ratio) + 4) + prec.u_out


def g_path_budget(prec: Precision, d: int, g_level: float, dt: float, radius: float) -> float:
    """Absolute budget of the l2 G-path identity for one logged step (above)."""
    return SAFETY * prec.u * (summation_factor(d) + 4) * 4 * (g_level + radius * dt) ** 2
