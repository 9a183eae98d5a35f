"""The dyadic power-sum kernel against one interval power per entry, at three times the digits."""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mpmath import iv

from sparsity_oracle.reference import _powersum
from sparsity_oracle.reference._inputs import exact_real, magnitudes
from sparsity_oracle.reference._powersum import direct_power_sum, dyadic_power_sum, power_sum
from sparsity_oracle.reference._precision import endpoints, precision, relative_width

EXPONENTS = st.sampled_from(
    [Fraction(1, 2), Fraction(0.1), Fraction(1, 10), Fraction(1), Fraction(2), Fraction(3, 2),
     Fraction(4), Fraction(7, 3), Fraction(1, 1000)]
)


def float_vectors(dtype):
    finite = st.floats(allow_nan=False, allow_infinity=False, width=np.dtype(dtype).itemsize * 8)
    return hnp.arrays(dtype, st.integers(1, 60), elements=finite | st.just(0.0))


def assert_encloses(outer, inner):
    outer_lo, outer_hi = endpoints(outer)
    inner_lo, inner_hi = endpoints(inner)
    assert outer_lo <= inner_lo and inner_hi <= outer_hi, (outer, inner)


@given(st.one_of(float_vectors(np.float16), float_vectors(np.float32), float_vectors(np.float64)), EXPONENTS)
def test_kernel_encloses_the_direct_sum_computed_with_three_times_the_bits(w, p):
    m = magnitudes(w)
    with precision(600):
        reference = direct_power_sum(m, p)
    with precision(200):
        fast = power_sum(m, p)
        assert relative_width(fast) < mpmath.mpf(2) ** -180
    assert_encloses(fast, reference)


def test_integer_exponent_is_exact():
    m = magnitudes(np.array([3.0, 0.5, 2.0**-1074, 1e300]))
    with precision(4500):  # 1e600 and 2^-2148 differ by 2^4141
        lo, hi = endpoints(power_sum(m, Fraction(2)))
    exact = sum(Fraction(v) ** 2 for v in (3.0, 0.5, 2.0**-1074, 1e300))
    assert exact_real(lo, 'lo') == exact_real(hi, 'hi') == exact



def test_kernel_sum_with_p_1_is_the_exact_l1_norm():
    """p = 1 ends the series after the first moment (C(1, 2) = 0): the table kernel then adds
    the entries' remainders exactly, and S_1 = sum |w_i| comes out as a point."""
    w = np.random.default_rng(6).standard_normal(2 * _powersum.DYADIC_MIN_ENTRIES)
    m = magnitudes(w)
    with precision(300):
        lo, hi = endpoints(dyadic_power_sum(m.dyadic, Fraction(1)))
    assert exact_real(lo, "lo") == exact_real(hi, "hi") == sum(map(abs, m.exact()))

def test_float32_data_uses_24_bit_mantissas():
    w = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    assert magnitudes(w).dyadic.width <= 24


def test_many_entries_sharing_one_table_group_do_not_overflow_the_limbs():
    w = np.full(200_000, np.float32(1.9999998))
    with precision(200):
        fast = dyadic_power_sum(magnitudes(w).dyadic, Fraction(1, 3))
    with precision(600):
        reference = direct_power_sum(magnitudes(w[:1]), Fraction(1, 3)) * 200_000
    assert_encloses(fast, reference)


@pytest.mark.parametrize("n", [1, 2, 100, 1000, 10**4, 10**6, 2**22, 2**30, 2**40])
def test_table_bits_give_about_sqrt_n_table_entries_between_8_and_2048(n):
    """t table bits give 2^(t-1) table entries (the leading bit is set): about sqrt(n) of them
    (within a factor 3), clipped to [2^3, 2^11]."""
    entries = 2 ** (_powersum.table_bits(n) - 1)
    assert 8 <= entries <= 2048
    if 8 < entries < 2048:
        assert math.sqrt(n) / 3 < entries <= math.sqrt(n)
    else:
        assert entries == (8 if math.sqrt(n) < 3 * 8 else 2048), entries


def test_zero_magnitudes_have_an_exactly_zero_power_sum():
    m = magnitudes(np.zeros(_powersum.DYADIC_MIN_ENTRIES + 1))
    with precision(200):
        for total in (power_sum(m, Fraction(1, 2)), dyadic_power_sum(m.dyadic, Fraction(7, 3))):
            assert endpoints(total) == (0, 0)


def _same(a, b):
    return endpoints(a) == endpoints(b)


def _precision_with_terms(m, p, terms):
    """The working precision at which the table kernel's series for m has ``terms`` terms."""
    for bits in range(100, 2000):
        with precision(bits):
            if _powersum._layout(m.dyadic, p)[2] == terms:
                return bits
    raise AssertionError(f"no precision gives {terms} terms")


