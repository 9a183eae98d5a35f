"""The oracle applied to ``torch.nn.utils.prune.l1_unstructured`` (layer-scope fixed ratio).

Observed (docs/oracle.md): the counts agree (torch rounds the float product amount * d, which
the oracle admits), and the choice among entries of equal magnitude does not: torch selects
with ``topk``, whose tie order is unspecified, while contract §1 prunes ties first in group order.
The oracle names that difference: cause ``convention``, ``tie-order``, and nothing else.
"""

from __future__ import annotations

import numpy as np
import pytest

from sparsity_oracle.oracle import Case, as_implementation, check, run_checks
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


def test_only_the_tie_order_differs():
    report = run_checks(IMPL, functions=("fixed_ratio_masks",), generated=25)
    function = report.functions["fixed_ratio_masks"]
    assert report.failures, "torch's tie order now matches contract §1: update docs/oracle.md"
    assert {(f.cause, f.conventions) for f in report.failures} == {("convention", ("tie-order",))}
    assert set(function.skip_reasons) == {"scope 'global' not in SCOPES ('layer',)",
                                          "scope 'neuron' not in SCOPES ('layer',)"}
    accepted = run_checks(IMPL, functions=("fixed_ratio_masks",), generated=25, accept=("tie-order",))
    assert not accepted.failures and len(accepted.accepted) == len(report.failures)


def test_ties_are_not_first_in_order():
    failure = check(IMPL, layer_case(np.ones(40)))
    assert failure is not None and failure.conventions == ("tie-order",)


def test_float_product_rounding_is_admitted():
    """0.3 * 5 is exactly 1.5 in float64 (rounded to even: 2); the exact product 1.4999... gives 1."""
    case = layer_case(np.arange(5.0), amount=0.3)
    assert (~fixed_ratio_masks(**case.kwargs)["w"]).sum() == 1
    assert (~torch_prune_adapter.fixed_ratio_masks(**case.kwargs)["w"]).sum() == 2
    assert check(IMPL, case) is None
