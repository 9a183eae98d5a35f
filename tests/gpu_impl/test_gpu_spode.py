"""gpu_impl.spode against reference.spode: G, grad G, the polariser, F, the Euler step, step sizes,
scores and the final mask on hypothesis-drawn small vectors, in every dtype (inputs rounded to the
dtype first, so both sides see the same numbers); masks compared exactly, reals within the
budgets of ``oracle.tolerances``.  Known-bad variants (mutants) must be rejected."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from sparsity_oracle import gpu_impl  # noqa: E402
from sparsity_oracle.oracle import tolerances  # noqa: E402
from sparsity_oracle.properties import strategies  # noqa: E402
from sparsity_oracle.reference import spode as ref  # noqa: E402

DTYPES = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
DPS = 40


def _in_dtype(values, dtype: str):
    """(tensor in ``dtype``, the exact floats it holds)."""
    t = torch.tensor(values, dtype=torch.float64).to(DTYPES[dtype])
    return t, t.double().tolist()


def _mp(x):
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    return mpmath.mpf(x)


def _norm(values):
    return mpmath.sqrt(mpmath.fsum(_mp(v) ** 2 for v in values))


def _distance(impl: torch.Tensor, exact):
    return mpmath.sqrt(mpmath.fsum((mpmath.mpf(a) - b) ** 2 for a, b in zip(impl.tolist(), exact)))


def _perp_norm(g, e):
    """||e_perp|| exactly (0 exactly when e is collinear with g)."""
    gf, ef = [Fraction(v) for v in g], [Fraction(v) for v in e]
    along = sum(a * b for a, b in zip(gf, ef)) / sum(a * a for a in gf)
    perp2 = sum((b - along * a) ** 2 for a, b in zip(gf, ef))
    return mpmath.sqrt(_mp(perp2))


def check_direction(direction, g, e, r, dtype):
    """AssertionError unless ``direction(g, e, r)`` (torch) is within the budget of the exact F."""
    gt, g = _in_dtype(g, dtype)
    et, e = _in_dtype(e, dtype)
    with mpmath.workdps(DPS):
        exact = ref.spode_direction(g, e, r, dps=DPS)
        got = direction(gt, et, r)
        g_norm = _norm(g)
        tilt = mpmath.sqrt(max(_mp(Fraction(r)) ** 2 - 1 / g_norm**2, 0))
        budget = tolerances.spode_direction_budget(
            tolerances.Precision.of(dtype), len(g), float(g_norm), float(_norm(e)), float(_perp_norm(g, e)),
            float(tilt), float(_norm(exact)))
        error = _distance(got, exact)
        assert error <= budget, f"F off by {mpmath.nstr(error, 5)} > budget {budget:.3g}: {got.tolist()} vs {exact}"


def _absolute_radius(radius, g):
    """A float r >= 1/||g|| (exactly) close to radius/||g||."""
    g2 = sum(Fraction(v) ** 2 for v in g)
    r = float(radius / math.sqrt(float(g2)))
    while Fraction(r) ** 2 * g2 < 1:
        r = math.nextafter(r, math.inf)
    return r


def check_euler_step(step, case, dtype):
    mt, m = _in_dtype(case["m"], dtype)
    gt, g = _in_dtype(case["g"], dtype)
    et, e = _in_dtype(case["e"], dtype)
    if not any(g):
        return
    dt, radius = case["dt"], case["radius"]
    with mpmath.workdps(DPS):
        exact = ref.euler_step(m, g, e, dt, radius, dps=DPS)
        got = step(mt, gt, et, dt, radius)
        g_norm = _norm(g)
        prec = tolerances.Precision.of(dtype)
        f_norm = float(radius / g_norm)
        direction = tolerances.spode_direction_budget(
            prec, len(g), float(g_norm), float(_norm(e)), float(_perp_norm(g, e)),
            float(mpmath.sqrt(radius**2 - 1) / g_norm), f_norm)
        budget = tolerances.euler_step_budget(prec, direction, dt, float(_norm(m)), f_norm, float(_norm(exact)))
        error = _distance(got, exact)
        assert error <= budget, f"Euler step off by {mpmath.nstr(error, 5)} > {budget:.3g}"


cases = st.sampled_from(tuple(DTYPES)).flatmap(
    lambda dtype: st.tuples(st.just(dtype), strategies.spode_steps(strategies.SPODE_MANTISSA_BITS[dtype])))


@settings(max_examples=60)
@given(cases)
def test_direction_and_euler_step_match_the_reference(dtype_case):
    dtype, case = dtype_case
    _, g = _in_dtype(case["g"], dtype)
    if any(g):
        check_direction(gpu_impl.spode_direction, case["g"], case["e"], _absolute_radius(case["radius"], g), dtype)
    check_euler_step(gpu_impl.euler_step, case, dtype)


@settings(max_examples=40)
@given(cases)
def test_sparsity_index_and_gradient_match_the_reference(dtype_case):
    dtype, case = dtype_case
    mt, m = _in_dtype(case["m"], dtype)
    prec = tolerances.Precision.of(dtype)
    with mpmath.workdps(DPS):
        for norm in ("l2", "l1"):
            exact = ref.sparsity_index(m, norm, dps=DPS)
            got = gpu_impl.sparsity_index(mt, norm)
            assert got.dtype == torch.float64
            assert abs(mpmath.mpf(got.item()) - exact) <= tolerances.sparsity_index_budget(prec, len(m), float(exact))
            if norm == "l2" and not any(m):
                with pytest.raises(ValueError, match="no gradient"):
                    gpu_impl.sparsity_index_gradient(mt, norm)
                continue
            exact_grad = ref.sparsity_index_gradient(m, norm, dps=DPS)
            for a, b in zip(gpu_impl.sparsity_index_gradient(mt, norm).tolist(), exact_grad):
                assert abs(mpmath.mpf(a) - b) <= tolerances.sparsity_index_budget(prec, len(m), float(b))


@settings(max_examples=60)
@given(cases)
def test_polariser_scores_and_final_mask_are_exact(dtype_case):
    dtype, case = dtype_case
    mt, m = _in_dtype(case["m"], dtype)
    tt, theta = _in_dtype(case["theta"], dtype)
    level = case["level"]
    assert gpu_impl.polarise(mt, tt, level).tolist() == ref.polarise(m, theta, level).tolist()
    previous_t, previous = _in_dtype([abs(v) for v in case["g"]], dtype)
    scores = gpu_impl.update_scores(previous_t, mt, tt, case["momentum"])
    exact = ref.update_scores(previous, m, theta, case["momentum"])
    prec = tolerances.Precision.of("float64")  # scores are float64 whatever the input dtype
    for a, b in zip(scores.tolist(), exact):
        assert abs(Fraction(a) - b) <= tolerances.product_error(prec, float(b))
    if case["momentum"] in (0.0, 0.5):  # exact in float64: the masks of the scores must agree
        assert gpu_impl.final_mask(scores, level).tolist() == ref.final_mask(exact, level).tolist()


@settings(max_examples=60)
@given(scores=strategies.tied_scores(), density=st.integers(0, 64).map(lambda k: k / 64) | st.floats(0, 1))
def test_final_mask_ties_and_counts_are_exact(scores, density):
    for dtype in ("float32", "bfloat16"):
        t, values = _in_dtype(scores, dtype)
        assert gpu_impl.final_mask(t, density).tolist() == ref.final_mask(values, density).tolist()


@pytest.mark.parametrize("target, steps, schedule", [
    (0.02, 100, "exp"), (0.1, 100, "exp"), (0.5, 10, "exp"), (0.25, 20, "lin"), (1.0, 3, "exp"), (0.999, 1, "exp")])
def test_step_sizes_match_the_reference(target, steps, schedule):
    got = gpu_impl.step_sizes(target, steps, schedule)
    with mpmath.workdps(DPS):
        exact = ref.step_sizes(target, steps, schedule, dps=DPS)
        budget = tolerances.step_size_relative_budget(tolerances.Precision.of("float64"), math.log(target))
        for a, b in zip(got.tolist(), exact):
            assert abs(mpmath.mpf(a) - b) <= budget * abs(b)


@pytest.mark.parametrize("kind", ["continuous", "ties", "sample-misses"])
def test_long_vectors_select_exactly(kind):
    """Above ``SAMPLED_SELECTION`` the threshold comes from a sampled bracket; the mask must
    still be a stable sort's (an independent selection), also when the bracket misses."""
    from sparsity_oracle.gpu_impl import spode

    n = 3 * 2**15 + 7
    assert n > spode.SAMPLED_SELECTION
    gen = torch.Generator().manual_seed(0)
    if kind == "continuous":
        scores = torch.randn(n, generator=gen, dtype=torch.float64)
    elif kind == "ties":
        scores = torch.randint(0, 5, (n,), generator=gen).double()
    else:  # every sampled entry (stride 8) is -1: the bracket is [-1, -1]
        scores = torch.arange(n, dtype=torch.float64)
        scores[::8] = -1
    order = torch.sort(scores, stable=True).indices
    for keep in (0, 1, n // 3, n - n // 10, n - 1, n):
        expected = torch.zeros(n, dtype=torch.bool)
        expected[order[n - keep:]] = True
        assert torch.equal(gpu_impl.keep_largest(scores, keep), expected), keep


def test_keep_largest_handles_all_and_none():
    s = torch.tensor([1.0, 1.0, 1.0])
    assert gpu_impl.keep_largest(s, 3).all() and not gpu_impl.keep_largest(s, 0).any()
    assert gpu_impl.keep_largest(s, 1).tolist() == [False, False, True]


@pytest.mark.parametrize("call, match", [
    (lambda t: gpu_impl.euler_step(t([1.0]), t([1.0]), t([0.0]), 0.1, 0.99), "radius must be >= 1"),
    (lambda t: gpu_impl.euler_step(t([1.0]), t([0.0]), t([0.0]), 0.1, 1.1), "g must be non-zero"),
    (lambda t: gpu_impl.euler_step(t([1.0, 2.0]), t([1.0]), t([0.0]), 0.1, 1.1), "same length"),
    (lambda t: gpu_impl.spode_direction(t([3.0, 4.0]), t([1.0, 0.0]), 0.19), r"r must be >= 1/\|\|g\|\|"),
    (lambda t: gpu_impl.polarise(t([1.0]), t([1.0]), -1), "level must be >= 0"),
    (lambda t: gpu_impl.polarise(t([float("nan")]), t([1.0]), 1), r"m\[0\]"),
    (lambda t: gpu_impl.final_mask(t([1.0]), 2), r"density must lie in \[0, 1\]"),
    (lambda t: gpu_impl.sparsity_index(t([[1.0]]), "l2"), "1-D"),
    (lambda t: gpu_impl.sparsity_index(t([1.0]), "linf"), "norm must be one of"),
    (lambda t: gpu_impl.step_sizes(1.5, 10), "target must be <= start"),
    (lambda t: gpu_impl.step_sizes(0.5, 0), "steps must be a positive integer"),
])
def test_rejects_what_the_reference_rejects(call, match):
    with pytest.raises(ValueError, match=match):
        call(lambda v: torch.tensor(v, dtype=torch.float32))


# --- mutants: known-bad variants the checks must reject ----------------------------------------


def authors_direction(g, e, r):
    """The authors' ``_calc_delta`` in the input dtype: x = sqrt((r_rel^2 - 1)/D) with the
    cancelling D = ||g||^2 ||e||^2 - (g.e)^2 (+1e-12), y = (1 - x g.e)/||g||^2, F = x e + y g."""
    g2 = torch.dot(g, g)
    r_rel = r * torch.sqrt(g2)
    ge = torch.dot(g, e)
    x = torch.sqrt((r_rel**2 - 1) / (g2 * torch.dot(e, e) - ge**2 + 1e-12))
    return (x * e + (1 - x * ge) / g2 * g).double()


def no_collinear_branch(g, e, r):
    """The boxed formula everywhere: 0/0 when e_perp = 0."""
    g, e = g.double(), e.double()
    g2 = torch.dot(g, g)
    e_perp = e - torch.dot(g, e) / g2 * g
    return g / g2 + torch.sqrt(r * r - 1 / g2) * e_perp / torch.linalg.vector_norm(e_perp)


def polariser_keeping_ties(m, theta, level):
    """Keeps every entry tied with the threshold (|m theta| >= tau) instead of exactly floor(G D)."""
    scores = (m.double() * theta.double()).abs()
    keep = math.floor(Fraction(level) * scores.numel())
    if keep == 0:
        return torch.zeros_like(scores, dtype=torch.bool)
    tau = torch.topk(scores, keep).values[-1]
    return scores >= tau


HARD_DIRECTION_CASES = [
    # TV4: e collinear with g (exact F = (1/9, 2/9, 2/9)); the authors' D is 0 + 1e-12 here
    ([1.0, 2.0, 2.0], [-2.0, -4.0, -4.0], 1.0, "float32"),
    ([1.0, 2.0, 2.0], [0.0, 0.0, 0.0], 1.0, "float32"),
    # near-collinear in float64: ||e_perp||/||e|| ~ 1e-10, D cancels to noise
    ([1.0, 2.0, 2.0], [2.0, 4.0, 4.0 + 2.0**-32], 1.0, "float64"),
    # TV5: r = 0.2 (the double just above 1/||g|| = 1/5): F = (0.12, 0.16) + a tilt of ~1e-9
    ([3.0, 4.0], [1.0, 0.0], 0.2, "float64"),
]


@pytest.mark.parametrize("g, e, r, dtype", HARD_DIRECTION_CASES)
def test_hard_direction_cases(g, e, r, dtype):
    check_direction(gpu_impl.spode_direction, g, e, r, dtype)


@pytest.mark.parametrize("mutant", [authors_direction, no_collinear_branch])
def test_direction_mutants_are_rejected(mutant):
    failures = 0
    for g, e, r, dtype in HARD_DIRECTION_CASES:
        try:
            check_direction(mutant, g, e, r, dtype)
        except AssertionError:
            failures += 1
    assert failures >= 1, f"{mutant.__name__} passed every hard case"


def test_polariser_keeping_ties_is_rejected():
    m, theta = torch.ones(5), torch.tensor([3.0, 1.0, 1.0, 2.0, 1.0])
    expected = ref.polarise([1.0] * 5, theta.tolist(), 0.8).tolist()
    assert gpu_impl.polarise(m, theta, 0.8).tolist() == expected
    assert polariser_keeping_ties(m, theta, 0.8).tolist() != expected
