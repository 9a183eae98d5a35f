"""Corners where a fast path must give way to an exact one: the tie order of the exact
(Fraction) selection path, and the pruning limit's float64 quick test at an exact tie."""

from __future__ import annotations

import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from sparsity_oracle.reference import (fixed_ratio_masks, pqi_bound, pruning_limit, removed_squares, sap_count_and_bound,
                                       sap_prune_count, smallest_positions)

THIRD, TENTH = Fraction(1, 3), Fraction(1, 10)


@pytest.mark.parametrize("c, expected", [(0, []), (2, [1, 2]), (3, [1, 2, 4]), (4, [0, 1, 2, 4]), (5, [0, 1, 2, 3, 4])])
def test_ties_first_in_order_on_the_exact_path(c, expected):
    """1/3 and 1/10 are not doubles: the selection runs on Fractions, with the tie order of contract §1."""
    values = [THIRD, -TENTH, TENTH, -THIRD, TENTH, 1]
    assert smallest_positions(values, c).tolist() == expected
    as_doubles = [0.375, -0.125, 0.125, -0.375, 0.125, 1.0]  # the same order, exact as float64
    assert smallest_positions(as_doubles, c).tolist() == expected


def test_exact_path_masks_prune_ties_first_in_group_order():
    weights = {"a": np.array([THIRD, TENTH, TENTH, THIRD], dtype=object), "b": np.array([TENTH, 1], dtype=object)}
    masks = {"a": np.array([True, True, True, True]), "b": np.array([True, True])}
    new = fixed_ratio_masks(weights, masks, scope="global", amount=Fraction(2, 3))  # 4 of 6
    assert new["a"].tolist() == [False, False, False, True] and new["b"].tolist() == [False, True]


# F(k) = D R_k^2 / (R_k^2 + 2 eps) with one eigenvalue 1 (D times): 2 eps = R_k^2 (D - k) / k makes
# F(k) = k exactly, where float64 arithmetic lands an ulp off.


def test_quick_test_margin_where_float64_overshoots_an_exact_tie():
    """F(3) = 3 exactly, float64 gives 3 + 4.4e-16: k = 3 satisfies k >= F(k)."""
    magnitudes = [18, 8, 12, 8, 8]
    eps = Fraction(128, 3)
    assert removed_squares(magnitudes)[3] * 2 / (2 * 3) == eps
    assert pruning_limit(magnitudes, [1] * 5, eps).kept == 3


def test_quick_test_margin_where_float64_undershoots_a_near_tie():
    """F(3) = 3 + ~1e-31 (eps a hair below the tie), float64 gives 3 - 4.4e-16: k = 3 fails."""
    magnitudes = [5, 6, 6, 17]
    tie = Fraction(25, 6)
    assert removed_squares(magnitudes)[3] * 1 / (2 * 3) == tie
    assert pruning_limit(magnitudes, [1] * 4, tie).kept == 3
    assert pruning_limit(magnitudes, [1] * 4, tie - Fraction(1, 10**30)).kept == 4


# SAP with integer p < q: r^(q-p) (1 + eta_r)^q = S_p^q / S_q^p is rational, decided with exact
# integers.  With q - p = 1, r itself is rational, so gamma = n / (d - r) puts gamma (d - r) exactly
# on the integer n: the count must be n, and n - 1 for gamma a hair smaller -- also for a hair
# (2^-10000) that no enclosure up to EQUALITY_BITS = 8192 bits resolves: only the exact integers
# decide that one (an enclosure would declare the tie and count n).


@pytest.mark.parametrize("w, p, q, eta_r", [
    ([3, 1, 4, 1, 5, 9, 2, 6], 2, 3, 0),
    ([3, 1, 4, 1, 5, 9, 2, 6], 1, 2, Fraction(1, 4)),
    ([Fraction(1, 3), 2, 2, 7, 0], 3, 4, 1),
    ([1, 1, 2], 4, 5, 0),
])
def test_sap_count_exactly_on_an_integer_with_integer_exponents(w, p, q, eta_r):
    exact = [abs(Fraction(v)) for v in w]
    s_p, s_q = sum(v**p for v in exact), sum(v**q for v in exact)
    r = s_p**q / s_q**p / (1 + Fraction(eta_r)) ** q  # q - p = 1
    d = len(w)
    for n in range(1, d):
        gamma = n / (d - r)
        assert sap_prune_count(w, p, q, eta_r=eta_r, gamma=gamma, beta=1) == n
        for hair in (Fraction(1, 10**30), Fraction(1, 2**10000)):
            assert sap_prune_count(w, p, q, eta_r=eta_r, gamma=gamma * (1 - hair), beta=1) == n - 1


@pytest.mark.parametrize("w", [
    [0.0, 1.0, -1.0],  # float64 magnitudes
    [0, THIRD, -THIRD],  # not doubles: the Fraction path
])
@pytest.mark.parametrize("p, q", [(0.5, 1.0), (2, 3)])
def test_sap_count_of_equal_magnitudes_is_exact_below_the_enclosures_resolution(w, p, q):
    """k equal non-zero magnitudes with eta_r = 0: r = k exactly.  Here d = 3, k = 2, so
    gamma (d - r) = gamma: the count is 1 at gamma = 1 and 0 for gamma a hair (2^-10000) below 1,
    closer than an enclosure of r at EQUALITY_BITS (8192) resolves."""
    assert sap_prune_count(w, p, q, gamma=1) == 1
    assert sap_prune_count(w, p, q, gamma=1 - Fraction(1, 2**10000)) == 0


