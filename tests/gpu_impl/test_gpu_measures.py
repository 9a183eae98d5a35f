"""sparsity_oracle.gpu_impl.measures on its own: closed forms, scale invariance, batching, errors.

(The differential tests against ``reference`` live in tests/oracle.)"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle.gpu_impl import gini, pq_index  # noqa: E402

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
PQ = [(0.5, 1.0), (0.1, 1.0), (0.1, 2.0), (1.0, 2.0), (0.5, 4.0)]


def tolerance(dtype) -> float:
    return 1e-12 if dtype == torch.float64 else 1e-5


def closed_two_level(d: int, k: int, ratio: float, p: float, q: float) -> float:
    """PQI of k entries of magnitude 1 and d - k of magnitude ``ratio`` (float64 closed form)."""
    s_p = k + (d - k) * ratio**p
    s_q = k + (d - k) * ratio**q
    return -math.expm1((1 / q - 1 / p) * math.log(d) + math.log(s_p) / p - math.log(s_q) / q)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p,q", PQ)
def test_constant_vector_is_exactly_zero(dtype, p, q):
    w = torch.full((37,), -2.5, dtype=dtype)
    assert pq_index(w, p, q).item() == 0.0
    assert gini(w).item() == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p,q", PQ)
@pytest.mark.parametrize("d", [1, 2, 10, 1000])
def test_one_hot(dtype, p, q, d):
    w = torch.zeros(d, dtype=dtype)
    w[d // 2] = -3.0
    assert pq_index(w, p, q).item() == pytest.approx(1 - d ** (1 / q - 1 / p), abs=tolerance(dtype))
    assert gini(w).item() == pytest.approx(1 - 1 / d, abs=tolerance(dtype))


def test_results_are_float64_on_the_input_device():
    w = torch.randn(3, 4, dtype=torch.float16)
    for value in (pq_index(w), gini(w), pq_index(w, dim=1), gini(w, dim=0)):
        assert value.dtype == torch.float64 and value.device == w.device
    assert pq_index(w).shape == () and pq_index(w, dim=1).shape == (3,) and gini(w, dim=0).shape == (4,)


def test_every_tensor_is_made_on_the_input_device_whatever_the_default_device():
    """With torch's default device elsewhere (a user's ``torch.set_default_device("cuda")``; here
    "meta", which cannot mix with the CPU), the measures still compute on w's device."""
    gen = torch.Generator().manual_seed(7)
    w = torch.randn(5, 7, generator=gen)
    mask = torch.rand(5, 7, generator=gen) < 0.7
    want = [fn(w, dim=1, mask=mask) for fn in (pq_index, gini)]
    with torch.device("meta"):
        got = [fn(w, dim=1, mask=mask) for fn in (pq_index, gini)]
    for value, expected in zip(got, want):
        assert value.device == w.device
        torch.testing.assert_close(value, expected, rtol=0, atol=0)


@pytest.mark.parametrize("dtype,scales", [
    (torch.float32, [1e30, 1e-30, 2.0**-120, 3e37]),
    (torch.float64, [1e300, 1e-300, 1e-310, 1e30]),
])
@pytest.mark.parametrize("p,q", PQ)
def test_scale_invariance(dtype, scales, p, q):
    gen = torch.Generator().manual_seed(3)
    base = torch.rand(500, generator=gen, dtype=torch.float64) + 0.01
    expected_pqi = pq_index(base, p, q).item()
    expected_gini = gini(base).item()
    for scale in scales:
        w = (base * scale).to(dtype)
        exact = w.double() / scale  # what the scaled tensor holds, back at unit scale
        want = pq_index(exact, p, q).item()
        assert want == pytest.approx(expected_pqi, abs=1e-5 if dtype == torch.float32 else 1e-12)
        assert pq_index(w, p, q).item() == pytest.approx(want, abs=tolerance(dtype))
        assert gini(w).item() == pytest.approx(gini(exact).item(), abs=tolerance(dtype))
        assert gini(w).item() == pytest.approx(expected_gini, abs=1e-5 if dtype == torch.float32 else 1e-12)


