"""The SAP count's float64 re-check covers the whole float32 error band, not just its centre."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle import reference  # noqa: E402
from sparsity_oracle.gpu_impl.pruning import (  # noqa: E402
    FLOAT32_POWER_SUM_ERROR,
    pqi_bound,
    sap_count_and_bound,
    sap_prune_count,
)

#: 999 equal float32 entries and one 1.0: every float32 power term carries the same rounding,
#: so float32 terms put r 1.3e-4 too high (4.6 % of the band's worst case, where a random vector
#: reaches a few per mille), and gamma places the integer 2 between the float32-term value
#: 1.99994 and the exact 2.00006: 2.3 % of the band from the float32 value.
X = 0.16881825029850006
GAMMA = 0.9786238906567098


def equal_entries(x, d=1000):
    """d - 1 float32 entries x and one 1.0."""
    w = np.full(d, x, dtype=np.float32)
    w[0] = 1.0
    return w


# beta = 1: the count's min is gamma (d - r); beta = 0.9995: d beta = 999.5 lies far from an
# integer, so only gamma (d - r), not the other term of the min, can put the slice in the band.
@pytest.mark.parametrize("beta", [1.0, 0.9995])
def test_recheck_reaches_the_edge_of_the_band(beta):
    w = equal_entries(X)
    assert reference.sap_prune_count(w.astype(np.float64), 0.5, 1.0, gamma=GAMMA, beta=beta) == 2
    assert int(sap_prune_count(torch.from_numpy(w), 0.5, 1.0, gamma=GAMMA, beta=beta)) == 2
    batched = torch.from_numpy(np.stack([w, w[::-1].copy()]))
    assert sap_prune_count(batched, 0.5, 1.0, gamma=GAMMA, beta=beta, dim=1).tolist() == [2, 2]


def test_recheck_band_grows_with_the_exponent_amplification():
    """q close to p: r = s_p^{q/(q-p)} / s_q^{p/(q-p)} amplifies the float32 terms' error by
    (q + p)/(q - p) = 101, so float32 terms put gamma (d - r) at 22.977 where the exact value is
    23.019; the band (2 (q + p)/(q - p) 2^-21 relative, 0.094 here) must scale with that
    factor to re-check the slice."""
    p, q, gamma, beta = 0.5, 0.51, 1.003, 0.9995
    w = equal_entries(0.005477360915392637)
    float32_terms = pqi_bound(torch.from_numpy(w), p, q).item()
    assert math.floor(gamma * (w.size - float32_terms)) == 22  # what float32 terms alone give
    assert reference.sap_prune_count(w.astype(np.float64), p, q, gamma=gamma, beta=beta) == 23
    assert int(sap_prune_count(torch.from_numpy(w), p, q, gamma=gamma, beta=beta)) == 23


def test_a_slice_exactly_at_the_edge_of_the_band_is_rechecked():
    """The band is closed: where the count's value min(gamma (d - r), d beta) lies exactly
    gamma r eps (eps = 2 (q + p)/(q - p) 2^-21, r from float32 terms) from an integer, the
    slice is re-checked and its bound comes from float64 terms."""
    w = torch.from_numpy(equal_entries(X))
    d = w.numel()
    float32_terms = pqi_bound(w, 0.5, 1.0).item()
    float64_terms = pqi_bound(w.double(), 0.5, 1.0).item()
    assert float32_terms != float64_terms
    gamma = 1.0
    for _ in range(100_000):  # the first gamma >= 1 with 1 + band and d beta = 1 + band exact
        band = 2 * gamma * float32_terms * 3 * FLOAT32_POWER_SUM_ERROR  # (q + p)/(q - p) = 3
        beta = (1 + band) / d
        if (1 + band) - 1 == band and d * beta == 1 + band:
            break
        gamma = math.nextafter(gamma, 2.0)
    else:
        pytest.fail("no gamma puts the value exactly at the band's edge")
    assert gamma * (d - float32_terms) > d * beta  # the value is d beta = 1 + band
    count, bound = sap_count_and_bound(w, 0.5, 1.0, gamma=gamma, beta=beta)
    assert int(count) == 1
    assert bound.item() == float64_terms
