"""sparsity-oracle reference: the specification as code (mpmath + numpy, no torch).

Scalar results are ``mpmath.mpf`` values with relative error below 10**-dps, or with
``certified=True`` rigorous ``mpmath.mpi`` enclosures; counts are exact integers.
"""

from .gini import gini
from .limit import PruningLimit, Spectrum, pruning_limit, quadratic_limit
from .measures import MEASURES
from .pqi import eta, pq_index, pqi_bound
from .sap import SCOPES, fixed_ratio_masks, sap_masks, sap_prune_count
from .spode import spode_direction

__all__ = [
    "MEASURES", "PruningLimit", "SCOPES", "Spectrum", "eta", "fixed_ratio_masks", "gini",
    "pq_index", "pqi_bound", "pruning_limit", "quadratic_limit", "sap_masks",
    "sap_prune_count", "spode_direction",
]
