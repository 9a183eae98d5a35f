"""The sparsity measures of Hurley & Rickard (contract §2, reference.measures)."""

import math
from fractions import Fraction
from itertools import product

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsity_oracle.reference import _inputs
from sparsity_oracle.reference.gini import gini, gini_fraction
from sparsity_oracle.properties import strategies
from sparsity_oracle.reference.measures import MEASURES, hoyer
from sparsity_oracle.reference.pqi import pq_index

DPS = 40
TOLERANCE = mpmath.mpf(10) ** (5 - DPS)
#: Absolute slack for the straight formulas, which lose ~30 digits to cancellation at worst
#: (e.g. hoyer of a constant vector is exactly 0; the formula gives ~1e-71).
BRUTE_SLACK = mpmath.mpf(10) ** -(DPS + 20)

vectors = st.lists(strategies.exact_reals(1000), min_size=2, max_size=7).filter(lambda w: any(w))


def _mpf(x):
    x = Fraction(x)
    return mpmath.mpf(x.numerator) / x.denominator


def _u_theta(c, theta):
    c = sorted(c)
    n = len(c)
    if c[-1] == c[0]:
        return mpmath.mpf(0)
    window = math.ceil(Fraction(theta) * n)
    spans = [c[j] - c[i] for i in range(n) for j in range(i, n) if j - i + 1 >= window]
    return 1 - min(spans) / (c[-1] - c[0])


def _power_mean(c, r):
    return (mpmath.fsum(x**r for x in c) / len(c)) ** (1 / mpmath.mpf(r))


#: name -> (keyword parameters, the contract §2 formula on c = |w| evaluated straight in mpmath)
BRUTE = {
    "l0": ({}, lambda c: sum(1 for x in c if x == 0)),
    "l0_eps": ({"eps": 0.5}, lambda c: sum(1 for x in c if x <= 0.5)),
    "neg_l1": ({}, lambda c: -mpmath.fsum(c)),
    "neg_lp": ({"p": 0.5}, lambda c: -mpmath.fsum(mpmath.sqrt(x) for x in c) ** 2),
    "l2_over_l1": ({}, lambda c: mpmath.sqrt(mpmath.fsum(x**2 for x in c)) / mpmath.fsum(c)),
    "neg_tanh": ({"a": 2, "b": 1.5}, lambda c: -mpmath.fsum(mpmath.tanh((2 * x) ** 1.5) for x in c)),
    "neg_log": ({}, lambda c: -mpmath.fsum(mpmath.log(1 + x**2) for x in c)),
    "kurtosis4": ({}, lambda c: mpmath.fsum(x**4 for x in c) / mpmath.fsum(x**2 for x in c) ** 2),
    "u_theta": ({"theta": 0.5}, lambda c: _u_theta(c, 0.5)),
    "neg_lp_minus": ({"p": -1}, lambda c: mpmath.fsum(1 / x for x in c if x)),
    "gaussian_entropy": (
        {},
        lambda c: mpmath.inf if 0 in c else -mpmath.fsum(mpmath.log(x**2) for x in c),
    ),
    "shannon_entropy": (
        {},
        lambda c: mpmath.fsum(
            t * mpmath.log(t**2)
            for t in (x**2 / mpmath.fsum(y**2 for y in c) for x in c)
            if t
        ),
    ),
    "shannon_entropy_raw": ({}, lambda c: mpmath.fsum(x * mpmath.log(x**2) for x in c if x)),
    "hoyer": (
        {},
        lambda c: (mpmath.sqrt(len(c)) - mpmath.fsum(c) / mpmath.sqrt(mpmath.fsum(x**2 for x in c)))
        / (mpmath.sqrt(len(c)) - 1),
    ),
    "pq_mean": ({"p": 0.5, "q": 2}, lambda c: -_power_mean(c, 0.5) / _power_mean(c, 2)),
    "l1_over_lq": ({"q": 0.25}, lambda c: mpmath.fsum(c) / mpmath.fsum(x**0.25 for x in c if x) ** 4),
    "gini": (
        {},
        lambda c: 1
        - 2
        * mpmath.fsum(
            x / mpmath.fsum(c) * (len(c) - k + mpmath.mpf(1) / 2) / len(c)
            for k, x in enumerate(sorted(c), start=1)
        ),
    ),
    "pq_index": (
        {"p": 0.5, "q": 1},
        lambda c: 1 - mpmath.mpf(len(c)) ** -1 * mpmath.fsum(mpmath.sqrt(x) for x in c) ** 2 / mpmath.fsum(c),
    ),
}


