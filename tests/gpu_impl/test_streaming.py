"""sparsity_oracle.gpu_impl.streaming: exact magnitude histograms built block by block, the
measures they give against the reference (budgets of ``oracle.tolerances``, counts exactly),
power sums combined over parts; and the batched ``sap_count_and_bound``."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle import reference  # noqa: E402
from sparsity_oracle.gpu_impl import (  # noqa: E402
    MagnitudeHistogram,
    PowerSums,
    pqi_bound,
    sap_count_and_bound,
    sap_prune_count,
)
from sparsity_oracle.oracle.tolerances import (  # noqa: E402
    Precision,
    gini_budget,
    pq_index_budget,
    pqi_bound_relative_budget,
)

DTYPES = [torch.bfloat16, torch.float16, torch.float32, torch.float64]
FLOAT64 = Precision.of("float64")


def _weights(dtype, shape=(50, 33), seed=0, keep=0.7):
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(*shape, generator=gen, dtype=torch.float64) * 2.0 ** torch.randint(-6, 6, shape, generator=gen)
    w = w * (torch.rand(*shape, generator=gen, dtype=torch.float64) < keep)
    w[0, :3] = torch.tensor([0.0, -0.0, 1.0])
    return w.to(dtype)


def _histogram(*tensors, rows=7):
    histogram = MagnitudeHistogram()
    for w in tensors:
        for block in w.split(rows):
            assert histogram.add(block) == 0
    return histogram


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_histogram_is_the_exact_multiset_of_magnitudes(dtype):
    w = _weights(dtype)
    values, counts = _histogram(w).table()
    expected, expected_counts = np.unique(np.abs(w.double().numpy()), return_counts=True)
    np.testing.assert_array_equal(values.numpy(), expected)
    np.testing.assert_array_equal(counts.numpy(), expected_counts)
    assert values.dtype == torch.float64 and counts.dtype == torch.int64


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_measures_of_a_histogram_agree_with_the_reference(dtype):
    w = _weights(dtype, seed=1)
    flat = w.double().numpy().ravel()
    d = flat.size
    histogram = _histogram(w)
    sums = histogram.power_sums((0.5, 1.0))
    assert sums.count == d and sums.top == float(np.abs(flat).max())
    with mpmath.workdps(30):
        pqi = float(reference.pq_index(flat))
        gini = float(reference.gini(flat))
        bound = float(reference.pqi_bound(flat))
    assert abs(float(sums.pq_index()) - pqi) <= pq_index_budget(FLOAT64, d, 0.5, 1.0, pqi)
    assert abs(float(histogram.gini()) - gini) <= gini_budget(FLOAT64, d, gini)
    assert abs(float(sums.pqi_bound()) - bound) <= pqi_bound_relative_budget(FLOAT64, d, 0.5, 1.0) * bound
    for gamma, beta in ((1, 0.875), (0.5, 1), (2, 0.25)):  # betas exact in binary (float64 d beta exact)
        assert int(sums.sap_prune_count(gamma=gamma, beta=beta)) == \
            reference.sap_prune_count(flat, gamma=gamma, beta=beta)


def test_merged_histograms_and_combined_power_sums_are_those_of_the_union():
    parts = [_weights(torch.bfloat16, seed=2), _weights(torch.float32, (9, 4), seed=3),
             _weights(torch.float16, seed=4), _weights(torch.float64, (3, 3), seed=5)]
    union = torch.cat([p.double().reshape(-1) for p in parts]).numpy()
    merged = MagnitudeHistogram()
    histograms = [_histogram(p) for p in parts]
    for h in histograms:
        merged.update(h)
    assert merged.count == union.size
    with mpmath.workdps(30):
        pqi, gini = float(reference.pq_index(union, 0.1, 2)), float(reference.gini(union))
    assert abs(float(merged.gini()) - gini) <= gini_budget(FLOAT64, union.size, gini)
    combined = PowerSums.combine([h.power_sums((0.1, 2.0)) for h in histograms])
    direct = merged.power_sums((0.1, 2.0))
    for sums in (combined, direct):
        assert sums.count == union.size
        assert abs(float(sums.pq_index(0.1, 2.0)) - pqi) <= pq_index_budget(FLOAT64, union.size, 0.1, 2.0, pqi)


def test_float32_parts_are_merged_as_they_grow():
    gen = torch.Generator().manual_seed(6)
    w = (torch.randn(300, 1000, generator=gen)).float()
    histogram = _histogram(w, rows=3)
    assert histogram.distinct < 2 * w.numel()
    values, counts = histogram.table()
    expected, expected_counts = np.unique(np.abs(w.numpy()), return_counts=True)
    np.testing.assert_array_equal(values.numpy(), expected.astype(np.float64))
    np.testing.assert_array_equal(counts.numpy(), expected_counts)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_non_finite_entries_are_counted_not_added(dtype):
    w = torch.tensor([[1.0, math.nan, -math.inf], [2.0, 0.0, math.inf]], dtype=dtype)
    histogram = MagnitudeHistogram()
    assert histogram.add(w) == 3
    assert histogram.non_finite == 3 and histogram.count == 3
    values, counts = histogram.table()
    assert values.tolist() == [0.0, 1.0, 2.0] and counts.tolist() == [1, 1, 1]


def test_all_zero_and_empty_histograms():
    histogram = MagnitudeHistogram()
    histogram.add(torch.zeros(4, 5, dtype=torch.bfloat16))
    histogram.add(torch.zeros(0, 5))
    sums = histogram.power_sums((0.5, 1.0))
    assert sums.count == 20 and sums.top == 0
    assert int(sums.sap_prune_count()) == 0
    with pytest.raises(ValueError, match="undefined"):
        sums.pq_index()
    with pytest.raises(ValueError, match="undefined"):
        histogram.gini()
    with pytest.raises(ValueError, match="exponents"):
        _histogram(_weights(torch.float32)).power_sums((0.5, 1.0)).pq_index(0.5, 2.0)


def test_sap_count_and_bound_is_count_and_bound_per_slice():
    gen = torch.Generator().manual_seed(7)
    w = torch.randn(6, 40, generator=gen) * (torch.rand(6, 40, generator=gen) < 0.5)
    w[2] = 0
    mask = torch.rand(6, 40, generator=gen) < 0.8
    mask[4] = False
    for dtype in (torch.bfloat16, torch.float32, torch.float64):
        x = w.to(dtype)
        counts, bounds = sap_count_and_bound(x, gamma=2.0, beta=0.8, dim=1, mask=mask)
        assert counts.dtype == torch.int64 and bounds.dtype == torch.float64
        assert torch.equal(counts, sap_prune_count(x, gamma=2.0, beta=0.8, dim=1, mask=mask))
        assert bounds[[2, 4]].isnan().all() and counts[[2, 4]].tolist() == [0, 0]
        defined = [0, 1, 3, 5]
        expected = pqi_bound(x[defined], dim=1, mask=mask[defined])
        # slices re-checked near an integer count carry float64-term bounds, pqi_bound float32-term ones
        precision = Precision.of("float64" if dtype == torch.float64 else "float32")
        torch.testing.assert_close(bounds[defined], expected, atol=0,
                                   rtol=pqi_bound_relative_budget(precision, 40, 0.5, 1.0))
