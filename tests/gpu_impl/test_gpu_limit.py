"""sparsity_oracle.gpu_impl.limit on its own: hand-computed cases, brute force over every k, the quadrature
form, overflow safety, errors."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle.gpu_impl import PruningLimit, Spectrum, pruning_limit  # noqa: E402


def t(values):
    return torch.tensor(values, dtype=torch.float64)


def brute_force(m, lam, eps):
    """k* and F by the definition, every k (float64, direct formula)."""
    squares = sorted((v * v for v in m), reverse=True)
    for k in range(len(m) + 1):
        r2 = math.fsum(squares[k:])
        f = math.fsum(x * r2 / (x * r2 + 2 * eps) for x in lam)
        if k >= f:
            return k, r2, f


def test_hand_computed():
    # m sorted [4, 3]: R_0^2 = 25, R_1^2 = 9, R_2^2 = 0; lambda = (1, 1), eps = 4.5:
    # F(0) = 2 * 25/34 > 0, F(1) = 2 * 9/18 = 1 <= 1  ->  k* = 1, R = 3, D - F = 1.
    got = pruning_limit(t([3.0, -4.0]), t([1.0, -1.0]), 4.5)
    assert isinstance(got, PruningLimit)
    assert (got.kept, got.total) == (1, 2)
    assert got.kept_fraction == 0.5 and got.removed_fraction == 0.5
    assert got.radius == pytest.approx(3.0, rel=1e-15)
    assert got.width_sq == pytest.approx(1.0, rel=1e-15)
    assert got.kept_lower is None and got.kept_upper is None
    # negative="zero": lambda = (1, 0): F(0) = 25/34 > 0, F(1) = 9/18 <= 1 -> k* = 1, D - F = 1.5.
    zero = pruning_limit(t([3.0, -4.0]), t([1.0, -1.0]), 4.5, negative="zero")
    assert zero.kept == 1 and zero.width_sq == pytest.approx(1.5, rel=1e-15)


@pytest.mark.parametrize("d,eps", [(1, 0.1), (7, 1e-3), (50, 0.05), (400, 2.0), (400, 1e-6)])
def test_matches_brute_force(d, eps):
    gen = torch.Generator().manual_seed(d)
    m = (torch.rand(d, generator=gen, dtype=torch.float64) ** 3).tolist()
    lam = (torch.randn(d, generator=gen, dtype=torch.float64) * 5).tolist()
    got = pruning_limit(t(m), t(lam), eps, eta=0.05)
    k, r2, f = brute_force(m, [abs(x) for x in lam], eps)
    assert got.kept == k
    assert got.radius == pytest.approx(math.sqrt(r2), rel=1e-12, abs=1e-300)
    assert got.width_sq == pytest.approx(d - f, rel=1e-10, abs=1e-12)
    spread = math.sqrt(8 * math.log(4 / 0.05)) * math.sqrt(d)
    assert got.kept_lower == pytest.approx(max(k - spread, 0.0))
    assert got.kept_upper == pytest.approx(min(k + spread, d))


def test_many_rounds_of_multisection():
    """D large enough that k* takes several multisection rounds; repeated eigenvalues merge."""
    d = 300_000
    gen = torch.Generator().manual_seed(1)
    m = torch.rand(d, generator=gen, dtype=torch.float64)
    lam = torch.randint(0, 5, (d,), generator=gen).to(torch.float64)
    got = pruning_limit(m, lam, 1.0)
    squares = torch.sort(m, descending=True).values ** 2

    def f(k):
        r2 = squares[k:].sum()
        return float((lam * r2 / (lam * r2 + 2.0)).sum())

    assert got.kept >= f(got.kept) and got.kept - 1 < f(got.kept - 1)


def test_spectrum_form_equals_eigenvalue_form():
    gen = torch.Generator().manual_seed(6)
    m = torch.rand(60, generator=gen, dtype=torch.float64)
    eigen = torch.tensor([2.0] * 30 + [0.5] * 18 + [0.0] * 12, dtype=torch.float64)
    rule = Spectrum(nodes=[2.0, 0.5], weights=[30 / 48, 18 / 48], zero_fraction=12 / 60)
    a, b = pruning_limit(m, eigen, 0.01), pruning_limit(m, rule, 0.01)
    assert a.kept == b.kept
    assert a.radius == pytest.approx(b.radius, rel=1e-14)
    assert a.width_sq == pytest.approx(b.width_sq, rel=1e-12)


def test_rescaling_is_exact_and_overflow_safe():
    """m -> c m, lambda -> lambda / c, eps -> c eps leave every lambda R^2 / (2 eps) unchanged;
    with c = 2^520 the naive R^2 would overflow, with c = 2^-520 underflow."""
    gen = torch.Generator().manual_seed(2)
    m = torch.rand(80, generator=gen, dtype=torch.float64) + 0.1
    lam = torch.rand(80, generator=gen, dtype=torch.float64)
    base = pruning_limit(m, lam, 0.3)
    for power in (520, -520):
        c = 2.0**power
        scaled = pruning_limit(m * c, lam / c, 0.3 * c)
        assert scaled.kept == base.kept
        assert scaled.radius == pytest.approx(base.radius * c, rel=1e-14)
        assert scaled.width_sq == pytest.approx(base.width_sq, rel=1e-14)


def test_tail_below_the_float64_square_range():
    """R_1^2 = 1e-600 is not a float64; the radius still comes out right."""
    for eps in (1e-320, 1e10):
        got = pruning_limit(t([1e300, -1e-300, 0.0]), t([1.0, 1.0, 1.0]), eps)
        assert got.kept == 1
        assert got.radius == pytest.approx(1e-300, rel=1e-12)
        assert got.width_sq == 3.0


def test_errors():
    m = t([1.0, 2.0])
    with pytest.raises(ValueError, match="eps"):
        pruning_limit(m, t([1.0, 1.0]), 0.0)
    with pytest.raises(ValueError, match="eta"):
        pruning_limit(m, t([1.0, 1.0]), 1.0, eta=1.0)
    with pytest.raises(ValueError, match="one eigenvalue per magnitude"):
        pruning_limit(m, t([1.0]), 1.0)
    with pytest.raises(ValueError, match="negative"):
        pruning_limit(m, t([1.0, 1.0]), 1.0, negative="clip")
    with pytest.raises(ValueError, match="non-empty"):
        pruning_limit(t([]), t([]), 1.0)
    with pytest.raises(ValueError, match=r"magnitudes\[1\] is nan"):
        pruning_limit(t([1.0, float("nan")]), t([1.0, 1.0]), 1.0)
    with pytest.raises(ValueError, match="sum to 1"):
        Spectrum([1.0, 2.0], [0.5, 0.6])
    with pytest.raises(ValueError, match=">= 0"):
        Spectrum([1.0, 2.0], [1.5, -0.5])
    with pytest.raises(ValueError, match="same length"):
        Spectrum([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="zero_fraction"):
        Spectrum([1.0], [1.0], zero_fraction=1.5)
