"""The SpODE one-step direction (SPEC §2, reference.spode)."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sparsity_oracle.properties import strategies
from sparsity_oracle.reference.spode import spode_direction

DPS = 50
TOLERANCE = mpmath.mpf(10) ** -(DPS - 3)


def _mpf(x):
    x = Fraction(x)
    return mpmath.mpf(x.numerator) / x.denominator


def _dot(a, b):
    return mpmath.fsum(x * y for x, y in zip(a, b))


def test_issue_example():
    with mpmath.workdps(120):
        r = 1 / mpmath.sqrt(3)
        direction = spode_direction([1, 2, 2], [1, 0, 0], r, dps=100)
        for value, exact in zip(direction, (Fraction(5, 9), Fraction(1, 9), Fraction(1, 9))):
            assert abs(value - _mpf(exact)) < mpmath.mpf(10) ** -99


def _assert_close(direction, exact):
    with mpmath.workdps(DPS + 10):
        assert len(direction) == len(exact)
        assert all(abs(v - _mpf(x)) < TOLERANCE for v, x in zip(direction, exact))


def test_parallel_e_gives_the_minimum_norm_point():
    direction = spode_direction([1, 2, 2], [-2, -4, -4], 5)
    _assert_close(direction, (Fraction(1, 9), Fraction(2, 9), Fraction(2, 9)))


def test_smallest_radius_gives_the_minimum_norm_point():
    direction = spode_direction([3, 0, 4], [0, 1, 0], Fraction(1, 5))
    _assert_close(direction, (Fraction(3, 25), 0, Fraction(4, 25)))
    assert direction[1] == 0


def test_exact_zero_component():
    # g = (1, 1), e = (0, 1), r = 1: F = (1/2, 1/2) + (1/2)(-1, 1) = (0, 1)
    direction = spode_direction([1, 1], [0, 1], 1)
    assert direction[0] == 0
    _assert_close(direction, (0, 1))


vectors = st.lists(strategies.exact_reals(4), min_size=1, max_size=5)


@settings(max_examples=60)
@given(g=vectors, e_seed=st.lists(st.integers(-4, 4), min_size=5, max_size=5), stretch=st.fractions(1, 4))
def test_solves_the_constrained_problem(g, e_seed, stretch):
    assume(any(g))
    e = e_seed[: len(g)]
    with mpmath.workdps(DPS + 20):
        norm_g = mpmath.sqrt(_dot(*[[_mpf(v) for v in g]] * 2))
        r = _mpf(stretch) * (1 + mpmath.mpf(10) ** -40) / norm_g  # safely >= 1/|g| after rounding
        direction = spode_direction(g, e, r, dps=DPS)
        gm, em = [_mpf(v) for v in g], [_mpf(v) for v in e]
        assert abs(_dot(gm, direction) - 1) < TOLERANCE
        norm_f = mpmath.sqrt(_dot(direction, direction))
        assert norm_f <= r * (1 + TOLERANCE)
        # any other feasible point: v = g/|g|^2 + u with u orthogonal to g and |v| <= r
        # (for len(g) = 1 the feasible set is the single point g/|g|^2)
        rng = np.random.default_rng(len(g))
        for _ in range(5 if len(g) > 1 else 0):
            u = [_mpf(float(x)) for x in rng.standard_normal(len(g))]
            u = [a - _dot(u, gm) / norm_g**2 * b for a, b in zip(u, gm)]
            room = mpmath.sqrt(max(r**2 - 1 / norm_g**2, 0))
            size = mpmath.sqrt(_dot(u, u))
            if size:
                v = [b / norm_g**2 + room * a / size for a, b in zip(u, gm)]
                assert _dot(em, v) <= _dot(em, direction) + TOLERANCE * (1 + abs(_dot(em, direction)))


@pytest.mark.parametrize(
    "args, error, match",
    [
        (([1, 2, 2], [1, 0, 0], Fraction(1, 4)), ValueError, "r must be"),
        (([1, 2, 2], [1, 0, 0], -1), ValueError, "r must be"),
        (([0, 0], [1, 0], 1), ValueError, "g must be non-zero"),
        (([1, 2], [1, 0, 0], 1), ValueError, "same length"),
        (([], [], 1), ValueError, "g must be non-empty"),
        (([1, float("nan")], [1, 0], 1), ValueError, r"g\[1\]"),
        (([1, 1], [1, 1j], 1), TypeError, r"e\[1\]"),
        (([1, 1], [1, 1], float("inf")), ValueError, "r must be finite"),
        (([1, 1], [1, 1], 1), ValueError, "dps"),
        (([1e-200], [1], 1), ValueError, r"r must be >= 1/\|\|g\|\| = sqrt\(1.0000000000000001e\+400\)"),
        (([1e200], [1], 0), ValueError, "r must be"),
    ],
)
def test_rejects_bad_input(args, error, match):
    kwargs = {"dps": 0} if match == "dps" else {}
    with pytest.raises(error, match=match):
        spode_direction(*args, **kwargs)