@pytest.mark.parametrize("p,q", [(0.1, 1.0), (0.1, 2.0), (0.01, 0.5)])
def test_small_p_with_extreme_magnitudes_float32(p, q):
    """p = 0.1: |w|^p of 1e30 and of subnormals would over/underflow a naive float32 formula."""
    d, k = 10_000, 7
    w = torch.full((d,), 1e-30, dtype=torch.float32)
    w[:k] = 1e30
    ratio = float(torch.tensor(1e-30, dtype=torch.float32)) / float(torch.tensor(1e30, dtype=torch.float32))
    assert pq_index(w, p, q).item() == pytest.approx(closed_two_level(d, k, ratio, p, q), abs=1e-6)
    w[k:] = 1e-45  # the smallest float32 subnormal
    ratio = float(torch.tensor(1e-45, dtype=torch.float32)) / float(torch.tensor(1e30, dtype=torch.float32))
    assert pq_index(w, p, q).item() == pytest.approx(closed_two_level(d, k, ratio, p, q), abs=1e-6)


def test_float64_across_the_whole_exponent_range():
    """Subnormal quotients |w_i|/max (a span of > 1021 binades) at a small p."""
    d, k, p, q = 1000, 3, 0.01, 1.0
    w = torch.full((d,), 5e-324, dtype=torch.float64)
    w[:k] = 1e300
    s_p = k + (d - k) * math.exp(p * (math.log(5e-324) - math.log(1e300)))
    expected = 1 - d ** (1 / q - 1 / p) * math.exp(math.log(s_p) / p) / k
    assert pq_index(w, p, q).item() == pytest.approx(expected, abs=1e-12)


def test_float32_path_matches_float64_on_a_long_vector():
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(10**6, generator=gen).mul_(torch.rand(10**6, generator=gen) ** 8)
    for p, q in PQ:
        assert pq_index(w, p, q).item() == pytest.approx(pq_index(w.double(), p, q).item(), abs=2e-6)
    assert gini(w).item() == pytest.approx(gini(w.double()).item(), abs=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2)])
@pytest.mark.parametrize("masked", [False, True])
def test_batched_equals_per_slice_loop(dtype, dim, masked):
    gen = torch.Generator().manual_seed(11)
    w = torch.randn(4, 5, 6, generator=gen, dtype=torch.float64).to(dtype)
    mask = torch.rand(4, 5, 6, generator=gen) < 0.6
    mask[0, :, :] = True
    mask[:, 0, :] = True
    mask[:, :, 0] = True
    mask = mask if masked else None
    dims = tuple(range(3)) if dim is None else ((dim,) if isinstance(dim, int) else dim)
    dims = tuple(sorted(d % 3 for d in dims))
    kept = [i for i in range(3) if i not in dims]
    moved = w.permute(kept + list(dims)).reshape(math.prod(w.shape[i] for i in kept), -1)
    keep = None if mask is None else mask.permute(kept + list(dims)).reshape(moved.shape)
    for fn, kwargs in ((pq_index, {"p": 0.5, "q": 1.0}), (pq_index, {"p": 0.1, "q": 3.0}), (gini, {})):
        got = fn(w, dim=dim, mask=mask, **kwargs).reshape(-1)
        for b in range(moved.shape[0]):
            values = moved[b] if keep is None else moved[b][keep[b]]
            assert got[b].item() == pytest.approx(fn(values, **kwargs).item(), abs=tolerance(dtype))


def test_masked_entries_are_ignored_entirely():
    w = torch.tensor([[1.0, float("nan"), 3.0], [float("inf"), 2.0, 0.5]])
    mask = torch.tensor([[True, False, True], [False, True, True]])
    got = pq_index(w, dim=1, mask=mask)
    assert got[0].item() == pytest.approx(pq_index(torch.tensor([1.0, 3.0])).item())
    assert got[1].item() == pytest.approx(pq_index(torch.tensor([2.0, 0.5])).item())
    assert gini(w, dim=1, mask=mask)[1].item() == pytest.approx(gini(torch.tensor([2.0, 0.5])).item())


