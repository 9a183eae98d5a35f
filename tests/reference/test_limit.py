"""The convex pruning limit and its exact quadratic counterpart (contract §2, reference.limit)."""

from collections import Counter
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings

from sparsity_oracle.properties import strategies
from sparsity_oracle.reference.limit import PruningLimit, Spectrum, pruning_limit, quadratic_limit

TINY = Fraction(1, 10**40)


def _close(value, exact, digits=45):
    with mpmath.workdps(digits + 10):
        target = mpmath.mpf(exact.numerator) / exact.denominator
        return abs(value - target) <= mpmath.mpf(10) ** -digits * max(1, abs(target))


def _f(r2, eigenvalues, eps):
    return sum(lam * r2 / (lam * r2 + 2 * eps) for lam in eigenvalues)


def brute_limit(magnitudes, eigenvalues, eps):
    """(k*, R_{k*}^2, D - F(k*)) by a linear scan in exact rationals."""
    m = sorted((abs(Fraction(v)) for v in magnitudes), reverse=True)
    eigenvalues = [Fraction(v) for v in eigenvalues]
    for k in range(len(m) + 1):
        r2 = sum(v * v for v in m[k:])
        f = _f(r2, eigenvalues, Fraction(eps))
        if k >= f:
            return k, r2, len(m) - f
    raise AssertionError("k = D always satisfies k >= F(k)")


def equivalent_spectrum(eigenvalues):
    counts = Counter(eigenvalues)
    zeros = counts.pop(0, 0)
    d = len(eigenvalues)
    if not counts:
        return Spectrum([1], [1], zero_fraction=1)
    return Spectrum(list(counts), [Fraction(c, d - zeros) for c in counts.values()], Fraction(zeros, d))


# --- pruning_limit -----------------------------------------------------------------------


def test_issue_example():
    limit = pruning_limit([4, 3, 2, 1], [1, 1, 1, 1], 0.5)
    assert limit.kept == 3 and limit.total == 4
    assert _close(limit.kept_fraction, Fraction(3, 4)) and _close(limit.removed_fraction, Fraction(1, 4))
    assert _close(limit.radius, Fraction(1)) and _close(limit.width_sq, Fraction(2))
    assert limit.kept_lower is None and limit.kept_upper is None
    assert pruning_limit([4, 3, 2, 1], [1, 1, 1, 1], 5).kept == 2
    assert isinstance(limit, PruningLimit)


@settings(max_examples=60)
@given(case=strategies.exact_limit_problems())
def test_matches_the_definition(case):
    magnitudes, eigenvalues, eps = case
    kept, r2, width_sq = brute_limit(magnitudes, eigenvalues, eps)
    limit = pruning_limit(magnitudes, eigenvalues, eps)
    assert limit.kept == kept
    with mpmath.workdps(60):
        assert _close(limit.radius**2, r2, 40)
    assert _close(limit.width_sq, width_sq)


@settings(max_examples=40)
@given(case=strategies.exact_limit_problems())
def test_spectrum_form_agrees_with_eigenvalue_list(case):
    magnitudes, eigenvalues, eps = case
    by_list = pruning_limit(magnitudes, eigenvalues, eps)
    by_rule = pruning_limit(magnitudes, equivalent_spectrum(eigenvalues), eps)
    assert by_list.kept == by_rule.kept
    with mpmath.workdps(60):
        assert abs(by_list.width_sq - by_rule.width_sq) <= mpmath.mpf(10) ** -45 * by_list.width_sq


def test_spectrum_example():
    eigenvalues = [1, 1, 2, 0]
    rule = Spectrum([1, 2], [Fraction(2, 3), Fraction(1, 3)], zero_fraction=Fraction(1, 4))
    for eps in (0.05, 0.5, 5):
        by_list = pruning_limit([4, 3, 2, 1], eigenvalues, eps)
        assert by_list.kept == pruning_limit([4, 3, 2, 1], rule, eps).kept


def test_exact_tie_counts_as_satisfied():
    # R_2^2 = 1, eps = 1/2: F(2) = 4 * 1 / (1 + 1) = 2 exactly, so k* = 2
    assert pruning_limit([4, 3, 1, 0], [1, 1, 1, 1], Fraction(1, 2)).kept == 2
    # R_2^2 = (2/5)^2 + (1/5)^2 = 1/5, eps = 1/10: F(2) = 2 exactly
    tie = [4, 3, Fraction(2, 5), Fraction(1, 5)]
    assert pruning_limit(tie, [1, 1, 1, 1], Fraction(1, 10)).kept == 2


