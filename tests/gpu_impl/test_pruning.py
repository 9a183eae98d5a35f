"""sparsity_oracle.gpu_impl.pruning on its own: PQI-bound and SAP counts in closed form, masks on small
hand-checked examples (ties included), batching, validation."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle.gpu_impl import (  # noqa: E402
    fixed_ratio_masks,
    pq_index,
    pqi_bound,
    sap_count_and_bound,
    sap_masks,
    sap_prune_count,
)


def t(values, dtype=torch.float64):
    return torch.tensor(values, dtype=dtype)


# --- PQI-bound and SAP counts --------------------------------------------------------------


@pytest.mark.parametrize("p,q", [(0.5, 1.0), (0.1, 2.0), (1.0, 3.0)])
def test_pqi_bound_closed_forms(p, q):
    assert pqi_bound(t([0.0, 0.0, -7.0, 0.0]), p, q).item() == pytest.approx(1.0, rel=1e-14)
    assert pqi_bound(t([2.0] * 9), p, q).item() == pytest.approx(9.0, rel=1e-14)
    w = t([1.0, 0.5, 0.25, 3.0, 1e-3])
    eta = 0.3
    via_pqi = 5 * (1 + eta) ** (-q / (q - p)) * (1 - pq_index(w, p, q).item()) ** (q * p / (q - p))
    assert pqi_bound(w, p, q, eta).item() == pytest.approx(via_pqi, rel=1e-12)


def test_pqi_bound_overflow_safe_and_batched():
    w = t([[1e300, 1e-300, 3.0], [1.0, 1.0, 0.0]])
    got = pqi_bound(w, 0.1, 2.0, dim=1)
    assert got.dtype == torch.float64 and got.shape == (2,)
    assert got[1].item() == pytest.approx(2.0, rel=1e-14)
    assert 1.0 <= got[0].item() < 1.0 + 1e-9
    assert pqi_bound(w.float().clamp(-1e30, 1e30), 0.1, 2.0, dim=1)[1].item() == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pqi_bound_and_sap_count_for_exponents_near_the_float_maximum(dtype):
    """p = 1e308, q = 1.5e308 (q + p and q log s_p overflow): every term (|w_i|/max)^t but the
    largest ones' is 0, so s_p = s_q = 4 (four maxima), r = 4 and c = floor(min(5 - 4, 4.5))."""
    w = t([1.0, -1.0, 0.5, 1.0, -1.0], dtype)
    assert pqi_bound(w, 1e308, 1.5e308).item() == pytest.approx(4.0, rel=1e-14)
    count, bound = sap_count_and_bound(w, 1e308, 1.5e308)
    assert int(count) == 1 and bound.item() == pytest.approx(4.0, rel=1e-14)


def test_sap_prune_count_closed_forms():
    one_hot = torch.zeros(10)
    one_hot[3] = 5.0
    # r = 1: c = floor(min(gamma (10 - 1), 10 beta))
    assert sap_prune_count(one_hot).item() == 9
    assert sap_prune_count(one_hot, gamma=0.5).item() == 4
    assert sap_prune_count(one_hot, beta=0.5).item() == 5
    assert sap_prune_count(torch.full((8,), 3.0)).item() == 0  # r = d
    assert sap_prune_count(one_hot, eta_r=1.0, p=0.5, q=1.0).item() == 9  # r = 1/4 < 1 changes nothing
    count = sap_prune_count(one_hot)
    assert count.dtype == torch.int64 and count.shape == ()


def test_sap_prune_count_batched_with_empty_and_zero_slices():
    gen = torch.Generator().manual_seed(2)
    w = torch.randn(6, 20, generator=gen) * torch.rand(6, 20, generator=gen) ** 4
    mask = torch.rand(6, 20, generator=gen) < 0.7
    mask[2] = False
    w[4] = 0.0
    got = sap_prune_count(w, 0.5, 1.0, gamma=2.0, beta=0.8, dim=1, mask=mask)
    assert got.dtype == torch.int64 and got.shape == (6,)
    for b in range(6):
        values = w[b][mask[b]]
        if values.numel() == 0 or not bool(values.any()):
            assert got[b].item() == 0
            continue
        d = values.numel()
        r = pqi_bound(values, 0.5, 1.0).item()
        assert got[b].item() == math.floor(min(2.0 * (d - r), 0.8 * d))
        assert got[b].item() == sap_prune_count(values, 0.5, 1.0, gamma=2.0, beta=0.8).item()


