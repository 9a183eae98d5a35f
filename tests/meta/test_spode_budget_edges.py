"""The SpODE / One-shot budgets are exactly the ones docs/oracle.md documents (its second table
"SpODE / PSO"), at their edge, for every dtype and every branch.

``check`` does not judge SpODE: these budgets are the tolerances of tests/gpu_impl/test_gpu_spode.py
(gpu_impl.spode against reference.spode) and tests/experiments/test_oneshot.py (the logged G-path),
where a wider budget would pass unnoticed.  So (1) each budget of ``tolerances`` admits an error
of (1 - EDGE) x the documented budget (written out again in ``meta.documented``, independently of
``tolerances``) and rejects (1 + EDGE) x, at points where every term of the formula carries more
than EDGE of the total (each dtype, each branch); (2) the reference's own SpODE results, shifted by
0.5, 1 -+ EDGE and 2 documented budgets, are judged by ``tolerances`` as they must be.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest

from sparsity_oracle import reference
from sparsity_oracle.oracle import tolerances
from meta import documented
from meta.documented import DTYPES, U
from meta.test_budget_edges import EDGE

#: (error in units of the documented budget, whether the budget must admit it)
SHIFTS = ((0.5, True), (1 - EDGE, True), (1 + EDGE, False), (2.0, False))


def _judged_as_documented(budget: float, documented_budget: float) -> None:
    for scale, admitted in SHIFTS:
        assert (scale * documented_budget <= budget) == admitted, (
            f"an error of {scale} documented budget(s) ({documented_budget:.6g}) is "
            f"{'rejected' if admitted else 'admitted'} by {budget:.6g}")


def _delta(dtype: str, n: int) -> float:
    """delta = 4u (A(n) + 4) of the direction's budget."""
    return 4 * U[dtype] * (documented.summation(n) + 4)


def _tilt_at(dtype: str, n: int, g_norm: float, ratio: float) -> float:
    """A tilt t with t^2 = ratio delta r^2 (r^2 = t^2 + ||g||^-2) to first order in delta."""
    return math.sqrt(ratio * _delta(dtype, n)) / g_norm


# --- (1) each function against its documented formula ------------------------------------------

