"""The public strategies draw what they promise."""

from fractions import Fraction

from hypothesis import given, settings

from sparsity_oracle.properties import strategies as strat


@settings(max_examples=60)
@given(strat.vectors(max_size=40))
def test_vectors_are_non_negative_non_zero_floats(c):
    assert 2 <= len(c) <= 40
    assert all(isinstance(v, float) and v >= 0 for v in c)
    assert any(c)


@settings(max_examples=60)
@given(strat.vectors(max_size=10, grid_only=True), strat.scales(dyadic_only=True), strat.transfer_fractions(dyadic_only=True))
def test_grid_arithmetic_is_exact(c, s, t):
    top, low = Fraction(max(c)), Fraction(min(c))
    alpha = t * (top - low) / 2
    for value in (top - alpha, low + alpha, low + s * top):
        if value < 2**1000:
            assert Fraction(float(value)) == value


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