def test_a_hair_from_the_tie():
    # R_2^2 = 1 + 1e-40: F(2) = 2 + ~1e-40 > 2, so k = 2 fails
    assert pruning_limit([4, 3, 1, Fraction(1, 10**20)], [1, 1, 1, 1], Fraction(1, 2)).kept == 3
    # a larger eps lowers F(2) to 2 - ~1e-40
    assert pruning_limit([4, 3, 1, 0], [1, 1, 1, 1], Fraction(1, 2) + TINY).kept == 2
    tie = [4, 3, Fraction(2, 5), Fraction(1, 5)]
    assert pruning_limit(tie, [1, 1, 1, 1], Fraction(1, 10) - TINY).kept == 3
    assert pruning_limit(tie, [1, 1, 1, 1], 0.1).kept == 2  # the double 0.1 exceeds 1/10


def test_negative_policies():
    eigenvalues = [-1, -1, -1, 1]
    assert pruning_limit([4, 3, 2, 1], eigenvalues, 0.5).kept == 3  # |lambda| = 1 everywhere
    assert pruning_limit([4, 3, 2, 1], eigenvalues, 0.5, negative="zero").kept == 1
    rule = Spectrum([-1, 1], [0.75, 0.25])
    assert pruning_limit([4, 3, 2, 1], rule, 0.5).kept == 3
    assert pruning_limit([4, 3, 2, 1], rule, 0.5, negative="zero").kept == 1


def test_confidence_band():
    d = 10_000
    magnitudes = np.linspace(0.0, 1.0, d)
    limit = pruning_limit(magnitudes, np.full(d, 3.0), 0.25, eta=0.1)
    with mpmath.workdps(60):
        half_width = mpmath.sqrt(8 * mpmath.log(4 / mpmath.mpf(0.1))) * mpmath.sqrt(d)
        assert 0 < limit.kept_lower < limit.kept_upper < d
        assert abs(limit.kept_lower - (limit.kept - half_width)) < mpmath.mpf(10) ** -45
        assert abs(limit.kept_upper - (limit.kept + half_width)) < mpmath.mpf(10) ** -45
    clipped = pruning_limit([4, 3, 2, 1], [1, 1, 1, 1], 0.5, eta=0.5)
    assert clipped.kept_lower == 0 and clipped.kept_upper == 4


def test_edge_spectra():
    assert pruning_limit([4, 3], [0, 0], 1).kept == 0
    assert pruning_limit([0, 0, 0], [5, 5, 5], 1).kept == 0
    assert pruning_limit([4, 3], Spectrum([7], [1], zero_fraction=1), 1).kept == 0
    assert pruning_limit([1e300, 1e300], [1e300, 1e300], 1e-300).kept == 2
    before = mpmath.mp.dps
    pruning_limit([3.0, 1.0], [1.0, 2.0], 0.5, eta=0.2)
    assert mpmath.mp.dps == before


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (([1, 2], [1, 1], 0), {}, ValueError, "eps"),
        (([1, 2], [1, 1], -1.0), {}, ValueError, "eps"),
        (([1, 2], [1, 1], 1), {"negative": "clip"}, ValueError, "negative"),
        (([1, 2], [1, 1], 1), {"eta": 0}, ValueError, "eta"),
        (([1, 2], [1, 1], 1), {"eta": 1}, ValueError, "eta"),
        (([1, 2], [1, 1], 1), {"eta": -0.5}, ValueError, "eta"),
        (([1, 2], [1, 1, 1], 1), {}, ValueError, "spectrum"),
        (([1, 2], [1, float("nan")], 1), {}, ValueError, r"spectrum\[1\]"),
        (([1, 2], [1, 2j], 1), {}, TypeError, r"spectrum\[1\]"),
        (([1, 2], 3.0, 1), {}, TypeError, "spectrum"),
        (([1, 2], np.ones((2, 1)), 1), {}, ValueError, "spectrum"),
        (([], [], 1), {}, ValueError, "magnitudes"),
        (([1, float("inf")], [1, 1], 1), {}, ValueError, r"magnitudes\[1\]"),
    ],
)
def test_pruning_limit_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        pruning_limit(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([1, 2], [0.5]), {}, "same length"),
        (([1, 2], [1.5, -0.5]), {}, r"weights\[1\]"),
        (([1, 2], [0.5, 0.6]), {}, "sum to 1"),
        (([1, 2], [1e308, 1e308]), {}, r"sum of 2.0e\+308"),
        (([1], [1]), {"zero_fraction": 1.5}, "zero_fraction"),
        (([1], [1]), {"zero_fraction": -0.1}, "zero_fraction"),
        (([], []), {}, "nodes"),
        (([float("nan")], [1]), {}, r"nodes\[0\]"),
    ],
)
def test_spectrum_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Spectrum(*args, **kwargs)