#: (d, value): G = 1 at m = 1, a negative gradient component, a single entry, a long vector
SPARSITY_INDEX = [(1, 0.75), (100, -0.0625), (1000, 1.0), (3, 2.5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d, value", SPARSITY_INDEX)
def test_sparsity_index_budget_is_the_documented_one(dtype, d, value):
    budget = tolerances.sparsity_index_budget(tolerances.Precision.of(dtype), d, value)
    _judged_as_documented(budget, documented.sparsity_index(dtype, d, value))


def _direction_points(dtype: str):
    """(label, n, ||g||, ||e||, ||e_perp||, t, ||F||) covering every term and branch:
    collinear e (no e_perp term, no tau), t far from the boundary (tau = 2 delta r^2/t), t^2 =
    2.5 delta r^2 (just inside the first branch), t^2 = delta r^2 / 2 and t = 0 (the square-root
    branch)."""
    return [
        ("collinear", 8, 0.25, 3.0, 0.0, 0.5, 4.5),
        ("collinear, n = 1", 1, 2.0, 1.0, 0.0, 1.5, 0.75),
        ("far from the boundary", 8, 0.5, 2.0, 0.25, 1.5, 2.5),
        ("nearly collinear", 100, 0.125, 0.5, 2.0**-10, 3.0, 24.0),
        ("t^2 = 2.5 delta r^2", 8, 0.5, 1.0, 0.75, _tilt_at(dtype, 8, 0.5, 2.5), 2.0),
        ("t^2 = delta r^2 / 2", 8, 0.5, 1.0, 0.75, _tilt_at(dtype, 8, 0.5, 0.5), 2.0),
        ("t = 0", 30, 4.0, 1.0, 1.0, 0.0, 0.25),
    ]


DIRECTION_CASES = [(dtype, *point) for dtype in DTYPES for point in _direction_points(dtype)]


@pytest.mark.parametrize("dtype, label, n, g_norm, e_norm, e_perp_norm, tilt, f_norm", DIRECTION_CASES,
                         ids=[f"{c[1]}-{c[0]}" for c in DIRECTION_CASES])
def test_spode_direction_budget_is_the_documented_one(dtype, label, n, g_norm, e_norm, e_perp_norm, tilt, f_norm):
    budget = tolerances.spode_direction_budget(tolerances.Precision.of(dtype), n, g_norm, e_norm, e_perp_norm,
                                               tilt, f_norm)
    _judged_as_documented(budget, documented.spode_direction(dtype, n, g_norm, e_norm, e_perp_norm, tilt, f_norm))


def _tilt_on_the_boundary(dtype: str, n: int, g_norm: float) -> float:
    """A double t with t^2 = 2 delta r^2 exactly as doubles compute it (``g_norm`` a power of 2)."""
    delta = _delta(dtype, n)
    t = math.sqrt(2 * delta / (1 - 2 * delta)) / g_norm * (1 - 2.0**-44)  # t^2 (1 - 2 delta) = 2 delta / ||g||^2
    for _ in range(3000):
        if t * t == 2 * delta * (t * t + g_norm**-2):
            return t
        t = math.nextafter(t, math.inf)
    raise AssertionError("no double on the boundary")


@pytest.mark.parametrize("dtype", DTYPES)
def test_spode_direction_budget_on_the_branch_boundary_takes_the_first_branch(dtype):
    """At t^2 = 2 delta r^2 exactly, tau = 2 delta r^2/t = t (the square-root branch would give sqrt(2) t)."""
    n, g_norm = 5, 0.5
    t = _tilt_on_the_boundary(dtype, n, g_norm)
    budget = tolerances.spode_direction_budget(tolerances.Precision.of(dtype), n, g_norm, 1.0, 1.0, t, 2.0)
    _judged_as_documented(budget, documented.spode_direction(dtype, n, g_norm, 1.0, 1.0, t, 2.0))


#: (direction budget in units of u, dt, ||m||, ||F||, ||m'||): each term carries a share
EULER = [(7.0, 0.25, 3.0, 6.0, 4.0), (400.0, 0.5, 1.0, 2.0, 1.5), (3.0, 0.01, 0.5, 40.0, 0.75)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("direction_in_u, dt, m_norm, f_norm, result_norm", EULER)
def test_euler_step_budget_is_the_documented_one(dtype, direction_in_u, dt, m_norm, f_norm, result_norm):
    direction = direction_in_u * U[dtype]
    budget = tolerances.euler_step_budget(tolerances.Precision.of(dtype), direction, dt, m_norm, f_norm, result_norm)
    _judged_as_documented(budget, documented.euler_step(dtype, direction, dt, m_norm, f_norm, result_norm))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("log_ratio", [math.log(0.02), math.log(0.5), 0.0, 1.5])
def test_step_size_relative_budget_is_the_documented_one(dtype, log_ratio):
    budget = tolerances.step_size_relative_budget(tolerances.Precision.of(dtype), log_ratio)
    _judged_as_documented(budget, documented.step_size_relative(dtype, log_ratio))


#: (D, G_k, dt, r): the One-shot MLP, a single entry, a small G and a wide radius
G_PATH = [(64 * 128 + 128 * 256 + 256 * 10, 0.5, 0.03, 1.1), (1, 1.0, 0.25, 1.0), (100, 0.04, 0.01, 2.0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d, g_level, dt, radius", G_PATH)
def test_g_path_budget_is_the_documented_one(dtype, d, g_level, dt, radius):
    budget = tolerances.g_path_budget(tolerances.Precision.of(dtype), d, g_level, dt, radius)
    _judged_as_documented(budget, documented.g_path(dtype, d, g_level, dt, radius))


# --- (2) the reference's results, shifted, judged by the budgets ----------------------------------

DPS = 40


def _norm(values):
    return mpmath.sqrt(mpmath.fsum(mpmath.mpf(v) ** 2 for v in values))


def _perp_norm(g, e):
    along = mpmath.fsum(mpmath.mpf(a) * b for a, b in zip(g, e)) / _norm(g) ** 2
    return _norm([b - along * a for a, b in zip(g, e)])


def _shifted(exact, by):
    """``exact`` moved by ``by`` along its first axis: at distance |by| from it."""
    return (exact[0] + by, *exact[1:])


def _distance(a, b):
    return _norm([x - y for x, y in zip(a, b)])


def _absolute_radius(radius: float, g) -> float:
    """The double nearest radius/||g|| that is >= 1/||g|| (radius = 1: t = 0 or just above)."""
    g2 = sum(Fraction(v) ** 2 for v in g)
    r = radius / math.sqrt(float(g2))
    while Fraction(r) ** 2 * g2 < 1:
        r = math.nextafter(r, math.inf)
    return r


#: (label, g, e, r relative to 1/||g||): exact in every dtype (8 significant bits)
DIRECTIONS = [
    ("general", [1.0, -2.0, 0.5, 3.0], [0.25, 1.0, -1.5, 0.75], 1.1),
    ("collinear", [1.0, -2.0, 0.5, 3.0], [-3.0, 6.0, -1.5, -9.0], 1.5),
    ("on the boundary", [2.0, 0.0, -1.0, 2.0], [1.0, 1.0, 0.0, 0.5], 1.0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label, g, e, radius", DIRECTIONS, ids=[c[0] for c in DIRECTIONS])
def test_direction_off_by_twice_its_budget_is_rejected(dtype, label, g, e, radius):
    """reference.spode_direction shifted by 0.5, 1 -+ EDGE and 2 documented budgets."""
    prec = tolerances.Precision.of(dtype)
    with mpmath.workdps(DPS):
        g_norm = _norm(g)
        r = _absolute_radius(radius, g)
        exact = reference.spode_direction(g, e, r, dps=DPS)
        tilt = mpmath.sqrt(max(mpmath.mpf(r) ** 2 - 1 / g_norm**2, 0))
        parameters = (len(g), float(g_norm), float(_norm(e)), float(_perp_norm(g, e)), float(tilt), float(_norm(exact)))
        assert (parameters[3] == 0) == (label == "collinear")
        budget = tolerances.spode_direction_budget(prec, *parameters)
        documented_budget = documented.spode_direction(dtype, *parameters)
        for scale, admitted in SHIFTS:
            error = _distance(_shifted(exact, scale * documented_budget), exact)
            assert (error <= budget) == admitted, (label, dtype, scale)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("e", [[0.25, 1.0, -1.5, 0.75], [-3.0, 6.0, -1.5, -9.0]], ids=["general", "collinear"])
def test_euler_step_off_by_twice_its_budget_is_rejected(dtype, e):
    """reference.euler_step shifted by 0.5, 1 -+ EDGE and 2 documented budgets."""
    m, g, dt, radius = [1.0, 0.5, -0.75, 2.0], [1.0, -2.0, 0.5, 3.0], 0.125, 1.25
    prec = tolerances.Precision.of(dtype)
    with mpmath.workdps(DPS):
        exact = reference.euler_step(m, g, e, dt, radius, dps=DPS)
        g_norm = _norm(g)
        f_norm = float(radius / g_norm)
        direction = (len(g), float(g_norm), float(_norm(e)), float(_perp_norm(g, e)),
                     float(mpmath.sqrt(radius**2 - 1) / g_norm), f_norm)
        euler = (dt, float(_norm(m)), f_norm, float(_norm(exact)))
        budget = tolerances.euler_step_budget(prec, tolerances.spode_direction_budget(prec, *direction), *euler)
        documented_budget = documented.euler_step(dtype, documented.spode_direction(dtype, *direction), *euler)
        for scale, admitted in SHIFTS:
            error = _distance(_shifted(exact, scale * documented_budget), exact)
            assert (error <= budget) == admitted, (dtype, scale)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm", reference.spode.NORMS)
def test_sparsity_index_and_gradient_off_by_twice_their_budget_are_rejected(dtype, norm):
    m = [1.0, -0.5, 0.0, 0.25, 0.75, -1.0]
    prec = tolerances.Precision.of(dtype)
    with mpmath.workdps(DPS):
        values = [reference.sparsity_index(m, norm, dps=DPS), *reference.sparsity_index_gradient(m, norm, dps=DPS)]
        for value in (v for v in values if v != 0):
            budget = tolerances.sparsity_index_budget(prec, len(m), float(value))
            for scale, admitted in SHIFTS:
                shifted = value - scale * documented.sparsity_index(dtype, len(m), float(value))
                assert (abs(shifted - value) <= budget) == admitted, (norm, dtype, value, scale)


@pytest.mark.parametrize("dtype", DTYPES)
def test_step_sizes_off_by_twice_their_budget_are_rejected(dtype):
    target, steps = 0.02, 7
    prec = tolerances.Precision.of(dtype)
    with mpmath.workdps(DPS):
        budget = tolerances.step_size_relative_budget(prec, math.log(target))
        relative = documented.step_size_relative(dtype, math.log(target))
        for dt in reference.step_sizes(target, steps, dps=DPS):
            for scale, admitted in SHIFTS:
                shifted = dt * (1 + scale * relative)
                assert (abs(shifted - dt) <= budget * dt) == admitted, (dtype, dt, scale)


@pytest.mark.parametrize("dtype", DTYPES)
def test_g_path_off_by_twice_its_budget_is_rejected(dtype):
    """Two exact l2 Euler steps from m = 1 follow G_{k+1}^2 = (G_k - dt)^2 + (r^2 - 1) dt^2; a
    logged G_{k+1} whose square is off by 0.5, 1 -+ EDGE, 2 documented budgets is judged so."""
    m, e, radius = [1.0] * 6, [0.5, -1.0, 0.25, 2.0, 0.0, -0.75], 1.1
    prec = tolerances.Precision.of(dtype)
    with mpmath.workdps(DPS):
        level = reference.sparsity_index(m, "l2", dps=DPS)
        for dt in (0.25, 0.125):
            g = [-v for v in reference.sparsity_index_gradient(m, "l2", dps=DPS)]
            m = reference.euler_step(m, g, e, dt, radius, dps=DPS)
            following = reference.sparsity_index(m, "l2", dps=DPS)
            expected = (level - dt) ** 2 + (mpmath.mpf(radius) ** 2 - 1) * dt**2
            assert abs(following**2 - expected) < mpmath.mpf(10) ** (5 - DPS)
            budget = tolerances.g_path_budget(prec, len(m), float(level), dt, radius)
            for scale, admitted in SHIFTS:
                logged = mpmath.sqrt(following**2 + scale * documented.g_path(dtype, len(m), float(level), dt, radius))
                assert (abs(logged**2 - expected) <= budget) == admitted, (dtype, dt, scale)
            level = following
