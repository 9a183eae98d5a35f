"""The SpODE one-step direction (contract §2, reference.spode)."""

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


# --- the pieces of one PSO step (reference.spode) ----------------------------------------------
# Test vectors: shared/research/spode-pso-algorithm.md §5 (mpmath at 40 digits).

from sparsity_oracle.reference import spode  # noqa: E402

CLOSE = mpmath.mpf(10) ** -24  # the notes print 25 digits


def _close(values, expected, tolerance=CLOSE):
    assert len(values) == len(expected)
    with mpmath.workdps(60):
        for v, x in zip(values, expected):
            assert abs(v - mpmath.mpf(x)) < tolerance, (v, x)


def test_one_step_tv6():
    # theta = (1, 1), identity polariser, E = ((m1 - 1)^2 + (m2 - 1/2)^2)/2, G = l2, m0 = (1, 1)
    m0 = [1, 1]
    g = [-v for v in spode.sparsity_index_gradient(m0)]
    assert g == [mpmath.mpf(-0.5)] * 2
    e = [0, Fraction(-1, 2)]
    m1 = spode.euler_step(m0, g, e, Fraction(1, 10), Fraction(11, 10))
    _close(m1, ["0.9458257569495584000658805", "0.8541742430504415999341195"])
    _close([spode.sparsity_index(m1)], ["0.9011659114724657626206947"])
    # with radius^2 = 17/16 the step is rational: m1 = (0.925, 0.875), G = sqrt(0.810625)
    with mpmath.workdps(60):
        r = mpmath.sqrt(mpmath.mpf(17) / 16)
        m1 = spode.euler_step(m0, g, e, Fraction(1, 10), r, dps=40)
        _close(m1, ["0.925", "0.875"], mpmath.mpf(10) ** -35)


def test_schedule_values():
    dts = spode.step_sizes(Fraction(1, 50), 100, dps=30)  # the notes' 0.02 is decimal
    _close([dts[0], dts[1], dts[99]],
           ["0.038364915242696609533", "0.036893048521117314883", "0.00079791005654455947402"],
           mpmath.mpf(10) ** -21)
    with mpmath.workdps(40):
        # l_k = (1/50)^{k/N}; l_50 = sqrt(1/50)
        assert abs(mpmath.fsum(dts) - mpmath.mpf("0.98")) < mpmath.mpf(10) ** -28
        assert abs(1 - mpmath.fsum(dts[:50]) - mpmath.sqrt(mpmath.mpf(1) / 50)) < mpmath.mpf(10) ** -28
    assert spode.step_sizes(Fraction(1, 2), 4, "lin") == (mpmath.mpf(0.125),) * 4
    assert spode.step_sizes(1, 3) == (0, 0, 0)


def _regression_run(norm: str, steps: int = 10):
    """TV7: E(m) = |A (m theta) - b|^2 / 2, identity polariser, exp schedule 1 -> 1/2, r = 1.1."""
    theta = [1, Fraction(-1, 2), Fraction(1, 4), 2]
    a = [[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]]
    b = [1, 1, 0]
    m = [mpmath.mpf(1)] * 4
    levels = [spode.sparsity_index(m, norm)]
    for dt in spode.step_sizes(Fraction(1, 2), steps, dps=40):
        w = [x * t for x, t in zip(m, theta)]
        residual = [sum(a_ij * w_j for a_ij, w_j in zip(row, w)) - b_i for row, b_i in zip(a, b)]
        grad_w = [sum(a[i][j] * residual[i] for i in range(3)) for j in range(4)]
        e = [-t * gw for t, gw in zip(theta, grad_w)]
        g = [-v for v in spode.sparsity_index_gradient(m, norm, dps=40)]
        m = list(spode.euler_step(m, g, e, dt, Fraction(11, 10), dps=40))
        levels.append(spode.sparsity_index(m, norm, dps=40))
    return m, levels, theta


@pytest.mark.parametrize("norm, final, level", [
    ("l2", ["0.4768646858315407427776712", "0.4873049394325339539068002", "0.4754543841401562524411015",
            "0.5693512817665632520147107"], "0.5037568327169080209"),
    ("l1", ["0.4332285833120922975716357", "0.519817169807532931055866", "0.4850312297092501319641261",
            "0.5619230171711246394083722"], "0.5"),
])
def test_ten_step_regression_run_tv7(norm, final, level):
    with mpmath.workdps(40):
        m, levels, theta = _regression_run(norm)
        _close(m, final, mpmath.mpf(10) ** -20)
        _close([levels[-1]], [level], mpmath.mpf(10) ** -18)
        scores = spode.update_scores(None, [Fraction(v) if isinstance(v, int) else _exact(v) for v in m], theta)
        assert spode.final_mask(scores, 0.5).tolist() == [True, False, False, True]