@pytest.mark.parametrize("entries_more, terms_more, kernel", [
    (-1, 0, "direct"), (0, 0, "dyadic"), (0, 1, "direct"), (100, 0, "dyadic"), (100, 1, "direct"),
])
def test_power_sum_uses_the_table_kernel_for_long_vectors_and_short_series_only(entries_more, terms_more, kernel):
    """The kernel (module doc): one interval power per entry below DYADIC_MIN_ENTRIES entries or
    beyond DYADIC_MAX_TERMS series terms (where it is cheaper), the dyadic table kernel otherwise."""
    w = np.random.default_rng(3).standard_normal(_powersum.DYADIC_MIN_ENTRIES + entries_more)
    m, p = magnitudes(w), Fraction(1, 2)
    bits = _precision_with_terms(magnitudes(w), p, _powersum.DYADIC_MAX_TERMS + terms_more)
    with precision(bits):
        direct, dyadic = direct_power_sum(m, p), dyadic_power_sum(m.dyadic, p)
        assert not _same(direct, dyadic)  # the two kernels are told apart by their roundings
        assert _same(power_sum(m, p), direct if kernel == "direct" else dyadic)


def _series_bound(p, u_bits, k):
    """|C(p, k)| 2^(-u_bits k), exactly."""
    c = Fraction(1)
    for j in range(k):
        c *= (p - j) / (j + 1)
    return abs(c) / 2 ** (u_bits * k)


def assert_shortest_series(p, u_bits, prec, terms, eps):
    """K is the smallest count with |C(p, K)| 2^(-u_bits K) <= 2^-(prec + 8), and eps bounds
    that term to the float roundings (module doc); an integer p < K ends the series (eps = 0)."""
    threshold = Fraction(1, 2 ** (prec + 8))
    if eps == 0:
        assert p.denominator == 1 and terms == p + 1
    else:
        assert _series_bound(p, u_bits, terms) <= eps <= _series_bound(p, u_bits, terms) * (1 + Fraction(1, 2**30))
        assert eps <= threshold
    assert terms == 0 or _series_bound(p, u_bits, terms - 1) > threshold


@pytest.mark.parametrize(
    "p, u_bits, prec",
    [(Fraction(1, 10), 3, 200), (Fraction(1, 2), 8, 200), (Fraction(7, 3), 6, 200), (Fraction(1000), 11, 200),
     (Fraction(7001, 7), 4, 200), (Fraction(2**40) + Fraction(1, 3), 41, 300), (Fraction(7, 3), 5, 700),
     (Fraction(3), 3, 200), (Fraction(1, 10**6), 3, 200)],
)
def test_series_length_is_the_shortest_within_the_truncation_bound(p, u_bits, prec):
    assert_shortest_series(p, u_bits, prec, *_powersum._terms(p, u_bits, prec))


@pytest.mark.parametrize(
    "p",
    [Fraction(1, 2), Fraction(7, 3), Fraction(64), Fraction(65), Fraction(1000), Fraction(2**20), Fraction(2**20 + 1),
     Fraction(3 * 2**20), Fraction(10**6) + Fraction(1, 3), Fraction(2**40) + Fraction(1, 3), Fraction(10**30)],
)
@pytest.mark.parametrize("n", [64, 5000])
def test_layout_keeps_p_u_below_one_half_with_the_fewest_table_bits(p, n):
    """t = the mantissa width, or the larger of table_bits(n) and the smallest t with 4 p <= 2^t
    (so p u < p 2^(1-t) <= 1/2 and 2^t < 8 p), s = width - t, and the series is the shortest for
    u < 2^(1-t) (module doc)."""
    x = magnitudes(np.random.default_rng(4).standard_normal(n)).dyadic
    smallest = 0
    while 2**smallest < 4 * p:
        smallest += 1
    with precision(200):
        t, s, terms, eps = _powersum._layout(x, p)
    assert t == min(x.width, max(_powersum.table_bits(n), smallest))
    assert s == x.width - t
    if s:
        assert_shortest_series(p, t - 1, 200, terms, eps)
    else:
        assert (terms, eps) == (1, 0)


def test_a_truncated_sum_is_widened_to_every_sum_within_relative_eps():
    """From T within relative eps of S: S in T / [1 + eps, 1 - eps], no wider (beyond rounding)."""
    eps = Fraction(1, 2**50)
    with precision(200):
        assert _same(_powersum._untruncated(iv.mpf(3), Fraction(0)), iv.mpf(3))
        lo, hi = endpoints(_powersum._untruncated(iv.mpf(3), eps))
    lo, hi = exact_real(lo, "lo"), exact_real(hi, "hi")
    assert lo <= 3 / (1 + eps) and 3 / (1 - eps) <= hi
    assert (hi - lo) / lo <= (3 / (1 - eps) - 3 / (1 + eps)) / (3 / (1 + eps)) + Fraction(1, 2**190)
