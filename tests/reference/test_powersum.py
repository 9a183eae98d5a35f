"""The dyadic power-sum kernel against one interval power per entry, at three times the digits."""

from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

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
