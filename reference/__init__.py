"""sparsity-oracle reference: the specification as code (mpmath + numpy, no torch).

Scalar results are ``mpmath.mpf`` values with relative error below 10**-dps, or with
``certified=True`` rigorous ``mpmath.mpi`` enclosures; counts are exact integers.
"""

from .gini import gini
from .pqi import eta, pq_index, pqi_bound

__all__ = ["eta", "gini", "pq_index", "pqi_bound"]
