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
