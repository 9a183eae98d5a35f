"""Known-bad implementations ("mutants"), each overriding one decision of the careful
``NumpyImpl`` (or of its float32 form): the oracle must reject every one (``test_mutants``),
and name the cause of each in ``EXPECTED`` for every failing case (``test_causes``)."""

from __future__ import annotations

import math

import numpy as np

from meta.numpy_impl import NumpyImpl


class NumpyImpl32(NumpyImpl):
    DTYPE = "float32"
    work = np.float32


# --- invalid-input ----------------------------------------------------------------------------


class NoFiniteCheck(NumpyImpl):
    """Takes NaN and inf entries (returns nan) instead of raising ValueError."""

    def _magnitudes(self, w):
        c = np.abs(np.asarray(w).astype(self.work))
        if c.ndim != 1 or c.size == 0:
            raise ValueError(f"w must be a non-empty 1-D vector, got {w!r}")
        return c


# --- conventions ------------------------------------------------------------------------------


class SampleGini(NumpyImpl):
    """The sample Gini, N/(N - 1) times Hurley-Rickard's (as ineqpy computes it); nan at N = 1."""

    def gini(self, w):
        n = len(w)
        return super().gini(w) * n / (n - 1) if n > 1 else math.nan


class NonzeroD(NumpyImpl):
    """PQI with d = the number of non-zero entries (zeros dropped first)."""

    def pq_index(self, w, p, q):
        c = self._magnitudes(w)
        self._nonzero(c)
        return super().pq_index(c[c != 0], p, q)


class CeilCount(NumpyImpl):
    """SAP with ceil instead of floor."""

    _round_count = staticmethod(math.ceil)


class FloorCount(NumpyImpl):
    """Fixed ratio with int(amount d) instead of round(amount d)."""

    def _fixed_count(self, amount, d):
        return int(amount * d)


class TieOrder(NumpyImpl):
    """Among equal magnitudes prunes the last in group order first (torch.topk does not promise
    an order either)."""

    def _smallest(self, mags, c):
        return len(mags) - 1 - np.argsort(mags[::-1], kind="stable")[:c]


class TiesKept(NumpyImpl):
    """Keeps |w| >= t, t = the smallest magnitude the contract keeps: ties at t all stay."""

    def _smallest(self, mags, c):
        if c >= len(mags):
            return np.arange(len(mags))
        return np.flatnonzero(mags < np.sort(mags)[c])


class TiesPruned(NumpyImpl):
    """Prunes |w| <= t, t = the largest magnitude the contract prunes: ties at t all go."""

    def _smallest(self, mags, c):
        if c == 0:
            return np.arange(0)
        return np.flatnonzero(mags <= np.sort(mags)[c - 1])


class QuantileThreshold(NumpyImpl):
    """Fixed ratio: prunes |w| below the amount-quantile of the group's magnitudes."""

    def fixed_ratio_masks(self, weights, masks, *, scope, amount):
        new = {k: np.asarray(masks[k]).copy() for k in weights}
        for segments, _ in self._groups(weights, masks, scope):
            mags = [np.abs(np.asarray(weights[k]).reshape(-1)[idx]) for k, idx in segments]
            if sum(m.size for m in mags):
                threshold = np.quantile(np.concatenate(mags), amount)
                for (k, idx), m in zip(segments, mags):
                    new[k].reshape(-1)[idx[m < threshold]] = False
        return new


class MaskedEntriesCounted(NumpyImpl):
    """SAP with d_t = the group's entries including masked ones (PQI of w * mask)."""

    def _group_size(self, values, entries):
        return entries


class NegativeEigenvaluesZero(NumpyImpl):
    """Pruning limit with max(lambda, 0) instead of |lambda|."""

    def pruning_limit(self, magnitudes, spectrum, eps):
        return super().pruning_limit(magnitudes, np.maximum(np.asarray(spectrum, dtype=self.work), 0), eps)


# --- overflow and underflow -------------------------------------------------------------------


class UnscaledNorms32(NumpyImpl32):
    """PQI from ||w||_t = (sum |w|^t)^(1/t) in float32 without scaling: overflows at p = 0.1 on
    realistic layers (the paper's code) and for large magnitudes, underflows for small ones."""

    def pq_index(self, w, p, q):
        self._pq(p, q)
        c = self._magnitudes(w)
        self._nonzero(c)
        with np.errstate(all="ignore"):
            norm_p = np.sum(c ** np.float32(p)) ** np.float32(1 / p)
            norm_q = np.sum(c ** np.float32(q)) ** np.float32(1 / q)
            return float(1 - np.float32(len(c)) ** np.float32(1 / q - 1 / p) * norm_p / norm_q)


