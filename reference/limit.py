r"""The convex pruning limit of Zhang, Zhang, Sun, Liu (NeurIPS 2024), as in contract §2.

``pruning_limit`` is the paper's formula: with m = |w*| sorted descending and
R_k^2 = sum_{j>k} m_(j)^2,

    F(k) = sum_i lambda_i R_k^2 / (lambda_i R_k^2 + 2 eps),    k* = min{k in 0..D : k >= F(k)}.

``quadratic_limit`` is the exact answer the formula approximates, for a given Hessian.

Inputs are read exactly (contract §1: a float is its binary rational).  R_k^2 is an exact rational;
``k >= F(k)`` is decided by ``_precision.sign`` on an interval enclosure of k - F(k), and by
exact rational arithmetic when the enclosure cannot separate the two (k = F(k) exactly counts
as k >= F(k)).  F(k) is non-increasing in k, so k* is found by bisection.  A float64
evaluation with a proven error margin settles the clear cases first (``_quick_test``).  Cost:
O(D) exact rational work for the R_k^2, plus O(log D) evaluations of F over the distinct
eigenvalues (eigenvalue list) or the nodes (``Spectrum``); the interval fallback costs about
25 us per distinct eigenvalue and evaluation, so pass a ``Spectrum`` for very large D.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
from mpmath import iv

from . import _inputs
from ._precision import interval, rational, refine, sign

#: The quick float64 test only runs when every float it forms lies in [_LOW, _HIGH] (normal).
_LOW, _HIGH = Fraction(2) ** -1000, Fraction(2) ** 1000
#: How far from 1 the sum of a ``Spectrum``'s weights may be (they are then rescaled to sum 1).
WEIGHT_SUM_TOLERANCE = Fraction(1, 10**9)
_NEGATIVE_POLICIES = ("abs", "zero")


@dataclass(frozen=True)
class Spectrum:
    r"""A quadrature rule standing for the D Hessian eigenvalues of ``pruning_limit``:

        sum_i f(lambda_i) ~ D [(1 - z) sum_j weights_j f(nodes_j) + z f(0)],   z = zero_fraction.

    Fields are stored as tuples of exact ``Fraction`` (floats read exactly).  ``weights`` must be
    >= 0 with a sum within ``WEIGHT_SUM_TOLERANCE`` (1e-9) of 1; they are stored divided by
    their exact sum, so the stored weights sum to exactly 1.  ``0 <= zero_fraction <= 1``.
    ``ValueError`` otherwise (and for empty or differently sized ``nodes``/``weights``).
    """

    nodes: tuple
    weights: tuple
    zero_fraction: Fraction = Fraction(0)

    def __post_init__(self):
        nodes = _inputs.real_vector(self.nodes, "nodes")
        weights = _inputs.real_vector(self.weights, "weights")
        if len(nodes) != len(weights):
            raise ValueError(
                f"nodes and weights must have the same length, got {len(nodes)} and {len(weights)}"
            )
        for i, v in enumerate(weights):
            if v < 0:
                raise ValueError(f"weights must be >= 0, got weights[{i}]={self.weights[i]!r}")
        total = sum(weights)
        if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"weights must sum to 1, got a sum of {_inputs.describe(total)}")
        zero = _inputs.in_unit_interval(self.zero_fraction, "zero_fraction", open_low=False)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "weights", tuple(v / total for v in weights))
        object.__setattr__(self, "zero_fraction", zero)


@dataclass(frozen=True)
class PruningLimit:
    r"""The result of ``pruning_limit``.

    ``kept`` = k* and ``total`` = D are exact ints; ``kept_fraction`` = k*/D,
    ``removed_fraction`` = 1 - k*/D, ``radius`` = R_{k*} and ``width_sq`` = D - F(k*) are
    ``mpf``; ``kept_lower``/``kept_upper`` = k* -/+ a_eta sqrt(D) clipped to [0, D],
    a_eta = sqrt(8 log(4/eta)), are ``mpf`` when ``eta`` was given and ``None`` otherwise.
    """

    kept: int
    total: int
    kept_fraction: mpmath.mpf
    removed_fraction: mpmath.mpf
    radius: mpmath.mpf
    width_sq: mpmath.mpf
    kept_lower: mpmath.mpf | None = None
    kept_upper: mpmath.mpf | None = None


def _curvatures(spectrum, d: int, negative: str) -> tuple[Fraction, list[tuple[Fraction, Fraction]]]:
    r"""(base, [(coef, lambda)]) with F(k) = sum coef lambda R^2 / (lambda R^2 + 2 eps), lambda > 0,

    and base = D - sum coef >= 0 exactly (the weight of the zero curvatures), so that
    D - F(k) = base + sum coef 2 eps / (lambda R^2 + 2 eps) without cancellation.
    """
    if negative not in _NEGATIVE_POLICIES:
        raise ValueError(f"negative must be one of {_NEGATIVE_POLICIES}, got negative={negative!r}")

    def policy(value: Fraction) -> Fraction:
        return abs(value) if negative == "abs" else max(value, Fraction(0))

    if isinstance(spectrum, Spectrum):
        scale = d * (1 - spectrum.zero_fraction)
        pairs = [(scale * w, policy(x)) for x, w in zip(spectrum.nodes, spectrum.weights)]
    else:
        values = _inputs.real_vector(spectrum, "spectrum")
        if len(values) != d:
            raise ValueError(
                f"spectrum must hold one eigenvalue per magnitude (D = {d}), got {len(values)} values"
            )
        pairs = [(Fraction(count), value) for value, count in Counter(policy(v) for v in values).items()]
    terms = [(coef, lam) for coef, lam in pairs if lam > 0 and coef > 0]
    return d - sum(coef for coef, _ in terms), terms


def _normal_floats(values) -> np.ndarray | None:
    """Positive rationals as float64 (each correctly rounded), or None if one leaves [_LOW, _HIGH]."""
    if any(not _LOW <= v <= _HIGH for v in values):
        return None
    return np.array([float(v) for v in values], dtype=np.float64)


def _quick_test(terms, eps: Fraction, d: int):
    r"""``(k, R_k^2) -> True/False/None``: k >= F(k) decided in float64, None when too close.

    With coef, lambda, R^2 and 2 eps rounded to normal floats, each term
    coef / (1 + 2 eps / (lambda R^2)) carries at most 10 relative roundings (y -> 1/(1 + y) does
    not amplify a relative error of y), and ``math.fsum`` one more, so
    |F_float - F| <= 11 u F + d 2^-1000 (u = 2^-53; the absolute part covers a quotient that
    overflows or a product that underflows).  The test uses the margin 2^-48 F + d 2^-1000.
    """
    coefs = _normal_floats([coef for coef, _ in terms])
    lams = _normal_floats([lam for _, lam in terms])
    two_eps = _normal_floats([2 * eps])
    slack = d * 2.0**-1000

    def verdict(k: int, r2: Fraction) -> bool | None:
        if r2 == 0:
            return True
        if coefs is None or lams is None or two_eps is None or not _LOW <= r2 <= _HIGH:
            return None
        with np.errstate(all="ignore"):
            products = lams * float(r2)
            if products.size and not products.min() >= 2.0**-1000:
                return None
            f = math.fsum((coefs / (1 + two_eps[0] / products)).tolist())
        if f * (1 + 2.0**-48) + slack < k:
            return True
        if f * (1 - 2.0**-48) - slack > k:
            return False
        return None

    return verdict


def removed_squares(magnitudes) -> list[Fraction]:
    """R_k^2 for k = 0..D, exactly: the squared norm of all but the k largest |magnitudes|."""
    return _removed_squares(_inputs.magnitudes(magnitudes, "magnitudes"))


def _removed_squares(m: _inputs.Magnitudes) -> list[Fraction]:
    """R_k^2 for k = 0..D: the squared norm of all but the k largest magnitudes (exact)."""
    ordered = sorted(m.exact())
    tails = [Fraction(0)]
    for v in ordered:
        tails.append(tails[-1] + v * v)
    return tails[::-1]


def pruning_limit(magnitudes, spectrum, eps, *, negative="abs", eta=None, dps=50) -> PruningLimit:
    r"""Zhang et al.'s pruning limit  k* = min{k in 0..D : k >= F(k)},

        F(k) = sum_{i=1}^{D} lambda_i R_k^2 / (lambda_i R_k^2 + 2 eps),   R_k^2 = sum_{j>k} m_(j)^2,

    m = |magnitudes| sorted descending (D = len(magnitudes)).  ``spectrum`` is either the D
    Hessian eigenvalues or a ``Spectrum`` (then sum_i f(lambda_i) is D [(1 - z) sum_j w_j f(x_j)
    + z f(0)]).  ``negative="abs"`` uses |lambda|, ``"zero"`` replaces a negative lambda by 0.
    ``eps > 0``; ``eta`` in (0, 1) adds ``kept_lower``/``kept_upper`` (see ``PruningLimit``).
    Real fields are ``mpf`` to ``dps`` digits; ``kept`` is exact.
    """
    m = _inputs.magnitudes(magnitudes, "magnitudes")
    d = len(m)
    eps = _inputs.positive(eps, "eps")
    if eta is not None:
        eta_value = _inputs.exact_real(eta, "eta")
        if not 0 < eta_value < 1:
            raise ValueError(f"eta must lie in (0, 1), got eta={eta!r}")
        eta = eta_value
    dps = _inputs.digits(dps)
    base, terms = _curvatures(spectrum, d, negative)
    removed = _removed_squares(m)

    def slack(k: int):
        """bits -> enclosure of D - F(k)."""

        def enclosure(bits):
            r2, two_eps = interval(removed[k]), interval(2 * eps)
            return interval(base) + sum(
                (interval(coef) / (1 + interval(lam) * r2 / two_eps) for coef, lam in terms), iv.mpf(0)
            )

        return enclosure

    quick = _quick_test(terms, eps, d)

    def satisfied(k: int) -> bool:
        verdict = quick(k, removed[k])
        if verdict is not None:
            return verdict
        decided = sign(lambda bits: k - d + slack(k)(bits))
        if decided == 0:
            r2 = removed[k]
            return k >= sum(coef * lam * r2 / (lam * r2 + 2 * eps) for coef, lam in terms)
        return decided > 0

    kept = first_satisfied(d, satisfied)

    result = dict(
        kept=kept,
        total=d,
        kept_fraction=rational(Fraction(kept, d), dps),
        removed_fraction=rational(Fraction(d - kept, d), dps),
        radius=refine(
            lambda bits: iv.sqrt(interval(removed[kept])), dps, False, exact_zero=removed[kept] == 0
        ),
        width_sq=refine(slack(kept), dps, False),
    )
    if eta is not None:

        def shifted(direction: int):
            def enclosure(bits):
                return kept + direction * iv.sqrt(8 * iv.log(4 / interval(eta))) * iv.sqrt(d)

            return refine(enclosure, dps, False)

        result["kept_lower"] = max(shifted(-1), mpmath.mpf(0))
        result["kept_upper"] = min(shifted(+1), mpmath.mpf(d))
    return PruningLimit(**result)


def _real_matrix(hessian, d: int) -> list[list[Fraction]]:
    """A d x d symmetric matrix of reals, read exactly."""
    rows = hessian.tolist() if isinstance(hessian, np.ndarray) else hessian
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__len__") or len(rows) != d:
        raise ValueError(f"hessian must be a {d} x {d} matrix (D = len(weights)), got {hessian!r}")
    matrix = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or len(row) != d:
            raise ValueError(f"hessian must be a {d} x {d} matrix, but row {i} is {row!r}")
        matrix.append([_inputs.exact_real(v, f"hessian[{i}][{j}]") for j, v in enumerate(row)])
    for i in range(d):
        for j in range(i):
            if matrix[i][j] != matrix[j][i]:
                raise ValueError(
                    f"hessian must be symmetric, got hessian[{i}][{j}]={matrix[i][j]} != "
                    f"hessian[{j}][{i}]={matrix[j][i]}"
                )
    return matrix


def quadratic_limit(weights, hessian, eps) -> int:
    r"""The exact smallest k such that some x supported on the k largest-magnitude coordinates of
    w* = ``weights`` satisfies  1/2 (x - w*)^T H (x - w*) <= eps  (H symmetric PSD, eps > 0).

    Ties in |w*_i|: the earlier index is pruned first (contract §1), so the later one is kept.
    With S the kept set and T its complement, the minimum over x_S of (x - w*)^T H (x - w*) with
    x_T = 0 is the Schur complement of H_SS in the PSD form (x; 1)^T A (x; 1),
    A = [[H, -H w*], [-w*^T H, w*^T H w*]]; it is computed exactly (Fractions) by eliminating the
    coordinates in keep order, one symmetric pivot each (a zero pivot of a PSD form has a zero row
    and is dropped; a negative pivot, or a zero pivot with a non-zero row, proves H not PSD:
    ``ValueError``).  O(D^3) rational arithmetic: meant for small D (up to a few dozen).
    """
    w = _inputs.real_vector(weights, "weights")
    d = len(w)
    h = _real_matrix(hessian, d)
    eps = _inputs.positive(eps, "eps")
    hw = [sum(h[i][j] * w[j] for j in range(d)) for i in range(d)]
    form = [row[:] + [-hw[i]] for i, row in enumerate(h)]
    form.append([-v for v in hw] + [sum(wi * v for wi, v in zip(w, hw))])
    keep_order = sorted(range(d), key=lambda i: (abs(w[i]), i), reverse=True)
    minima = []
    remaining = list(range(d + 1))
    for i in keep_order:
        minima.append(form[d][d])
        remaining.remove(i)
        pivot = form[i][i]
        if pivot < 0 or (pivot == 0 and any(form[i][j] for j in remaining)):
            raise ValueError("hessian must be positive semi-definite")
        if pivot:
            for r in remaining:
                factor = form[r][i] / pivot
                if factor:
                    for c in remaining:
                        form[r][c] -= factor * form[i][c]
    minima.append(form[d][d])
    return next(k for k, value in enumerate(minima) if value / 2 <= eps)


def first_satisfied(d: int, satisfied) -> int:
    """The smallest k in 0..d with ``satisfied(k)``, for a predicate monotone in k (bisection;
    ``satisfied(d)`` is assumed)."""
    low, high = 0, d
    while low < high:
        mid = (low + high) // 2
        if satisfied(mid):
            high = mid
        else:
            low = mid + 1
    return low