def _exact(x):
    man, exp = x.man_exp
    return (-1 if x < 0 else 1) * Fraction(int(man)) * Fraction(2) ** int(exp)


def test_l2_g_path_identity_and_l1_exact_decrease():
    """The notes' G recursion under Euler (r relative), G_{k+1}^2 = (G_k - dt)^2 + (r^2 - 1) dt^2,
    and the l1 index falling by exactly dt while m > 0."""
    with mpmath.workdps(40):
        dts = spode.step_sizes(Fraction(1, 2), 10, dps=40)
        _, levels, _ = _regression_run("l2")
        for k, dt in enumerate(dts):
            expected = (levels[k] - dt) ** 2 + (mpmath.mpf("1.21") - 1) * dt**2
            assert abs(levels[k + 1] ** 2 - expected) < mpmath.mpf(10) ** -30
        _, levels, _ = _regression_run("l1")
        for k, dt in enumerate(dts):
            assert abs(levels[k] - levels[k + 1] - dt) < mpmath.mpf(10) ** -30


def test_polariser_keeps_floor_level_d_with_ties_pruned_first():
    theta = [3, 1, 1, 2, 1]
    m = [1, 1, 1, 1, 1]
    # level 0.5: keep floor(2.5) = 2 of |m theta| = (3, 1, 1, 2, 1)
    assert spode.polarise(m, theta, 0.5).tolist() == [True, False, False, True, False]
    # level 0.8: keep 4; the three tied 1s lose their first entry
    assert spode.polarise(m, theta, Fraction(4, 5)).tolist() == [True, False, True, True, True]
    # level 0.8 as a float (just above 4/5): floor(4.000...) = 4
    assert spode.polarise(m, theta, 0.8).tolist() == [True, False, True, True, True]
    # level 0.7999... (just below 4/5): floor(3.999...) = 3
    assert spode.polarise(m, theta, Fraction(4, 5) - Fraction(1, 10**20)).tolist() == [True, False, False, True, True]
    assert spode.polarise(m, theta, 2).all() and not spode.polarise(m, theta, 0).any()
    # signs do not matter: the product's magnitude ranks
    assert spode.polarise([-1, 2], [3, -1], Fraction(1, 2)).tolist() == [True, False]


def test_final_mask_prunes_floor_of_the_exact_count():
    scores = [Fraction(1)] * 10
    assert spode.final_mask(scores, Fraction(1, 10)).sum() == 1  # c = 9
    assert spode.final_mask(scores, 0.1).tolist() == [False] * 8 + [True] * 2  # 0.1 > 1/10: c = 8
    # signed scores; c = 3 of 5 at density 2/5: both -1s, then the first of the tied 0.5s
    assert spode.final_mask([0.5, -1, 2, -1, 0.5], Fraction(2, 5)).tolist() == [False, False, True, False, True]
    assert spode.final_mask([3, 1], 0).tolist() == [False, False]
    assert spode.final_mask([3, 1], 1).tolist() == [True, True]


def test_update_scores_with_momentum():
    s = spode.update_scores(None, [1, -0.5], [2, 3])
    assert s == (2, Fraction(3, 2))
    assert spode.update_scores(s, [0, 1], [5, -1], Fraction(9, 10)) == (Fraction(9, 5), 1 + Fraction(27, 20))


vectors3 = st.lists(strategies.exact_reals(4), min_size=1, max_size=4)


@settings(max_examples=40)
@given(m=vectors3, g_seed=vectors3, e_seed=vectors3, dt=st.fractions(0, 1, max_denominator=16),
       radius=st.fractions(1, 3, max_denominator=8))
