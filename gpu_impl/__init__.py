"""torch implementation of sparsity measures and pruning (SPEC §3); never imports ``reference``.

Same names and meanings as ``reference`` (SPEC §2) on ``torch.Tensor``s, any device, batched
over ``dim``/``mask`` where a function reduces a vector; real results are float64 tensors,
counts int64 tensors, masks bool tensors.
"""

from .limit import PruningLimit, Spectrum, pruning_limit
from .measures import gini, pq_index
from .pruning import SCOPES, fixed_ratio_masks, pqi_bound, sap_masks, sap_prune_count

__all__ = [
    "SCOPES",
    "PruningLimit",
    "Spectrum",
    "fixed_ratio_masks",
    "gini",
    "pq_index",
    "pqi_bound",
    "pruning_limit",
    "sap_masks",
    "sap_prune_count",
]
