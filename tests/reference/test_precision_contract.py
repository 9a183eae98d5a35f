"""contract §2 precision contract of the scalar reference functions: dps digits, certified
enclosures that contain the value recomputed at three times the digits, mp.dps untouched."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sparsity_oracle import reference
from sparsity_oracle.reference._precision import endpoints, refine, relative_width

SCALARS = {
    "pq_index(0.5,1)": lambda w, **k: reference.pq_index(w, 0.5, 1.0, **k),
    "pq_index(0.1,1)": lambda w, **k: reference.pq_index(w, 0.1, 1.0, **k),
    "pq_index(1,2)": lambda w, **k: reference.pq_index(w, 1, 2, **k),
    "pq_index(1.5,4)": lambda w, **k: reference.pq_index(w, 1.5, 4, **k),
    "gini": lambda w, **k: reference.gini(w, **k),
    "pqi_bound(0.5,1,0.1)": lambda w, **k: reference.pqi_bound(w, 0.5, 1.0, 0.1, **k),
    "eta(r=1,0.5)": lambda w, **k: reference.eta(w, 1, 0.5, **k),
}

nonzero_vectors = hnp.arrays(
    st.sampled_from([np.float16, np.float32, np.float64]),
    st.integers(2, 40),
    elements=st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, width=16),
).filter(lambda w: np.any(w))


@pytest.mark.parametrize("name", sorted(SCALARS))
@given(w=nonzero_vectors, dps=st.sampled_from([15, 30, 50]))
def test_certified_encloses_value_at_three_times_the_digits(name, w, dps):
    f = SCALARS[name]
    enclosure = f(w, dps=dps, certified=True)
    assert isinstance(enclosure, mpmath.ctx_iv.ivmpf)
    assert relative_width(enclosure) <= mpmath.mpf(10) ** -dps
    precise = f(w, dps=3 * dps)
    lo, hi = endpoints(enclosure)
    with mpmath.workdps(4 * dps):
        assert lo <= precise <= hi
        value = f(w, dps=dps)
        assert abs(value - precise) <= mpmath.mpf(10) ** -dps * abs(precise)


def test_mp_precision_is_left_unchanged():
    before = mpmath.mp.dps, mpmath.iv.prec
    reference.pq_index([1, 2, 3], dps=120, certified=True)
    reference.gini([1, 2, 3], dps=120)
    assert (mpmath.mp.dps, mpmath.iv.prec) == before


def test_high_precision_request_is_met():
    with mpmath.workdps(320):
        value = reference.pq_index([1, 2], 1, 2, dps=300)
        exact = 1 - mpmath.sqrt(2) ** -1 * 3 / mpmath.sqrt(5)
        assert abs(value - exact) < mpmath.mpf(10) ** -300 * exact


def test_pqi_of_equal_magnitudes_is_exactly_zero():
    assert reference.pq_index([-2.5, 2.5, 2.5]) == 0
    lo, hi = endpoints(reference.pq_index([7] * 5, certified=True))
    assert lo == hi == 0


def test_near_constant_vector_resolves_a_tiny_nonzero_pqi():
    w = [Fraction(1), Fraction(1) + Fraction(1, 10**30)]
    value = reference.pq_index(w, 0.5, 1, dps=20, certified=True)
    lo, hi = endpoints(value)
    assert 0 < lo <= hi < mpmath.mpf(10) ** -59
    assert relative_width(value) <= mpmath.mpf(10) ** -20


@pytest.mark.parametrize("scale,power_of_two", [(2.0**-1060, 1000), (1e-300, 990), (1e300, -990), (2.0**1000, -990)])
def test_huge_and_tiny_magnitudes_give_the_scale_free_value(scale, power_of_two):
    extreme = np.array([1.0, 0.25, 3.0, 0.0, 0.125]) * scale
    moderate = extreme * 2.0**power_of_two  # an exact rescaling
    for f in (lambda w: reference.pq_index(w, 0.1, 1.0), reference.gini):
        with mpmath.workdps(60):
            assert abs(f(extreme) - f(moderate)) <= mpmath.mpf(10) ** -48


def test_pqi_bound_one_hot_and_constant():
    assert reference.pqi_bound([0, 0, 4.0, 0], 0.5, 1) == 1
    with mpmath.workdps(60):
        assert abs(reference.pqi_bound([3, 3, 3], 0.5, 1, 1) - 3 * mpmath.mpf(2) ** -2) < 1e-50


def test_eta_matches_its_definition():
    w = [4, 1, 0, 9, 1]
    with mpmath.workdps(60):
        expected = (mpmath.mpf(1) + 1 + 0) / (mpmath.sqrt(9) + mpmath.sqrt(4))
        assert abs(reference.eta(w, 2, 0.5) - expected) < 1e-50
    assert reference.eta(w, 4, 0.5) == 0
    assert reference.eta(w, len(w), 0.5) == 0  # r = d: nothing is left out


@pytest.mark.parametrize("name,call", [
    ("pq_index", lambda w, **kw: reference.pq_index(w, **kw)),
    ("pqi_bound", lambda w, **kw: reference.pqi_bound(w, **kw)),
    ("eta", lambda w, **kw: reference.eta(w, 2, 0.5, **kw)),
    ("gini", lambda w, **kw: reference.gini(w, **kw)),
])
def test_the_default_precision_is_50_digits(name, call):
    """contract §2: ``dps=50`` by default; the value is rounded to the digits asked for, so the
    default's value is dps=50's and differs from dps=51's for this vector."""
    w = [3.0, 1.0, 0.5, 0.25]
    assert call(w) == call(w, dps=50)
    assert call(w) != call(w, dps=51)


@pytest.mark.parametrize("name", ["pq_index(0.5,1)", "gini", "pq_index(1,2)"])
def test_an_exactly_zero_value_is_a_number_unless_certified(name):
    """A constant vector's PQI and Gini are exactly 0: an mpf, or the enclosure [0, 0]."""
    value = SCALARS[name]([2.0, -2.0, 2.0])
    assert type(value) is mpmath.mpf and value == 0
    enclosure = SCALARS[name]([2.0, -2.0, 2.0], certified=True)
    assert type(enclosure) is type(mpmath.iv.mpf(0)) and endpoints(enclosure) == (0, 0)


def test_refine_names_the_digits_and_bits_when_an_enclosure_stays_wide():
    """An enclosure that never narrows: refine doubles from 41 bits (5 digits + 24 guard bits)
    while the precision is at most 64 x 41 + EQUALITY_BITS = 10816, and gives up at 20992."""
    with pytest.raises(ArithmeticError, match=r"^could not reach 5 digits: the enclosure stayed wide at 20992 bits$"):
        refine(lambda bits: mpmath.iv.mpf([1, 2]), 5, False)
