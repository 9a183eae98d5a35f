"""Gini functions from the package index, as a user would wrap them for the oracle (magnitudes
passed, nothing else changed).  They are not test dependencies (ineqpy pulls numba, PySAL's
``inequality`` pulls geopandas): docs/oracle.md records what the oracle says about them and the
command that checks them, e.g.

    pip install ineqpy inequality
    PYTHONPATH=tests sparsity-oracle verify --only differential --impl meta.third_party_gini:Ineqpy
"""

from __future__ import annotations

import numpy as np


class Ineqpy:
    """``ineqpy.inequality.gini`` (ineqpy 0.4.1): 2 cov(x, F(x)) / mean(x)."""

    def gini(self, w):
        from ineqpy.inequality import gini

        return float(gini(np.abs(np.asarray(w, dtype=np.float64))))


class Pysal:
    """``inequality.gini.Gini(x).g`` (PySAL inequality 1.1.2):
    (2 sum_k k x_(k) - (N + 1) sum x) / (N sum x)."""

    def gini(self, w):
        from inequality.gini import Gini

        return float(Gini(np.abs(np.asarray(w, dtype=np.float64))).g)
