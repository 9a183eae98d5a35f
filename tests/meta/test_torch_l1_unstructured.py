"""The oracle applied to ``torch.nn.utils.prune.l1_unstructured`` (layer-scope fixed ratio).

Observed (docs/oracle.md): the counts agree (torch rounds the float product amount * d, which
the oracle admits), and the choice among entries of equal magnitude does not: torch selects
with ``topk``, whose tie order is unspecified, while SPEC §1 prunes ties first in group order.
"""

from __future__ import annotations

import numpy as np
import pytest

from sparsity_oracle.oracle import Case, as_implementation, check, hard_cases
from sparsity_oracle.reference.sap import fixed_ratio_masks

pytest.importorskip("torch")
from meta import torch_prune_adapter  # noqa: E402

IMPL = as_implementation(torch_prune_adapter, "meta.torch_prune_adapter")


def layer_case(w, amount=0.2):
    w = np.asarray(w, dtype=np.float64)
    return Case("fixed_ratio_masks", {"weights": {"w": w}, "masks": {"w": np.ones(w.shape, dtype=bool)},
                                      "scope": "layer", "amount": amount}, "l1_unstructured")


def test_distinct_magnitudes_agree():
    rng = np.random.default_rng(0)
    for amount in (0.1, 0.2, 0.5, 0.9):
        assert check(IMPL, layer_case(rng.permutation(np.arange(1.0, 41.0)).reshape(5, 8), amount)) is None


def test_counts_agree_but_ties_do_not():
    found = [check(IMPL, c) for c in hard_cases("fixed_ratio_masks") if c.kwargs["scope"] == "layer"]
    failures = [f for f in found if f is not None]
    assert failures, "torch's tie order now matches SPEC §1: update docs/oracle.md"
    assert all("ties first in group order" in f.note and "admitted" not in f.note for f in failures)


def test_ties_are_not_first_in_order():
    failure = check(IMPL, layer_case(np.ones(40)))
    assert failure is not None and "ties first in group order" in failure.note


def test_float_product_rounding_is_admitted():
    """0.3 * 5 is exactly 1.5 in float64 (rounded to even: 2); the exact product 1.4999... gives 1."""
    case = layer_case(np.arange(5.0), amount=0.3)
    assert (~fixed_ratio_masks(**case.kwargs)["w"]).sum() == 1
    assert (~torch_prune_adapter.fixed_ratio_masks(**case.kwargs)["w"]).sum() == 2
    assert check(IMPL, case) is None