def test_sap_prune_count_of_a_large_float32_group_is_exact():
    """2^18 float32 entries where float32 power-sum terms put d - r 0.09 too high (count 40095):
    the count takes float64 terms and matches reference.sap_prune_count (40096, checked in
    tests/experiments/test_pipeline.py)."""
    w = torch.randn(2**18, generator=torch.Generator().manual_seed(30)) * 0.05
    assert int(sap_prune_count(w, 0.5, 1.0)) == 40096


def test_sap_counts_recheck_near_integer_slices_in_float64():
    """Batched and masked: the slice of the test above (float32 terms: 40095) is re-checked in
    float64 (40096) while the other slices keep their counts (= the float64 ones)."""
    hard = torch.randn(2**18, generator=torch.Generator().manual_seed(30)) * 0.05
    g = torch.Generator().manual_seed(3)
    w = torch.cat([torch.randn(3, 2**18, generator=g), hard[None]])
    mask = torch.cat([torch.rand(3, 2**18, generator=g) > 0.3, torch.ones(1, 2**18, dtype=torch.bool)])
    counts = sap_prune_count(w, 0.5, 1.0, dim=1, mask=mask)
    assert int(counts[3]) == 40096
    assert torch.equal(counts, sap_prune_count(w.double(), 0.5, 1.0, dim=1, mask=mask))


def test_count_parameter_errors():
    w = torch.ones(4)
    cases = [({"eta_r": -0.1}, "eta_r"), ({"gamma": 0}, "gamma"), ({"beta": 0}, "beta"),
             ({"beta": 1.5}, "beta"), ({"p": 1.0, "q": 1.0}, "q must be > p"), ({"p": 0.0}, "p must be > 0")]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            sap_prune_count(w, **kwargs)
    with pytest.raises(ValueError, match="eta_r"):
        pqi_bound(w, 0.5, 1.0, -1)
    with pytest.raises(ValueError, match="^pqi_bound is undefined .* has no non-zero entry"):
        pqi_bound(torch.zeros(3))
    with pytest.raises(ValueError, match="non-empty"):
        sap_prune_count(torch.tensor([]))
    with pytest.raises(ValueError, match="nan"):
        sap_prune_count(t([1.0, float("nan")]))


# --- masks ---------------------------------------------------------------------------------


def example():
    """Hand-checked example: magnitudes with ties across rows and tensors."""
    weights = {
        "a": t([[3.0, 1.0, -1.0, 2.0], [0.5, -0.5, 4.0, 0.5]]),
        "b": t([1.0, -1.0]),
    }
    masks = {k: torch.ones_like(v, dtype=torch.bool) for k, v in weights.items()}
    return weights, masks


def pruned(old, new):
    return {k: sorted(map(tuple, torch.nonzero(old[k] & ~new[k]).tolist())) for k in old}


def test_fixed_ratio_each_scope_with_ties():
    weights, masks = example()
    # layer: a (8 entries) prunes round(4.0) = 4: the three 0.5s, then the first 1 (a[0, 1]);
    # b prunes round(1.0) = 1: the first of two equal magnitudes.
    new = fixed_ratio_masks(weights, masks, scope="layer", amount=0.5)
    assert pruned(masks, new) == {"a": [(0, 1), (1, 0), (1, 1), (1, 3)], "b": [(0,)]}
    # neuron: each row of a prunes 2; b (1-D) is one group and prunes 1.
    new = fixed_ratio_masks(weights, masks, scope="neuron", amount=0.5)
    assert pruned(masks, new) == {"a": [(0, 1), (0, 2), (1, 0), (1, 1)], "b": [(0,)]}
    # global: 10 entries, 5 pruned: 0.5 x3, then the 1s in group order (a before b).
    new = fixed_ratio_masks(weights, masks, scope="global", amount=0.5)
    assert pruned(masks, new) == {"a": [(0, 1), (0, 2), (1, 0), (1, 1), (1, 3)], "b": []}
    for mask in new.values():
        assert mask.dtype == torch.bool


def test_fixed_ratio_rounds_half_to_even_and_keeps_pruned_entries():
    weights, masks = example()
    masks["a"][0, 1] = False
    masks["b"][0] = False
    new = fixed_ratio_masks(weights, masks, scope="layer", amount=0.5)
    # a: 7 unmasked entries, round(3.5) = 4; b: 1 unmasked, round(0.5) = 0.
    assert pruned(masks, new) == {"a": [(0, 2), (1, 0), (1, 1), (1, 3)], "b": []}
    assert not new["a"][0, 1] and not new["b"][0]
    assert fixed_ratio_masks({"w": torch.arange(1.0, 6.0)}, {"w": torch.ones(5, dtype=torch.bool)},
                             scope="layer", amount=0.5)["w"].sum().item() == 3  # round(2.5) = 2 pruned