def test_count_and_bound_from_one_reading():
    w = [3.0, -1.0, 0.5, 2.0, 0.0]
    kwargs = {"p": 0.5, "q": 1.0, "eta_r": 0.25, "gamma": 2, "beta": 0.5}
    count, bound = sap_count_and_bound(w, **kwargs, dps=40)
    assert count == sap_prune_count(w, **kwargs)
    assert bound == pqi_bound(w, 0.5, 1.0, 0.25, dps=40)
    assert sap_count_and_bound([0.0, -0.0], **kwargs) == (0, None)


def test_count_and_bound_defaults_are_those_of_sap_prune_count_and_pqi_bound():
    """eta_r defaults to 0 as in sap_prune_count and pqi_bound (contract §2); here eta_r = 1 would
    divide r by 4 and prune 4 entries instead of 1."""
    w = [3.0, -1.0, 0.5, 2.0, 0.0, 1.5]
    assert sap_count_and_bound(w) == (sap_prune_count(w), pqi_bound(w))
    assert sap_count_and_bound(w) == sap_count_and_bound(w, p=0.5, q=1.0, eta_r=0, gamma=1, beta=0.9, dps=50)
    assert sap_count_and_bound(w)[0] != sap_count_and_bound(w, eta_r=1)[0]


def _count_at_high_precision(w, p, q, eta_r, gamma, beta):
    """floor(min(gamma (d - r), d beta)) from r at 60 digits; None where y is within 1e-20 of an
    integer (the floor is then not settled at that precision)."""
    with mpmath.workdps(60):
        mags = [abs(_mp(v)) for v in w]
        p, q, eta_r, gamma, beta = (_mp(v) for v in (p, q, eta_r, gamma, beta))
        s_p, s_q = mpmath.fsum(m**p for m in mags if m), mpmath.fsum(m**q for m in mags if m)
        r = (1 + eta_r) ** (-q / (q - p)) * s_p ** (q / (q - p)) / s_q ** (p / (q - p))
        y = min(gamma * (len(w) - r), len(w) * beta)
        if abs(y - mpmath.nint(y)) < mpmath.mpf(10) ** -20:
            return None
        return max(int(mpmath.floor(y)), 0)


def _mp(v):
    v = Fraction(v)
    return mpmath.mpf(v.numerator) / v.denominator


@pytest.mark.parametrize("p, q", [(1, 3), (2, 4), (1, 1.5), (2, 2.5), (0.5, 2)])
def test_sap_counts_agree_with_high_precision(p, q):
    """Integer exponents two apart (r^2 is what the exact path compares), and integer p with a
    fractional q (never the exact-integer path), on small random integer vectors."""
    rng = np.random.default_rng(19)
    checked = 0
    while checked < 12:
        w = rng.integers(0, 9, size=int(rng.integers(2, 9))).tolist()
        eta_r = Fraction(int(rng.integers(0, 3)), 4)
        gamma = Fraction(int(rng.integers(1, 40)), 16)
        expected = _count_at_high_precision(w, p, q, eta_r, gamma, 1) if len(set(w) - {0}) > 1 else None
        if expected is not None:
            assert sap_prune_count(w, p, q, eta_r=eta_r, gamma=gamma, beta=1) == expected, (w, eta_r, gamma)
            checked += 1


def test_structural_shortcuts_of_the_retained_bound():
    """One non-zero entry read exactly (r = 1), and equal magnitudes with eta_r > 0 (r is not d)."""
    assert sap_prune_count([Fraction(1, 3), 0, 0, 0], 0.5, 1, gamma=1, beta=1) == 3
    assert sap_prune_count([Fraction(1, 3)] * 3 + [0], 0.5, 1, gamma=1, beta=1) == 1
    # 4 equal entries, eta_r = 1: r = 4 * 2**(-q/(q-p)) = 1 at p = 1/2, q = 1, so gamma (d - r) = 3 exactly
    assert sap_prune_count([2.0] * 4, 0.5, 1, eta_r=1, gamma=1, beta=1) == 3
    assert sap_prune_count([2.0] * 4, 0.5, 1, eta_r=1, gamma=Fraction(1) - Fraction(1, 10**30), beta=1) == 2


def test_quick_test_never_keeps_nothing_when_float64_loses_the_whole_sum():
    """F(0) = 2^-1000 / (2^-1000 + 2^999) > 0, but 2 eps / (lambda R_0^2) = 2^1999 overflows and the
    float64 sum is 0: k = 0 must not satisfy k >= F(k), so k* = 1; and no floating-point warning
    escapes the quick test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pruning_limit([2.0**-500], [1], 2.0**998).kept == 1


def test_pruning_limit_with_2_eps_beyond_the_float64_quick_range():
    """2 eps = 2^1001 is no normal float of the quick test: the exact path decides, F(1) < 1 <= F(0)."""
    assert pruning_limit([1, 2], [1, 1], Fraction(2) ** 1000).kept == 1


def test_pruning_limit_reals_default_to_50_digits():
    """k* = 1 and R_1 = sqrt(2): the default result is the 50-digit one, not the 51-digit one."""
    default = pruning_limit([1, 1, 1], [1, 1, 1], 10**6)
    assert default.kept == 1
    assert default.radius == pruning_limit([1, 1, 1], [1, 1, 1], 10**6, dps=50).radius
    assert default.radius != pruning_limit([1, 1, 1], [1, 1, 1], 10**6, dps=51).radius
    with mpmath.workdps(60):
        assert abs(default.radius - mpmath.sqrt(2)) < mpmath.mpf(10) ** -49
