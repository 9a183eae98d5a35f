"""gpu_impl directly: every function in float16/bfloat16/float32/float64, on the CPU and (marked
``gpu``) on CUDA, against ``reference`` with the budgets of ``sparsity_oracle.oracle.tolerances``;
plus gpu_impl's batched ``dim``/``mask`` form of the measures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from sparsity_oracle import reference
from sparsity_oracle.oracle import FUNCTIONS, TorchAdapter, as_implementation, check, hard_cases
from sparsity_oracle.oracle.cases import cases
from sparsity_oracle.oracle.pytest_plugin import require
from sparsity_oracle.oracle.tolerances import DTYPES, Precision, gini_budget, pq_index_budget

torch = pytest.importorskip("torch")


def test_gpu_impl_provides_every_function():
    """A broken gpu_impl must not pass as 'provides nothing' (its checks would all skip)."""
    assert as_implementation(TorchAdapter()).provides == FUNCTIONS

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.gpu,
                                pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]),
]


@pytest.fixture(params=DTYPES)
def dtype(request):
    return request.param


@pytest.fixture(params=DEVICES)
def adapter(request, dtype):
    return as_implementation(TorchAdapter(dtype, request.param))


def failures(impl, selected):
    found = [check(impl, case) for case in selected]
    return [f for f in found if f is not None]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_hard_cases_every_dtype(adapter, function):
    require(adapter, function)
    found = failures(adapter, hard_cases(function))
    assert not found, "\n\n".join(map(str, found[:3]))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_generated_cases_every_dtype(adapter, function):
    require(adapter, function)

    @settings(max_examples=10, deadline=None, database=None)
    @given(cases(function))
    def run(case):
        found = failures(adapter, [case])
        assert not found, str(found[0])

    run()


@pytest.mark.parametrize("measure", ["pq_index", "gini"])
def test_batched_dim_and_mask(adapter, measure):
    """Row-wise (dim=1) with a mask: each row's value is the reference's on its unmasked entries."""
    require(adapter, measure)
    import sparsity_oracle.gpu_impl.measures as gm

    rng = np.random.default_rng(7)
    w = np.round(rng.standard_normal((6, 9)), 2)
    mask = rng.random(w.shape) < 0.7
    mask[:, 0] = True
    w[:, 0] = 1.0
    tw = torch.from_numpy(w).to(getattr(torch, adapter.dtype))
    w = tw.double().numpy()
    kwargs = {"p": 0.5, "q": 1.0} if measure == "pq_index" else {}
    got = getattr(gm, measure)(tw.to(adapter.target.device), **kwargs, dim=1,
                               mask=torch.from_numpy(mask).to(adapter.target.device))
    got = got.detach().double().cpu().numpy()
    prec = Precision.of(adapter.dtype)
    for row, (values, keep) in enumerate(zip(w, mask)):
        ref = float(getattr(reference, measure)(values[keep], **kwargs))
        budget = (pq_index_budget(prec, int(keep.sum()), 0.5, 1.0, ref) if measure == "pq_index"
                  else gini_budget(prec, int(keep.sum()), ref))
        assert abs(got[row] - ref) <= budget, (row, got[row], ref, budget)