def test_fixed_ratio_all_zero_group_is_pruned_like_any_other():
    new = fixed_ratio_masks({"w": torch.zeros(2, 4)}, {"w": torch.ones(2, 4, dtype=torch.bool)},
                            scope="neuron", amount=0.25)
    assert new["w"].tolist() == [[False, True, True, True], [False, True, True, True]]


def test_sap_masks_each_scope_hand_checked():
    # one-hot rows: r = 1, so each group of d entries prunes floor(min(d - 1, 0.9 d)).
    weights = {"w": t([[0.0, 0.0, 5.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]),
               "v": t([2.0, 0.0, 0.0])}
    masks = {k: torch.ones_like(v, dtype=torch.bool) for k, v in weights.items()}
    new = sap_masks(weights, masks, scope="neuron")
    # row 0: floor(min(3, 3.6)) = 3 zeros; row 1: all zero, nothing; row 2: constant, r = 4, 0.
    # v (1-D, one group): floor(min(2, 2.7)) = 2.
    assert pruned(masks, new) == {"w": [(0, 0), (0, 1), (0, 3)], "v": [(1,), (2,)]}
    layer = sap_masks(weights, masks, scope="layer")
    w_values = weights["w"].reshape(-1)
    count = sap_prune_count(w_values).item()
    assert sum(len(v) for v in pruned(masks, layer).values()) == count + sap_prune_count(weights["v"]).item()
    # layer w: the `count` smallest are zeros, in C order.
    zeros_in_order = [tuple(divmod(i, 4)) for i in range(12) if w_values[i] == 0][:count]
    assert pruned(masks, layer)["w"] == sorted(zeros_in_order)
    glob = sap_masks(weights, masks, scope="global")
    total = sap_prune_count(torch.cat([w_values, weights["v"]])).item()
    got = pruned(masks, glob)
    assert len(got["w"]) + len(got["v"]) == total


def test_sap_masks_group_without_unmasked_entries_prunes_nothing():
    weights = {"w": t([[1.0, 0.0, 0.0], [4.0, 5.0, 6.0]])}
    masks = {"w": torch.tensor([[False, False, False], [True, True, True]])}
    new = sap_masks(weights, masks, scope="neuron", gamma=10.0)
    assert new["w"][0].tolist() == [False, False, False]
    assert new["w"][1].sum().item() == 3 - sap_prune_count(t([4.0, 5.0, 6.0]), gamma=10.0).item()


@pytest.mark.parametrize("scope", ["layer", "neuron", "global"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_masks_agree_with_counts_and_stable_order(scope, dtype):
    """Batched masks = per-group loop: counts from sap_prune_count, the c smallest unmasked
    magnitudes, ties first in group order (here many ties: rounded values)."""
    gen = torch.Generator().manual_seed(9)
    weights = {"conv": torch.round(torch.randn(8, 3, 2, 2, generator=gen) * 4).to(dtype) / 4,
               "fc": torch.round(torch.randn(5, 7, generator=gen) * 4).to(dtype) / 4,
               "bias": torch.round(torch.randn(6, generator=gen) * 4).to(dtype) / 4}
    masks = {k: torch.rand(v.shape, generator=gen) < 0.8 for k, v in weights.items()}
    new = sap_masks(weights, masks, scope=scope, p=0.5, q=2.0, gamma=1.5)

    def groups():
        if scope == "global":
            yield [(k, i) for k in weights for i in range(weights[k].numel())]
            return
        for k, w in weights.items():
            rows = w.reshape(w.shape[0], -1) if scope == "neuron" and w.dim() > 1 else w.reshape(1, -1)
            for r in range(rows.shape[0]):
                yield [(k, r * rows.shape[1] + j) for j in range(rows.shape[1])]

    for group in groups():
        live = [(k, i) for k, i in group if masks[k].reshape(-1)[i]]
        if not live:
            continue
        values = torch.stack([weights[k].reshape(-1)[i] for k, i in live])
        c = sap_prune_count(values, 0.5, 2.0, gamma=1.5).item()
        order = sorted(range(len(live)), key=lambda j: (abs(values[j].item()), j))
        expected = {live[j] for j in order[:c]}
        got = {(k, i) for k, i in live if not new[k].reshape(-1)[i]}
        assert got == expected


def test_neuron_scope_on_conv_rows_matches_layer_scope_per_row():
    gen = torch.Generator().manual_seed(4)
    w = torch.randn(16, 4, 3, 3, generator=gen)
    m = torch.rand(16, 4, 3, 3, generator=gen) < 0.9
    new = fixed_ratio_masks({"w": w}, {"w": m}, scope="neuron", amount=0.3)["w"]
    for r in range(16):
        row = fixed_ratio_masks({"w": w[r]}, {"w": m[r]}, scope="layer", amount=0.3)["w"]
        assert torch.equal(new[r], row)


def test_mask_validation_errors():
    weights, masks = example()
    with pytest.raises(ValueError, match="scope"):
        sap_masks(weights, masks, scope="row")
    with pytest.raises(ValueError, match="amount"):
        fixed_ratio_masks(weights, masks, scope="layer", amount=1.5)
    with pytest.raises(ValueError, match="amount"):
        fixed_ratio_masks(weights, masks, scope="layer", amount=-0.1)
    for kwargs, message in [({"gamma": -1}, "gamma"), ({"beta": 0}, "beta"), ({"eta_r": -1}, "eta_r"),
                            ({"p": 2.0, "q": 1.0}, "q must be > p")]:
        with pytest.raises(ValueError, match=message):
            sap_masks(weights, masks, scope="layer", **kwargs)
    with pytest.raises(TypeError, match=r"^masks\['a'\] must be a boolean tensor"):
        sap_masks(weights, {"a": masks["a"].float(), "b": masks["b"]}, scope="layer")
    with pytest.raises(TypeError, match=r"^weights\['b'\] must be a torch.Tensor, got \[1.0, -1.0\] \(type list\)$"):
        sap_masks(dict(weights, b=[1.0, -1.0]), masks, scope="layer")
    with pytest.raises(ValueError, match="shape"):
        sap_masks(weights, {"a": masks["a"][0], "b": masks["b"]}, scope="layer")
    with pytest.raises(ValueError, match=r"keys of weights: missing \['b'\], unexpected \[\]$"):
        sap_masks(weights, {"a": masks["a"]}, scope="layer")
    with pytest.raises(ValueError, match=r"keys of weights: missing \[\], unexpected \['c'\]$"):
        sap_masks(weights, dict(masks, c=masks["b"]), scope="layer")
    with pytest.raises(TypeError, match="^weights must be a mapping name -> tensor, got list$"):
        sap_masks([weights["a"]], [masks["a"]], scope="layer")
    with pytest.raises(TypeError, match="^masks must be a mapping name -> tensor, got tuple$"):
        sap_masks(weights, (masks["a"], masks["b"]), scope="layer")
    bad = dict(weights, b=t([1.0, float("inf")]))
    masks["b"][1] = False
    with pytest.raises(ValueError, match=r"weights\['b'\]\[1\] is inf"):
        fixed_ratio_masks(bad, masks, scope="layer")


def test_empty_mapping_and_empty_tensor():
    assert sap_masks({}, {}, scope="global") == {}
    new = fixed_ratio_masks({"e": torch.zeros(0, 3), "w": torch.ones(4)},
                            {"e": torch.zeros(0, 3, dtype=torch.bool), "w": torch.ones(4, dtype=torch.bool)},
                            scope="neuron", amount=0.5)
    assert new["e"].shape == (0, 3) and new["w"].sum().item() == 2


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("scope", ["layer", "neuron", "global"])
def test_cuda_masks_match_cpu(scope):
    gen = torch.Generator().manual_seed(8)
    weights = {"a": torch.round(torch.randn(32, 40, generator=gen) * 8) / 8, "b": torch.randn(10, generator=gen)}
    masks = {k: torch.rand(v.shape, generator=gen) < 0.8 for k, v in weights.items()}
    cpu = sap_masks(weights, masks, scope=scope)
    cuda = sap_masks({k: v.cuda() for k, v in weights.items()}, {k: v.cuda() for k, v in masks.items()}, scope=scope)
    for k in weights:
        assert cuda[k].device.type == "cuda" and torch.equal(cuda[k].cpu(), cpu[k])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_global_scope_ranks_tensors_on_different_devices():
    """One global group over a CUDA tensor and a CPU tensor: ranked on the first tensor's
    device, each new mask on its own weight's device, the same masks as all on the CPU."""
    gen = torch.Generator().manual_seed(9)
    weights = {"a": torch.randn(6, 5, generator=gen), "b": torch.randn(7, generator=gen)}
    masks = {k: torch.rand(v.shape, generator=gen) < 0.8 for k, v in weights.items()}
    cpu = sap_masks(weights, masks, scope="global")
    mixed = sap_masks({"a": weights["a"].cuda(), "b": weights["b"]}, {"a": masks["a"].cuda(), "b": masks["b"]},
                      scope="global")
    assert mixed["a"].device.type == "cuda" and mixed["b"].device.type == "cpu"
    assert torch.equal(mixed["a"].cpu(), cpu["a"]) and torch.equal(mixed["b"], cpu["b"])