def test_measures_registry_lists_every_measure():
    assert set(MEASURES) == set(BRUTE)
    assert MEASURES["gini"] is gini and MEASURES["pq_index"] is pq_index


@pytest.mark.parametrize("name", sorted(BRUTE))
@settings(max_examples=25)
@given(w=vectors)
def test_measure_matches_its_formula(name, w):
    params, formula = BRUTE[name]
    with mpmath.workdps(DPS + 30):
        expected = formula([abs(_mpf(v)) for v in w])
    value = MEASURES[name](w, **params, dps=DPS)
    if isinstance(expected, int):
        assert type(value) is int and value == expected
    elif mpmath.isinf(expected):
        assert value == expected
    else:
        assert abs(value - expected) <= TOLERANCE * abs(expected) + BRUTE_SLACK


@pytest.mark.parametrize("name", sorted(BRUTE))
def test_defaults_and_precision_are_left_alone(name):
    before = mpmath.mp.dps
    value = MEASURES[name]([3.0, -0.25, 0.0, 1.5])
    assert mpmath.mp.dps == before
    assert isinstance(value, int if name in ("l0", "l0_eps") else mpmath.mpf)


@pytest.mark.parametrize("d", [2, 3, 10, 1000])
@pytest.mark.parametrize("p, q", [(0.5, 1), (1, 2), (Fraction(1, 10), 3)])
def test_one_hot_closed_forms(d, p, q):
    w = np.zeros(d)
    w[d // 2] = -7.5
    with mpmath.workdps(60):
        expected = 1 - mpmath.mpf(d) ** (1 / _mpf(q) - 1 / _mpf(p))
    assert abs(pq_index(w, p, q, dps=50) - expected) < mpmath.mpf(10) ** -48
    assert gini_fraction(_inputs.magnitudes(w)) == 1 - Fraction(1, d)


@pytest.mark.parametrize("d", [1, 2, 5, 64])
def test_constant_vector_is_not_sparse(d):
    w = [-2.5] * d
    assert pq_index(w) == 0
    assert gini(w) == 0
    if d > 1:
        assert hoyer(w) == 0


@settings(max_examples=40)
@given(w=vectors)
def test_hoyer_is_rescaled_pq_index_1_2(w):
    d = len(w)
    with mpmath.workdps(DPS + 10):
        root = mpmath.sqrt(d)
        expected = root / (root - 1) * pq_index(w, 1, 2, dps=DPS + 10)
    value = hoyer(w, dps=DPS)
    assert abs(value - expected) <= TOLERANCE * max(abs(expected), mpmath.mpf(10) ** -20)


@settings(max_examples=40)
@given(w=st.lists(st.floats(-1e6, 1e6, allow_nan=False) | st.fractions(-9, 9), min_size=1, max_size=9))
def test_gini_equals_mean_difference_form_exactly(w):
    c = [abs(Fraction(v)) for v in w]
    if not any(c):
        return
    n = len(c)
    mean_difference = sum(abs(a - b) for a, b in product(c, c)) / (2 * n * sum(c))
    assert gini_fraction(_inputs.magnitudes(w)) == mean_difference


def test_exact_zeros_are_exact():
    assert MEASURES["shannon_entropy"]([0, -3.5, 0]) == 0
    assert MEASURES["gaussian_entropy"]([2, 0.5, -1]) == 0
    assert MEASURES["shannon_entropy_raw"]([1, 0, -1]) == 0
    assert MEASURES["u_theta"]([4, 4, 4], theta=1) == 0
    for name in ("neg_l1", "neg_lp", "neg_tanh", "neg_log", "neg_lp_minus", "shannon_entropy_raw"):
        assert MEASURES[name]([0.0, 0.0]) == 0


def test_gaussian_entropy_is_infinite_with_a_zero():
    assert MEASURES["gaussian_entropy"]([1.5, 0.0]) == mpmath.inf
    assert MEASURES["gaussian_entropy"]([0]) == mpmath.inf


def test_counts_read_eps_exactly():
    w = [0.1, Fraction(1, 10), 0.2]
    assert MEASURES["l0_eps"](w, eps=0.1) == 2  # the double 0.1 exceeds 1/10
    assert MEASURES["l0_eps"](w, eps=Fraction(1, 10)) == 1
    assert MEASURES["l0_eps"](w, eps=Fraction(1, 5)) == 2
    assert MEASURES["l0"]([0, -0.0, 1e-300]) == 2


def test_u_theta_window():
    # sorted c = (0, 1, 2, 10): theta = 1/2 -> windows of 2 entries, narrowest span 1 of range 10
    with mpmath.workdps(60):
        assert abs(MEASURES["u_theta"]([10, 0, 2, 1], theta=0.5) - mpmath.mpf("0.9")) < mpmath.mpf(10) ** -49
    assert MEASURES["u_theta"]([10, 0, 2, 1], theta=1) == 0
    assert MEASURES["u_theta"]([10, 0, 2, 1], theta=0.25) == 1


def test_pq_mean_is_pq_index_minus_one():
    w = [3, 1, 0.5, 0]
    with mpmath.workdps(60):
        assert abs(MEASURES["pq_mean"](w, p=1, q=3) - (pq_index(w, 1, 3) - 1)) < mpmath.mpf(10) ** -45


@pytest.mark.parametrize(
    "name", ["l2_over_l1", "kurtosis4", "shannon_entropy", "hoyer", "pq_mean", "l1_over_lq", "gini", "pq_index"]
)
def test_undefined_on_the_zero_vector(name):
    with pytest.raises(ValueError, match="all-zero"):
        MEASURES[name]([0.0, 0.0, 0.0])


def test_hoyer_needs_two_entries():
    with pytest.raises(ValueError, match="N >= 2"):
        hoyer([3.0])


@pytest.mark.parametrize(
    "name, params, argument",
    [
        ("l0_eps", {"eps": 0}, "eps"),
        ("l0_eps", {"eps": -1.0}, "eps"),
        ("neg_lp", {"p": 0}, "p"),
        ("neg_lp", {"p": -0.5}, "p"),
        ("neg_tanh", {"a": 0}, "a"),
        ("neg_tanh", {"b": -1}, "b"),
        ("u_theta", {"theta": 0}, "theta"),
        ("u_theta", {"theta": 1.5}, "theta"),
        ("neg_lp_minus", {"p": 0}, "p"),
        ("neg_lp_minus", {"p": 2}, "p"),
        ("pq_mean", {"p": 0, "q": 1}, "p"),
        ("pq_mean", {"p": 2, "q": 1}, "q"),
        ("l1_over_lq", {"q": 0}, "q"),
        ("l1_over_lq", {"q": 1}, "q"),
        ("neg_l1", {"dps": 0}, "dps"),
        ("l0", {"dps": 2.5}, "dps"),
    ],
)
def test_bad_parameters_raise(name, params, argument):
    with pytest.raises(ValueError, match=argument):
        MEASURES[name]([1.0, 2.0], **params)


@pytest.mark.parametrize("name", sorted(BRUTE))
def test_bad_vectors_raise(name):
    with pytest.raises(ValueError, match="empty"):
        MEASURES[name]([])
    with pytest.raises(ValueError, match=r"w\[1\]"):
        MEASURES[name](np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match=r"w\[0\]"):
        MEASURES[name]([1j, 2.0])
    with pytest.raises(TypeError):
        MEASURES[name]("abc")