def test_euler_step_moves_dt_along_g_with_relative_radius(m, g_seed, e_seed, dt, radius):
    d = min(len(m), len(g_seed), len(e_seed))
    m, g, e = m[:d], g_seed[:d], e_seed[:d]
    assume(any(g))
    with mpmath.workdps(DPS + 20):
        new = spode.euler_step(m, g, e, dt, radius, dps=DPS)
        step = [a - _mpf(b) for a, b in zip(new, m)]
        gm = [_mpf(v) for v in g]
        assert abs(_dot(gm, step) - _mpf(dt)) < TOLERANCE
        # ||m' - m|| ||g|| = dt radius, or dt when e is collinear with g (e_perp = 0, exactly)
        gf, ef = [Fraction(v) for v in g], [Fraction(v) for v in e]
        along = sum(a * b for a, b in zip(gf, ef)) / sum(a * a for a in gf)
        collinear = all(b == along * a for a, b in zip(gf, ef))
        norm_step = mpmath.sqrt(_dot(step, step)) * mpmath.sqrt(_dot(gm, gm))
        expected = _mpf(dt) * (1 if collinear else _mpf(radius))
        assert abs(norm_step - expected) < TOLERANCE * (1 + expected)


@pytest.mark.parametrize("call, error, match", [
    (lambda: spode.euler_step([1], [1], [0], 0.1, 0.5), ValueError, "radius must be >= 1"),
    (lambda: spode.euler_step([1], [1], [0], -0.1, 1.1), ValueError, "dt must be >= 0"),
    (lambda: spode.euler_step([1, 1], [1], [0], 0.1, 1.1), ValueError, "same length"),
    (lambda: spode.euler_step([1], [0], [0], 0.1, 1.1), ValueError, "g must be non-zero"),
    (lambda: spode.sparsity_index([1], "l3"), ValueError, "norm must be one of"),
    (lambda: spode.sparsity_index_gradient([0, 0]), ValueError, "no gradient at m = 0"),
    (lambda: spode.sparsity_index([]), ValueError, "m must be non-empty"),
    (lambda: spode.polarise([1], [1], -0.5), ValueError, "level must be >= 0"),
    (lambda: spode.polarise([1, 2], [1], 0.5), ValueError, "same length"),
    (lambda: spode.polarise([1, float("inf")], [1, 1], 0.5), ValueError, r"m\[1\]"),
    (lambda: spode.final_mask([1], 1.5), ValueError, r"density must lie in \[0, 1\]"),
    (lambda: spode.step_sizes(0.5, 0), ValueError, "steps must be a positive integer"),
    (lambda: spode.step_sizes(2, 5), ValueError, "target must be <= start"),
    (lambda: spode.step_sizes(0, 5), ValueError, "target must be > 0"),
    (lambda: spode.step_sizes(0.5, 5, "cos"), ValueError, "schedule must be one of"),
    (lambda: spode.update_scores(None, [1], [1], -1), ValueError, "momentum must be >= 0"),
    (lambda: spode.update_scores([1, 2], [1], [1]), ValueError, "same length"),
])
def test_pieces_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_slides_closed_form_as_printed_and_as_meant():
    """The slides print x = sqrt(((r^2 - 1)/(||g|| ||e||)^2 - (g^T e)^2)), y = (1 - g^T e x)/||g||^2
    and the collinear test ||g|| ||e|| = |g^T e|^2.  Read with the denominator bracketed,
    x = sqrt((r^2 - 1)/((||g|| ||e||)^2 - (g^T e)^2)) with the relative r (the authors' code), and
    with the test ||g|| ||e|| = |g^T e|, F = x e + y g is ``spode_direction`` (TV3 of the notes);
    as printed, x is imaginary on TV3 and the collinear test misses e = 2 g."""
    g, e = [1, 2, 2], [1, 0, 0]
    with mpmath.workdps(40):
        r_rel = mpmath.sqrt(3)
        gg, ee, ge = 9, 1, 1
        as_printed = (r_rel**2 - 1) / (mpmath.sqrt(gg) * mpmath.sqrt(ee)) ** 2 - ge**2
        assert as_printed < 0  # 2/9 - 1: x = sqrt(negative)
        x = mpmath.sqrt((r_rel**2 - 1) / (gg * ee - ge**2))
        y = (1 - ge * x) / gg
        meant = [x * b + y * a for a, b in zip(g, e)]
        _close(spode.spode_direction(g, e, r_rel / 3, dps=40), meant, mpmath.mpf(10) ** -35)
        _close(meant, [mpmath.mpf(5) / 9, mpmath.mpf(1) / 9, mpmath.mpf(1) / 9], mpmath.mpf(10) ** -35)
    g, e = [1, 0], [2, 0]  # collinear; ||g|| ||e|| = 2 but |g^T e|^2 = 4: the printed test says "not"
    assert 1 * 2 != abs(2) ** 2 and 1 * 2 == abs(2)
    assert spode.spode_direction(g, e, 2) == (1, 0)  # the collinear branch g/||g||^2