def test_spectrum_stores_exact_normalised_weights():
    rule = Spectrum(np.array([1.0, 2.0, 3.0]), [0.2, 0.3, 0.5])
    assert sum(rule.weights) == 1
    assert rule.nodes == (1, 2, 3) and rule.zero_fraction == 0
    tenths = Spectrum([1.0] * 10, [0.1] * 10)
    assert sum(tenths.weights) == 1 and all(isinstance(v, Fraction) for v in tenths.weights)
    quarter = Spectrum([1], [1], zero_fraction=0.25)
    assert isinstance(quarter.zero_fraction, Fraction) and quarter.zero_fraction == Fraction(1, 4)


# --- quadratic_limit ---------------------------------------------------------------------


def brute_quadratic(weights, hessian, eps):
    """Smallest k with min over x_S of 1/2 (x - w)^T H (x - w) <= eps, via the exact pseudo-inverse."""
    w = [Fraction(v) for v in weights]
    h = sympy.Matrix(hessian).applyfunc(sympy.nsimplify)
    order = sorted(range(len(w)), key=lambda i: (abs(w[i]), i), reverse=True)
    for k in range(len(w) + 1):
        kept, removed = order[:k], order[k:]
        if not removed:
            return k
        d_t = sympy.Matrix([sympy.Rational(-w[i].numerator, w[i].denominator) for i in removed])
        schur = h.extract(removed, removed)
        if kept:
            cross = h.extract(kept, removed)
            schur -= cross.T * h.extract(kept, kept).pinv() * cross
        if (d_t.T * schur * d_t)[0] / 2 <= sympy.Rational(Fraction(eps).numerator, Fraction(eps).denominator):
            return k
    raise AssertionError("k = D always reaches the minimum 0")


@settings(max_examples=40)
@given(case=strategies.quadratic_limit_problems())
def test_quadratic_limit_matches_brute_force(case):
    weights, hessian, eps = case
    assert quadratic_limit(weights, hessian, eps) == brute_quadratic(weights, hessian, eps)


def test_quadratic_limit_examples():
    identity = np.eye(4)
    assert quadratic_limit([4, 3, 2, 1], identity, 0.5) == 3
    assert quadratic_limit([4, 3, 2, 1], identity, 0.49) == 4
    # singular PSD H: (x - w)^T H (x - w) = (x1 + x2)^2 vanishes at x = 0 for w = (1, -1)
    assert quadratic_limit([1, -1], [[1, 1], [1, 1]], 0.01) == 0
    # ties: w = (1, 1); the earlier index is pruned first, costing 1/2 * 1, not 1/2 * 100
    assert quadratic_limit([1, 1], [[1, 0], [0, 100]], 0.5) == 1
    assert quadratic_limit([1, 1], [[100, 0], [0, 1]], 0.5) == 2
    # correlated coordinates: keeping x1 = w1 + w2 compensates the removed w2 exactly
    assert quadratic_limit([2, 1], [[1, 1], [1, 1]], 0.01) == 1


@pytest.mark.parametrize(
    "args, error, match",
    [
        (([1, 2], [[1, 0]], 1), ValueError, "2 x 2"),
        (([1, 2], [[1, 0], [0]], 1), ValueError, "row 1"),
        (([1, 2], np.eye(3), 1), ValueError, "2 x 2"),
        (([1, 2], [[1, 2], [0, 1]], 1), ValueError, "symmetric"),
        (([1, 2], [[1, 0], [0, -1]], 1), ValueError, "positive semi-definite"),
        (([1, 2], [[0, 1], [1, 1]], 1), ValueError, "positive semi-definite"),
        (([1, 2], [[1, 2], [2, 1]], 1), ValueError, "positive semi-definite"),
        (([1, 2], [[1, float("nan")], [0, 1]], 1), ValueError, r"hessian\[0\]\[1\]"),
        (([1, 2], np.eye(2), 0), ValueError, "eps"),
        (([], [], 1), ValueError, "weights"),
        (([1, "a"], np.eye(2), 1), TypeError, r"weights\[1\]"),
    ],
)
def test_quadratic_limit_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        quadratic_limit(*args)
