"""A careful numpy implementation of the oracle interface (contract §7), with one hook per
decision that a mutant (``test_mutants``) overrides.  The oracle must accept it as is."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np


class NumpyImpl:
    DTYPE = "float64"
    #: the precision the arithmetic actually uses (a mutant may differ from DTYPE)
    work = np.float64

    def _magnitudes(self, w):
        with np.errstate(over="ignore"):
            c = np.abs(np.asarray(w).astype(self.work))
        if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)):
            raise ValueError(f"w must be a non-empty finite 1-D vector, got {w!r}")
        return c

    def _pq(self, p, q):
        if not 0 < p < q:
            raise ValueError(f"need 0 < p < q, got p={p}, q={q}")

    def _log_scaled_sum(self, c, t):
        """log sum_i (c_i / max c)^t, the scale cancels in every formula below."""
        nz = c[c > 0]
        return np.log(np.sum((nz / nz.max()) ** self.work(t)))

    def _nonzero(self, c):
        if not np.any(c):
            raise ValueError("undefined for an all-zero vector")

    def pq_index(self, w, p, q):
        self._pq(p, q)
        c = self._magnitudes(w)
        self._nonzero(c)
        log_r = (1 / q - 1 / p) * np.log(self.work(len(c))) + self._log_scaled_sum(c, p) / p \
            - self._log_scaled_sum(c, q) / q
        return float(-np.expm1(log_r))

    def _gini_weights(self, n):
        return n - np.arange(1, n + 1, dtype=self.work) + self.work(0.5)

    def gini(self, w):
        c = self._magnitudes(w)
        self._nonzero(c)
        x = np.sort(c) / c.max()
        n = len(x)
        return float(1 - 2 * np.sum(x * self._gini_weights(n)) / (n * np.sum(x)))

    def pqi_bound(self, w, p, q, eta_r):
        self._pq(p, q)
        if eta_r < 0:
            raise ValueError(f"eta_r must be >= 0, got {eta_r}")
        c = self._magnitudes(w)
        self._nonzero(c)
        gap = q - p
        log_r = (q * self._log_scaled_sum(c, p) - p * self._log_scaled_sum(c, q)) / gap \
            - q / gap * np.log1p(self.work(eta_r))
        return float(np.exp(log_r))

    _round_count = staticmethod(math.floor)

    def sap_prune_count(self, w, p, q, eta_r, gamma, beta):
        if not 0 < beta <= 1 or gamma <= 0:
            raise ValueError(f"need gamma > 0 and 0 < beta <= 1, got gamma={gamma}, beta={beta}")
        c = self._magnitudes(w)
        if not np.any(c):
            return 0
        d = len(c)
        r = self.pqi_bound(c, p, q, eta_r)
        return self._count(d, r, gamma, beta)

    def _count(self, d, r, gamma, beta):
        return int(self._round_count(max(0.0, min(gamma * (d - r), d * beta))))

    # --- masks ------------------------------------------------------------------------------

    def _groups(self, weights, masks, scope):
        """(segments [(name, flat unmasked indices)], values, entries in the group incl. masked)."""
        names = list(weights)
        if scope == "global":
            segments = [(k, np.flatnonzero(masks[k])) for k in names]
            yield segments, sum(np.size(masks[k]) for k in names)
            return
        for k in names:
            mask = np.asarray(masks[k])
            if scope == "layer" or mask.ndim <= 1:
                yield [(k, np.flatnonzero(mask))], mask.size
                continue
            rows = mask.reshape(mask.shape[0], -1)
            for j, row in enumerate(rows):
                yield [(k, j * rows.shape[1] + np.flatnonzero(row))], row.size

    def _smallest(self, mags, c):
        return np.argsort(mags, kind="stable")[:c]

    def _group_size(self, values, entries):
        return len(values)

    def _prune(self, weights, masks, scope, count):
        new = {k: np.asarray(masks[k]).copy() for k in weights}
        for segments, entries in self._groups(weights, masks, scope):
            values = np.concatenate([np.asarray(weights[k]).reshape(-1)[idx] for k, idx in segments])
            if not values.size:
                continue
            chosen = self._smallest(np.abs(values.astype(self.work)), count(values, entries))
            owners = np.concatenate([[k] * len(idx) for k, idx in segments])
            flat = np.concatenate([idx for _, idx in segments])
            for i in chosen:
                new[owners[i]].reshape(-1)[flat[i]] = False
        return new

    def sap_masks(self, weights, masks, *, scope, p, q, eta_r, gamma, beta):
        def count(values, entries):
            if not np.any(values):
                return 0
            r = self.pqi_bound(values, p, q, eta_r)
            return self._count(self._group_size(values, entries), r, gamma, beta)

        return self._prune(weights, masks, scope, count)

    def _fixed_count(self, amount, d):
        return round(amount * d)

    def fixed_ratio_masks(self, weights, masks, *, scope, amount):
        return self._prune(weights, masks, scope, lambda values, entries: self._fixed_count(amount, len(values)))

    def pruning_limit(self, magnitudes, spectrum, eps):
        m = np.sort(np.abs(np.asarray(magnitudes, dtype=self.work)))
        tails = np.concatenate([np.cumsum(m**2)[::-1], [0.0]])
        lam = np.abs(np.asarray(spectrum, dtype=self.work))
        for k, r2 in enumerate(tails):
            f = np.sum(lam * r2 / (lam * r2 + 2 * eps)) if r2 > 0 else 0.0
            if k >= f:
                return SimpleNamespace(kept=k, radius=float(np.sqrt(r2)))
        raise AssertionError("k = D always satisfies k >= F(k)")
