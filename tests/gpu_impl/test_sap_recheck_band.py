"""The SAP count's float64 re-check covers the whole float32 error band, not just its centre."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle import reference  # noqa: E402
from sparsity_oracle.gpu_impl.pruning import sap_prune_count  # noqa: E402

#: 999 equal float32 entries and one 1.0: every float32 power term carries the same rounding,
#: so float32 terms put r 1.3e-4 too high (4.6 % of the band's worst case, where a random vector
#: reaches a few per mille), and gamma places the integer 2 between the float32-term value
#: 1.99994 and the exact 2.00006: 2.3 % of the band from the float32 value.
X = 0.16881825029850006
GAMMA = 0.9786238906567098


def test_recheck_reaches_the_edge_of_the_band():
    w = np.full(1000, X, dtype=np.float32)
    w[0] = 1.0
    assert reference.sap_prune_count(w.astype(np.float64), 0.5, 1.0, gamma=GAMMA, beta=1.0) == 2
    assert int(sap_prune_count(torch.from_numpy(w), 0.5, 1.0, gamma=GAMMA, beta=1.0)) == 2
    batched = torch.from_numpy(np.stack([w, w[::-1].copy()]))
    assert sap_prune_count(batched, 0.5, 1.0, gamma=GAMMA, beta=1.0, dim=1).tolist() == [2, 2]
