"""Every error of the reference's pruning and limit functions names the argument and the value
(contract §1): the whole message, so that a message naming the wrong argument fails here."""

from __future__ import annotations

import numpy as np
import pytest

from sparsity_oracle.reference import (
    Spectrum,
    eta,
    fixed_ratio_masks,
    gini,
    pq_index,
    pqi_bound,
    pruning_groups,
    pruning_limit,
    quadratic_limit,
    removed_squares,
    sap_count_and_bound,
    sap_masks,
    sap_prune_count,
    smallest_positions,
)

W = {"w": np.ones((2, 2))}
KEPT = {"w": np.ones((2, 2), dtype=bool)}

CASES = [
    (lambda: sap_masks([np.ones(2)], KEPT, scope="layer"), TypeError, "weights must be a mapping name -> array, got list"),
    (lambda: sap_masks(W, [np.ones(2)], scope="layer"), TypeError, "masks must be a mapping name -> array, got list"),
    (lambda: fixed_ratio_masks(W, {"v": KEPT["w"]}, scope="layer"), ValueError,
     "masks must have the keys of weights: missing ['w'], unexpected ['v']"),
    (lambda: fixed_ratio_masks({"w": np.ones(2), "x": np.ones(1)}, {"w": np.ones(2, bool), "y": np.ones(1, bool)},
                               scope="layer"), ValueError, "masks must have the keys of weights: missing ['x'], unexpected ['y']"),
    (lambda: sap_masks(W, {"w": np.ones((2, 2))}, scope="layer"), TypeError, "masks['w'] must be a boolean array, got dtype float64"),
    (lambda: sap_masks(W, {"w": np.ones((2, 3), dtype=bool)}, scope="layer"), ValueError,
     "masks['w'] has shape (2, 3) but weights['w'] has shape (2, 2)"),
    (lambda: sap_masks(W, KEPT, scope="row"), ValueError, "scope must be one of ('global', 'layer', 'neuron'), got scope='row'"),
    (lambda: list(pruning_groups([np.ones(2)], [np.ones(2, dtype=bool)], "row")), ValueError,
     "scope must be one of ('global', 'layer', 'neuron'), got scope='row'"),
    (lambda: fixed_ratio_masks(W, KEPT, scope="layer", amount=1.5), ValueError, "amount must lie in [0, 1], got amount=1.5"),
    (lambda: fixed_ratio_masks(W, KEPT, scope="layer", amount=-0.1), ValueError, "amount must lie in [0, 1], got amount=-0.1"),
    (lambda: sap_masks(W, KEPT, scope="layer", beta=0), ValueError, "beta must lie in (0, 1], got beta=0"),
    (lambda: smallest_positions([1, float("nan")], 1), ValueError, "values[1] must be finite, got nan"),
    (lambda: sap_prune_count([1, 2], gamma=0), ValueError, "gamma must be > 0, got gamma=0"),
    (lambda: sap_prune_count([1, 2], eta_r=-1), ValueError, "eta_r must be >= 0, got eta_r=-1"),
    (lambda: sap_prune_count([1, 2], p=1, q=1), ValueError, "q must be > p, got q=1 and p=1"),
    (lambda: sap_count_and_bound([1, 2], beta=2), ValueError, "beta must lie in (0, 1], got beta=2"),
    (lambda: sap_count_and_bound([1, 2], dps=0), ValueError, "dps must be a positive integer, got dps=0"),
    (lambda: pruning_limit([1, 2], [1, 1], 1, negative="clip"), ValueError,
     "negative must be one of ('abs', 'zero'), got negative='clip'"),
    (lambda: pruning_limit([1, 2], [1, 1, 1], 1), ValueError,
     "spectrum must hold one eigenvalue per magnitude (D = 2), got 3 values"),
    (lambda: pruning_limit([1, 2], [1, 1], 1, eta=1), ValueError, "eta must lie in (0, 1), got eta=1"),
    (lambda: pruning_limit([1, 2], [1, 1], 0), ValueError, "eps must be > 0, got eps=0"),
    (lambda: removed_squares([]), ValueError, "magnitudes must be non-empty, got an empty vector"),
    (lambda: Spectrum([1], []), ValueError, "weights must be non-empty, got an empty vector"),
    (lambda: Spectrum([1, 2], [0.5]), ValueError, "nodes and weights must have the same length, got 2 and 1"),
    (lambda: Spectrum([1, 2], [1.5, -0.5]), ValueError, "weights must be >= 0, got weights[1]=-0.5"),
    (lambda: Spectrum([1, 2], [0.5, 0.6]), ValueError, "weights must sum to 1, got a sum of 1.1000000000000001"),
    (lambda: Spectrum([1], [1], zero_fraction=2), ValueError, "zero_fraction must lie in [0, 1], got zero_fraction=2"),
    (lambda: quadratic_limit([1, 2], [[1, 0]], 1), ValueError, "hessian must be a 2 x 2 matrix (D = len(weights)), got [[1, 0]]"),
    (lambda: quadratic_limit([1, 2], [[1, 0], [0]], 1), ValueError, "hessian must be a 2 x 2 matrix, but row 1 is [0]"),
    (lambda: quadratic_limit([1, 2], [[1, 2], [0, 1]], 1), ValueError,
     "hessian must be symmetric, got hessian[1][0]=0 != hessian[0][1]=2"),
    (lambda: quadratic_limit([1, 2], [[1, 0], [0, -1]], 1), ValueError, "hessian must be positive semi-definite"),
    (lambda: eta([1, 2], 3, 0.5), ValueError, "r must satisfy 1 <= r <= d = 2, got r=3"),
    (lambda: eta([1, 2], 1.5, 0.5), TypeError, "r must be an integer, got 1.5"),
    (lambda: eta([0, 0], 1, 0.5), ValueError, "eta is undefined for an all-zero vector (w has no non-zero entry)"),
    (lambda: gini([0, 0]), ValueError, "gini is undefined for an all-zero vector (w has no non-zero entry)"),
    (lambda: pq_index([0, 0]), ValueError, "pq_index is undefined for an all-zero vector (w has no non-zero entry)"),
    (lambda: pqi_bound([0.0, 0.0]), ValueError, "pqi_bound is undefined for an all-zero vector (w has no non-zero entry)"),
    (lambda: pqi_bound([1, 2], eta_r=-1), ValueError, "eta_r must be >= 0, got eta_r=-1"),
]


@pytest.mark.parametrize("call, error, message", CASES, ids=[c[2][:50] for c in CASES])
def test_the_whole_message(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_an_integer_like_retained_count_is_accepted():
    """r may be any integer type with ``__index__`` (numpy's, as a count from an array is)."""
    assert eta([1, 2, 4], np.int64(2), 1) == eta([1, 2, 4], 2, 1) == pytest.approx(1 / 6)


def test_a_non_finite_weight_is_named_by_tensor_and_flat_index():
    with pytest.raises(ValueError) as raised:
        sap_masks({"w": np.array([[1.0, np.nan], [1.0, 1.0]])}, KEPT, scope="layer")
    text = str(raised.value)
    assert text.startswith("weights['w'] (flattened)[1] is ") and text.endswith(": entries must be finite")
