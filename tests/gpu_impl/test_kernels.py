"""The one-pass power-sum kernel (gpu_impl.kernels) against the torch path of gpu_impl.

The kernel runs where Triton runs it: compiled on a CUDA device (``pytest -m gpu``, the GPU
check), or on the CPU under Triton's interpreter, which must be switched on before Triton is
first imported: ``test_kernel_checks_pass_under_the_interpreter`` runs this file again in a
fresh process with ``TRITON_INTERPRET=1``, so CI checks the kernel's arithmetic without a GPU.
The reference for s_t is the torch path with float64 terms; every comparison is within
``kernels.power_sum_error``, the kernel's stated bound.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("triton", reason="the kernel tests need Triton: pip install triton")

from sparsity_oracle.gpu_impl import _core, gini, kernels, pq_index  # noqa: E402

if torch.cuda.is_available():
    DEVICE = "cuda"
elif kernels.INTERPRETED:
    DEVICE = "cpu"
else:
    DEVICE = None
on_kernel_device = pytest.mark.skipif(
    DEVICE is None, reason="no CUDA device and not under TRITON_INTERPRET=1 "
                           "(test_kernel_checks_pass_under_the_interpreter runs them so)")
pytestmark = [pytest.mark.gpu]

FAST_LOG2 = [False, True] if DEVICE == "cuda" else [False]  # lg2.approx exists only compiled


def torch_path(x: torch.Tensor, mask, exponents) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """max |w| and s_t per row by the torch path with float64 terms, on the CPU."""
    x, mask = x.cpu(), None if mask is None else mask.cpu()
    rows = _core.Rows(x, mask, (x.shape[0],), (1,), "w", x, mask)
    top = _core.slice_maxima(rows)
    return top.double(), _core.power_sums(rows, top, exponents, float64_terms=True)


def assert_like_torch_path(x, mask, exponents, fast_log2=False):
    top, sums, nonfinite = kernels.one_pass_power_sums(x.to(DEVICE), None if mask is None else mask.to(DEVICE),
                                                       exponents, fast_log2=fast_log2)
    want_top, want_sums = torch_path(x, mask, exponents)
    assert not nonfinite
    assert torch.equal(top.cpu(), want_top)
    n = x.shape[1] if mask is None else int(mask.sum(dim=1).max())
    for got, want, t in zip(sums, want_sums, exponents):
        bound = kernels.power_sum_error(n, t, fast_log2=fast_log2)
        error = ((got.cpu() - want).abs() / want.where(want > 0, 1)).max().item()
        assert error <= bound, f"s_{t}: relative error {error:.3g} > bound {bound:.3g}"


@on_kernel_device
@pytest.mark.parametrize("fast_log2", FAST_LOG2)
@pytest.mark.parametrize("exponents", [(0.5, 1.0), (0.1, 2.0), (1.0, 4.0), (0.5, 64.0)])
def test_power_sums_of_random_rows_within_the_bound(exponents, fast_log2):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(3, 2 * kernels.BLOCK + 17, generator=gen) * torch.exp2(torch.randint(-40, 40, (3, 1), generator=gen))
    assert_like_torch_path(x, None, exponents, fast_log2)
    assert_like_torch_path(x, torch.rand(x.shape, generator=gen) < 0.3, exponents, fast_log2)


@on_kernel_device
@pytest.mark.parametrize("fast_log2", FAST_LOG2)
def test_power_sums_span_the_whole_float32_range(fast_log2):
    """1e38 beside subnormals and zeros, in one tile and across tiles: nothing overflows, and the
    subnormals count for a small exponent ((1e-45 / 1e38)^0.1 is about 1e-8 each)."""
    row = torch.cat([torch.full((100,), 1e38), torch.full((3000,), 1e-45), torch.zeros(50),
                     torch.full((kernels.BLOCK,), 2e-40), torch.full((7,), 3e30)])
    assert_like_torch_path(row.reshape(1, -1), None, (0.1, 1.0), fast_log2)
    assert_like_torch_path(row.reshape(1, -1), None, (0.5, 64.0), fast_log2)
    assert_like_torch_path(torch.full((1, 10), 1e-45), None, (0.1, 3.0), fast_log2)


@on_kernel_device
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_input_is_widened(dtype):
    gen = torch.Generator().manual_seed(2)
    x = (torch.randn(2, 5000, generator=gen) * 100).to(dtype)
    assert_like_torch_path(x, None, (0.5, 1.0))


@on_kernel_device
def test_zero_rows_and_masked_out_rows_give_zero():
    x = torch.zeros(3, 10)
    x[1, 4] = -2.5
    mask = torch.ones(3, 10, dtype=torch.bool)
    mask[2] = False
    x[2] = 7.0
    top, sums, nonfinite = kernels.one_pass_power_sums(x.to(DEVICE), mask.to(DEVICE), (0.5, 1.0))
    assert not nonfinite
    assert top.cpu().tolist() == [0.0, 2.5, 0.0]
    for s, t in zip(sums, (0.5, 1.0)):  # a single entry: s_t = 1 (float32 terms, float64 normalisation)
        assert s.cpu().tolist() == [0.0, pytest.approx(1.0, rel=kernels.power_sum_error(1, t), abs=0), 0.0]


@on_kernel_device
def test_nonfinite_entries_are_flagged_unless_masked():
    x = torch.ones(2, 3 * kernels.BLOCK)
    for bad in (math.nan, math.inf, -math.inf):
        x[1, kernels.BLOCK + 5] = bad
        assert kernels.one_pass_power_sums(x.to(DEVICE), None, (0.5, 1.0))[2]
        mask = torch.ones_like(x, dtype=torch.bool)
        mask[1, kernels.BLOCK + 5] = False
        assert not kernels.one_pass_power_sums(x.to(DEVICE), mask.to(DEVICE), (0.5, 1.0))[2]


@on_kernel_device
def test_pq_index_through_the_kernel_equals_the_cpu_torch_path():
    """pq_index on the kernel's device (through ``_core.maxima_and_power_sums``) against
    pq_index on the CPU (the torch path), rows reduced along a non-contiguous dim too."""
    assert kernels.runs_on(torch.zeros(1, device=DEVICE))
    gen = torch.Generator().manual_seed(3)
    w = torch.randn(6000, 3, generator=gen) * 1e-30
    mask = torch.rand(w.shape, generator=gen) < 0.9
    for kwargs in ({"dim": 0}, {"dim": 0, "mask": mask}, {}):
        on_device = {k: v.to(DEVICE) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
        got = pq_index(w.to(DEVICE), 0.5, 2.0, **on_device).cpu()
        want = pq_index(w, 0.5, 2.0, **kwargs)
        torch.testing.assert_close(got, want, rtol=0, atol=1e-9)
    # Gini keeps its torch path on every device
    torch.testing.assert_close(gini(w.to(DEVICE), dim=0).cpu(), gini(w, dim=0), rtol=0, atol=1e-12)


@on_kernel_device
def test_pq_index_names_the_nonfinite_entry_through_the_kernel():
    w = torch.ones(4, 5)
    w[2, 3] = math.nan
    with pytest.raises(ValueError, match=re.escape("w[2, 3] is nan: entries must be finite")):
        pq_index(w.to(DEVICE), dim=1)
    with pytest.raises(ValueError, match=re.escape("pq_index is undefined for an all-zero or empty vector")):
        pq_index(torch.zeros(4, 5, device=DEVICE), dim=1)


@pytest.mark.skipif(DEVICE != "cuda", reason="10^7 entries: too slow for the interpreter")
def test_power_sums_of_a_long_vector_within_the_bound():
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(1, 10**7, generator=gen) * torch.exp2(torch.randint(-30, 30, (1, 10**7), generator=gen))
    for fast_log2 in FAST_LOG2:
        assert_like_torch_path(x, None, (0.5, 1.0), fast_log2)
        assert_like_torch_path(x, None, (0.1, 2.0), fast_log2)


@pytest.mark.skipif(kernels.INTERPRETED, reason="this is the interpreter's run")
def test_kernel_checks_pass_under_the_interpreter():
    env = {**os.environ, "TRITON_INTERPRET": "1", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                             "-W", "ignore::RuntimeWarning", __file__],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\b11 passed, 2 skipped\b", result.stdout), result.stdout[-600:]