def test_gini_closed_forms_and_order_invariance():
    w = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    # c ascending 0,1,2,3; N = 4, sum 6: G = 1 - 2 (0*3.5 + 1*2.5 + 2*1.5 + 3*0.5) / (4*6)
    assert gini(w).item() == pytest.approx(1 - 2 * 7.0 / 24, abs=1e-15)
    assert gini(w.flip(0) * -1).item() == gini(w).item()
    assert gini(torch.tensor([5.0])).item() == 0.0


def test_integer_input_is_read_as_float64():
    w = torch.tensor([[1, -2, 0], [3, 3, 3]])
    assert torch.equal(pq_index(w, dim=1), pq_index(w.double(), dim=1))
    assert torch.equal(gini(w, dim=1), gini(w.double(), dim=1))


def test_zero_dimensional_input():
    assert pq_index(torch.tensor(-4.0)).item() == 0.0
    assert gini(torch.tensor(-4.0)).item() == 0.0


@pytest.mark.parametrize("fn", [pq_index, gini])
def test_errors(fn):
    with pytest.raises(ValueError, match="non-empty"):
        fn(torch.tensor([]))
    with pytest.raises(ValueError, match=r"w\[1, 0\] is nan"):
        fn(torch.tensor([[1.0], [float("nan")]]))
    with pytest.raises(ValueError, match=r"w\[2\] is -inf"):
        fn(torch.tensor([1.0, 2.0, -float("inf")]))
    name = fn.__name__
    with pytest.raises(ValueError, match=rf"^{name} is undefined for an all-zero or empty vector: w has no non-zero entry$"):
        fn(torch.zeros(5))
    with pytest.raises(ValueError, match=rf"^{name} is undefined for an all-zero or empty vector: the slice of w at "
                                         r"batch index \(1,\) \(reduced dims \(1,\)\) has no non-zero entry$"):
        fn(torch.tensor([[1.0, 2.0], [0.0, 0.0]]), dim=1)
    with pytest.raises(ValueError, match=r"batch index \(0,\).*no unmasked entry"):
        fn(torch.tensor([[1.0, 2.0], [1.0, 0.0]]), dim=1, mask=torch.tensor([[False, False], [True, True]]))
    with pytest.raises(TypeError, match="boolean"):
        fn(torch.tensor([True, False]))
    with pytest.raises(TypeError, match="complex"):
        fn(torch.tensor([1 + 1j]))
    with pytest.raises(TypeError, match="torch.Tensor"):
        fn([1.0, 2.0])
    with pytest.raises(ValueError, match="out of range"):
        fn(torch.ones(2, 2), dim=2)
    with pytest.raises(ValueError, match="twice"):
        fn(torch.ones(2, 2), dim=(0, -2))
    with pytest.raises(ValueError, match="at least one"):
        fn(torch.ones(2, 2), dim=())
    with pytest.raises(ValueError, match="shape"):
        fn(torch.ones(2, 2), mask=torch.ones(2, dtype=torch.bool))
    with pytest.raises(TypeError, match="boolean"):
        fn(torch.ones(2, 2), mask=torch.ones(2, 2))


def test_parameter_errors():
    w = torch.ones(3)
    for p, q in [(0, 1), (-0.5, 1), (0.5, 0.5), (1.0, 0.5), (float("nan"), 1), (0.5, float("inf"))]:
        with pytest.raises(ValueError, match="p|q"):
            pq_index(w, p, q)
    with pytest.raises(TypeError, match="p must be a real number"):
        pq_index(w, True, 2)
    with pytest.raises(TypeError, match="q must be a real number"):
        pq_index(w, 0.5, "1")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_matches_cpu(dtype):
    gen = torch.Generator().manual_seed(5)
    scale = min(1e20, torch.finfo(dtype).max / 16)  # large, yet finite in float16 (max 65504)
    w = (torch.randn(64, 300, generator=gen) * scale).to(dtype)
    mask = torch.rand(64, 300, generator=gen) < 0.8
    for fn, kwargs in ((pq_index, {"p": 0.1, "q": 2.0}), (gini, {})):
        cpu = fn(w, dim=1, mask=mask, **kwargs)
        cuda = fn(w.cuda(), dim=1, mask=mask.cuda(), **kwargs)
        assert cuda.device.type == "cuda"
        torch.testing.assert_close(cuda.cpu(), cpu, rtol=0, atol=1e-6)