# --- cancellation ------------------------------------------------------------------------------


class BoundFromPqi(NumpyImpl):
    """PQI-bound as d (1 + eta_r)^(-q/(q-p)) (1 - I)^(qp/(q-p)) from a careful I: 1 - I cancels
    near I = 1."""

    def pqi_bound(self, w, p, q, eta_r):
        if eta_r < 0:
            raise ValueError(f"eta_r must be >= 0, got {eta_r}")
        pqi = self.pq_index(w, p, q)
        return float(len(w) * (1 + eta_r) ** (-q / (q - p)) * (1 - pqi) ** (q * p / (q - p)))


# --- off-by-one --------------------------------------------------------------------------------


class CountMinusOne(NumpyImpl):
    """SAP count one short (floor(y) - 1, not below 0)."""

    def _count(self, d, r, gamma, beta):
        return max(0, super()._count(d, r, gamma, beta) - 1)


class GiniRankShifted(NumpyImpl):
    """Gini with 0-based ranks: weights N - i + 1/2 for i = 0..N-1."""

    def _gini_weights(self, n):
        return n - np.arange(n, dtype=self.work) + 0.5


# --- wrong-value -------------------------------------------------------------------------------


class GiniEpsilon(NumpyImpl):
    """Gini of |w| + 1e-7 (a guard against division by zero): wrong for small magnitudes."""

    def gini(self, w):
        c = self._magnitudes(w)
        self._nonzero(c)
        return super().gini(c + 1e-7)


# --- crash -------------------------------------------------------------------------------------


class DeadNeuronCrash(NumpyImpl):
    """Fixed ratio per group via the threshold magnitude sorted[c - 1]: IndexError on a group with
    no unmasked entry (a fully masked neuron)."""

    def _groups(self, weights, masks, scope):
        for segments, entries in super()._groups(weights, masks, scope):
            if not sum(len(idx) for _, idx in segments):
                np.sort(np.zeros(0))[-1]  # the threshold of an empty group
            yield segments, entries


# --- several causes -----------------------------------------------------------------------------


class SapFloat32(NumpyImpl):
    """Declares float64 but computes in float32: counts one off near integers (the near-integer
    hard case), entries beyond float32's range rejected, small ones flushed to zero."""

    work = np.float32


# --- capabilities ------------------------------------------------------------------------------


class LayerScopeOnly(NumpyImpl):
    """Declares the layer scope only (as torch.nn.utils.prune.l1_unstructured prunes one tensor)."""

    SCOPES = ("layer",)


#: Mutant -> (the function it breaks, the cause of every failure, the conventions named)
EXPECTED = {
    NoFiniteCheck: ("pq_index", "invalid-input", ()),
    SampleGini: ("gini", "convention", ("sample-gini",)),
    NonzeroD: ("pq_index", "convention", ("nonzero-d",)),
    CeilCount: ("sap_prune_count", "convention", ("ceil-count",)),
    FloorCount: ("fixed_ratio_masks", "convention", ("floor-count",)),
    TieOrder: ("fixed_ratio_masks", "convention", ("tie-order",)),
    TiesKept: ("fixed_ratio_masks", "convention", ("ties-kept",)),
    TiesPruned: ("sap_masks", "convention", ("ties-pruned",)),
    QuantileThreshold: ("fixed_ratio_masks", "convention", ("quantile-threshold",)),
    MaskedEntriesCounted: ("sap_masks", "convention", ("masked-entries-counted",)),
    NegativeEigenvaluesZero: ("pruning_limit", "convention", ("negative-eigenvalues-zero",)),
    BoundFromPqi: ("pqi_bound", "cancellation", ()),
    CountMinusOne: ("sap_prune_count", "off-by-one", ()),
    GiniRankShifted: ("gini", "off-by-one", ("rank-shifted",)),
    GiniEpsilon: ("gini", "wrong-value", ()),
    DeadNeuronCrash: ("fixed_ratio_masks", "crash", ()),
}

#: Every mutant and the function it breaks.
MUTANTS = {**{cls: spec[0] for cls, spec in EXPECTED.items()}, UnscaledNorms32: "pq_index",
           SapFloat32: "sap_prune_count"}
