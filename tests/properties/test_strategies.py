"""The public strategies draw what they promise."""

from fractions import Fraction

import pytest
from hypothesis import given, seed, settings

from sparsity_oracle.properties import strategies as strat


@settings(max_examples=60)
@given(strat.vectors(max_size=40))
def test_vectors_are_non_negative_non_zero_floats(c):
    assert 2 <= len(c) <= 40
    assert all(isinstance(v, float) and v >= 0 for v in c)
    assert any(c)


def grid_arithmetic_is_exact(c, s, t):
    """The products the float path forms from a grid vector (a Robin Hood transfer, a scaled
    entry) are exact float64 values, as ``grid_vectors`` promises."""
    top, low = Fraction(max(c)), Fraction(min(c))
    alpha = t * (top - low) / 2
    for value in (alpha, top - alpha, low + alpha, s * top, low + s * top):
        assert Fraction(float(value)) == value


GRID_CASES = (strat.vectors(max_size=10, grid_only=True), strat.scales(dyadic_only=True),
              strat.transfer_fractions(dyadic_only=True))


@settings(max_examples=60)
@given(*GRID_CASES)
def test_grid_arithmetic_is_exact(c, s, t):
    grid_arithmetic_is_exact(c, s, t)


def test_grid_exponents_leave_room_for_the_dyadic_factors():
    """c = [0, 1.265e-321] (a grid entry at 2**-1074) with t = 1/256 underflowed (issue 12)."""
    low, high = strat.GRID_EXPONENTS
    assert low == -1074 + 10 and high + strat.GRID_BITS + 8 + 10 < 1024
    grid_arithmetic_is_exact([0.0, 2.0**low], Fraction(1, 1024), Fraction(1, 256))


@pytest.mark.slow
def test_grid_arithmetic_is_exact_for_seeds_0_to_199():
    """Not flaky: 200 independent seeds (random, not derandomized, no example database), 10 grid
    vectors each (the old exponent range failed for 13 of the seeds 0-59 at this budget)."""
    cases = (strat.grid_vectors(2, 10), *GRID_CASES[1:])
    run = settings(max_examples=10, derandomize=False, database=None)(given(*cases)(grid_arithmetic_is_exact))
    for s in range(200):
        seed(s)(run)()


@given(strat.pq_pairs(), strat.transfer_fractions(), strat.scales())
def test_parameters_are_in_range(pq, t, s):
    assert 0 < pq[0] < pq[1]
    assert 0 < t < 1
    assert s > 0


@settings(max_examples=40)
@given(strat.spode_steps(bits=11))
def test_spode_steps_fit_their_mantissa_bits(case):
    """m, theta and g of a float16 case (11 bits) are exact in float16: numerators below 2**11
    (the small integers of the ties too); g is not all zero; the scalars are in range."""
    for key in ("m", "theta", "g"):
        assert all(abs(v.as_integer_ratio()[0]).bit_length() <= 11 for v in case[key])
    assert any(case["g"]) and len(case["e"]) == len(case["m"])
    assert 0 < case["dt"] <= 0.25 and 1 <= case["radius"] <= 3 and 0 <= case["level"] <= 1
    assert case["kind"] in strat.E_KINDS
