"""sparsity-oracle reference: the specification as code (mpmath + numpy, no torch).

Scalar results are ``mpmath.mpf`` values with relative error below 10**-dps, or with
``certified=True`` rigorous ``mpmath.mpi`` enclosures; counts are exact integers.
"""

from ._inputs import exact_real
from ._precision import MAX_DPS, endpoints
from .gini import gini
from .limit import PruningLimit, Spectrum, first_satisfied, pruning_limit, quadratic_limit, removed_squares
from .measures import MEASURES
from .pqi import eta, pq_index, pqi_bound
from .sap import (SCOPES, SapParameters, fixed_ratio_masks, pruning_groups, sap_count_and_bound, sap_masks,
                  sap_parameters, sap_prune_count, smallest_positions)
from .spode import (euler_step, final_mask, polarise, sparsity_index, sparsity_index_gradient, spode_direction,
                    step_sizes, update_scores)

__all__ = [
    "MAX_DPS", "MEASURES", "PruningLimit", "SCOPES", "SapParameters", "Spectrum", "endpoints", "eta", "exact_real", "first_satisfied",
    "fixed_ratio_masks", "gini", "pq_index", "pqi_bound", "pruning_groups", "pruning_limit",
    "quadratic_limit", "removed_squares", "sap_count_and_bound", "sap_masks", "sap_parameters",
    "sap_prune_count",
    "smallest_positions", "spode_direction",
    "euler_step", "final_mask", "polarise", "sparsity_index", "sparsity_index_gradient", "step_sizes", "update_scores",
]
