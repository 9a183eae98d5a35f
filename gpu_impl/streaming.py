r"""Measures of data seen one block at a time: exact magnitude histograms and power sums
(contract §2, §3), for checkpoints larger than memory (the ``pqi`` command's fast path).

``MagnitudeHistogram`` holds the exact multiset of magnitudes |w_i| of every block added to it:

* float16 and bfloat16 blocks are counted by bit pattern: ``|w|`` has at most 2^15 distinct
  values, so ``torch.bincount`` of the 15 magnitude bits (sign bit cleared) gives the multiset
  in one pass, in a fixed 256 KiB per dtype whatever the number of entries;
* float32 and float64 blocks keep their sorted distinct magnitudes with counts
  (``torch.unique``), merged as blocks arrive: up to 12 (float32) or 16 (float64) bytes per
  distinct magnitude.

NaN and ±inf entries are counted (``non_finite``), never added.  Every measure is a function of
the multiset, so a tensor's PQI, Gini, PQI-bound and SAP count come from its histogram, and a
whole checkpoint's from the merged histograms, without ever holding the weights:

* ``power_sums(exponents)``: the scaled power sums s_t = sum_i (|w_i| / M)^t, M = max |w_i|,
  with float64 terms (one ``pow`` per distinct magnitude, weighted by its exact count, summed
  pairwise): relative error about (ceil(log2 k) + ln k + 3) 2^-53 for k distinct magnitudes;
* ``gini()``: with the distinct magnitudes v_k in ascending order, n_k their counts, N = sum n_k
  and J_k = the number of entries larger than v_k,

      G = sum_k v_k n_k (N - 2 J_k - n_k) / (N sum_k v_k n_k),

  the grouped form of ``gpu_impl.gini``'s sum_j (N - 1 - 2j) c_[j] / (N sum c) (c sorted
  descending): the positions j of the n_k copies of v_k sum to n_k J_k + n_k (n_k - 1)/2.

``PowerSums`` (count d, maximum M, scaled sums) gives PQI, the PQI-bound and the SAP count
through the same formulas as ``gpu_impl.pq_index``/``pqi_bound``/``sap_prune_count``, and
``PowerSums.combine`` merges the sums of disjoint parts (tensors) into those of their union:
S_t / M^t = sum_parts s_t,part (M_part / M)^t.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from . import _core, pruning, validation

#: float16/bfloat16: the first non-finite magnitude bit pattern (exponent bits all ones: inf,
#: then the NaNs up to 0x7FFF).
_SIXTEEN_BIT = {torch.float16: 0x7C00, torch.bfloat16: 0x7F80}
_MAGNITUDE_BITS = 0x7FFF
#: Entries per ``bincount`` call (cache-sized on CPU).
_BINCOUNT_CHUNK = {"cpu": 2**20, "cuda": 2**26}


@contextmanager
def _one_cpu_thread(device: torch.device):
    """One intra-op thread for the bincount pass on CPU: ``bincount`` is serial, and splitting
    the cache-sized masking step over threads costs more in synchronisation than it saves
    (measured: 0.16 s per 10^8 bfloat16 entries on one thread, 0.33-1.6 s on two)."""
    threads = torch.get_num_threads()
    if device.type != "cpu" or threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@dataclass(frozen=True)
class PowerSums:
    """Scaled power sums of a multiset of d magnitudes with maximum ``top``:
    ``scaled[i]`` = sum_j (|w_j| / top)^exponents[i] (float64, 0-d tensors; 0 when top = 0)."""

    count: int
    top: float
    exponents: tuple[float, ...]
    scaled: tuple[torch.Tensor, ...]

    @staticmethod
    def combine(parts: Sequence["PowerSums"]) -> "PowerSums":
        """The power sums of the union of disjoint parts (same exponents)."""
        if not parts:
            raise ValueError("PowerSums.combine needs at least one part")
        exponents = parts[0].exponents
        if any(part.exponents != exponents for part in parts):
            raise ValueError("PowerSums.combine: the parts have different exponents")
        top = max(part.top for part in parts)
        count = sum(part.count for part in parts)
        if top == 0:
            return PowerSums(count, 0.0, exponents, parts[0].scaled)
        tops = torch.tensor([part.top for part in parts], dtype=_core.ACC)
        scaled = []
        for i, t in enumerate(exponents):
            weights = _core.float64_powers(tops, torch.tensor(top, dtype=_core.ACC), t)
            sums = torch.stack([part.scaled[i].to("cpu", _core.ACC) for part in parts])
            scaled.append((weights * sums).sum())
        return PowerSums(count, top, exponents, tuple(scaled))

    def _pair(self, p: float, q: float, what: str) -> tuple[torch.Tensor, torch.Tensor]:
        if self.top == 0:
            raise ValueError(f"{what} is undefined for an all-zero or empty vector")
        try:
            return self.scaled[self.exponents.index(p)], self.scaled[self.exponents.index(q)]
        except ValueError:
            raise ValueError(f"{what}(p={p}, q={q}) needs power sums for the exponents p and q, "
                             f"these have {self.exponents}") from None

    def pq_index(self, p=0.5, q=1.0) -> torch.Tensor:
        """I_{p,q} of the multiset (``gpu_impl.pq_index``); 0-d float64 tensor."""
        p, q = validation.p_and_q(p, q)
        s_p, s_q = self._pair(p, q, "pq_index")
        return _core.pqi_from_power_sums(s_p, s_q, torch.tensor(float(self.count), dtype=_core.ACC), p, q)

    def pqi_bound(self, p=0.5, q=1.0, eta_r=0) -> torch.Tensor:
        """Theorem 2's r of the multiset (``gpu_impl.pqi_bound``); 0-d float64 tensor."""
        p, q = validation.p_and_q(p, q)
        eta_r = validation.non_negative(eta_r, "eta_r")
        s_p, s_q = self._pair(p, q, "pqi_bound")
        return torch.exp(pruning.log_retained_from_power_sums(s_p, s_q, p, q, eta_r))

    def sap_prune_count(self, p=0.5, q=1.0, *, eta_r=0, gamma=1, beta=0.9) -> torch.Tensor:
        """floor(min(gamma (d - r), d beta)) (``gpu_impl.sap_prune_count``); 0 for an all-zero
        multiset.  The power sums have float64 terms, so the count is off by one from the
        exact one only where the real lies within float64 rounding of an integer."""
        p, q, eta_r, gamma, beta = pruning.sap_parameters(p, q, eta_r, gamma, beta)
        if self.top == 0:
            return torch.tensor(0, dtype=torch.int64)
        retained = self.pqi_bound(p, q, eta_r)
        d = torch.tensor(float(self.count), dtype=_core.ACC)
        return pruning.prune_counts_from_retained(retained, d, gamma, beta)


class MagnitudeHistogram:
    """The exact multiset of |w| of every block ``add``-ed (module docstring), on ``device``."""

    def __init__(self, device="cpu"):
        self.device = torch.device(device)
        self.count = 0
        self.non_finite = 0
        self._bins: dict[torch.dtype, torch.Tensor] = {}
        self._parts: dict[torch.dtype, list[tuple[torch.Tensor, torch.Tensor]]] = {}
        self._compacted: dict[torch.dtype, int] = {}

    @property
    def distinct(self) -> int:
        """An upper bound on the number of (value, count) pairs held (the memory in use)."""
        bins = len(self._bins) * (_MAGNITUDE_BITS + 1)
        return bins + sum(len(v) for parts in self._parts.values() for v, _ in parts)

    def add(self, w) -> int:
        """Add the entries of the tensor ``w`` (any shape, moved to the histogram's device);
        returns how many of them are NaN or ±inf (counted in ``non_finite``, not added)."""
        w = _core.weights_tensor(w, "w", allow_empty=True).to(self.device).reshape(-1)
        if w.dtype in _SIXTEEN_BIT:
            bad = self._add_bits(w)
        else:
            bad = self._add_values(w)
        self.count += w.numel() - bad
        self.non_finite += bad
        return bad

    def _add_bits(self, w: torch.Tensor) -> int:
        bits = w.view(torch.int16)
        counts = self._bins.setdefault(w.dtype, torch.zeros(_MAGNITUDE_BITS + 1, dtype=torch.int64,
                                                            device=self.device))
        before = int(counts[_SIXTEEN_BIT[w.dtype]:].sum())
        step = _BINCOUNT_CHUNK.get(self.device.type, _BINCOUNT_CHUNK["cuda"])
        with _one_cpu_thread(self.device):
            for start in range(0, bits.numel(), step):
                counts += torch.bincount(bits[start:start + step] & _MAGNITUDE_BITS, minlength=_MAGNITUDE_BITS + 1)
        return int(counts[_SIXTEEN_BIT[w.dtype]:].sum()) - before

    def _add_values(self, w: torch.Tensor) -> int:
        values, counts = torch.unique(w.abs(), sorted=True, return_counts=True)
        finite = torch.isfinite(values)
        bad = int(counts[~finite].sum())
        if values.numel():
            self._append(w.dtype, values[finite], counts[finite])
        return bad

    def _append(self, dtype: torch.dtype, values: torch.Tensor, counts: torch.Tensor) -> None:
        """Keep (values, counts); merge the parts once they hold twice the last merged size."""
        parts = self._parts.setdefault(dtype, [])
        parts.append((values, counts))
        held = sum(len(v) for v, _ in parts)
        if len(parts) > 1 and held >= 2 * self._compacted.get(dtype, 0) + 2**16:
            self._compact(dtype)

    def _compact(self, dtype: torch.dtype) -> None:
        parts = self._parts[dtype]
        values = torch.cat([v for v, _ in parts])
        counts = torch.cat([c for _, c in parts])
        parts.clear()
        unique, inverse = torch.unique(values, sorted=True, return_inverse=True)
        del values
        merged = torch.zeros(len(unique), dtype=torch.int64, device=unique.device).index_add_(0, inverse, counts)
        parts.append((unique, merged))
        self._compacted[dtype] = len(unique)

    def update(self, other: "MagnitudeHistogram") -> None:
        """Add every entry of ``other`` (the histogram of the union)."""
        for dtype, counts in other._bins.items():
            mine = self._bins.setdefault(dtype, torch.zeros_like(counts, device=self.device))
            mine += counts.to(self.device)
        for dtype, parts in other._parts.items():
            for values, counts in parts:
                self._append(dtype, values.to(self.device), counts.to(self.device))
        self.count += other.count
        self.non_finite += other.non_finite

    def table(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(magnitudes, counts): the finite magnitudes in ascending order (float64, exact) with
        their counts (int64); a value may appear once per input dtype."""
        values, counts = [], []
        for dtype, bins in self._bins.items():
            codes = torch.nonzero(bins[:_SIXTEEN_BIT[dtype]]).reshape(-1)
            values.append(codes.to(torch.int16).view(dtype).to(_core.ACC))
            counts.append(bins[codes])
        for dtype in self._parts:
            if len(self._parts[dtype]) > 1:
                self._compact(dtype)
            for v, c in self._parts[dtype]:
                values.append(v.to(_core.ACC))
                counts.append(c)
        if not values:
            empty = torch.zeros(0, device=self.device)
            return empty.to(_core.ACC), empty.to(torch.int64)
        values, counts = torch.cat(values), torch.cat(counts)
        order = torch.sort(values, stable=True).indices
        return values[order], counts[order]

    def power_sums(self, exponents: Sequence[float]) -> PowerSums:
        """``PowerSums`` of the finite entries for each exponent t > 0 (module docstring)."""
        exponents = tuple(validation.positive(t, "exponent") for t in exponents)
        values, counts = self.table()
        top = float(values[-1]) if values.numel() else 0.0
        if top == 0:
            zero = torch.zeros((), dtype=_core.ACC)
            return PowerSums(self.count, 0.0, exponents, tuple(zero for _ in exponents))
        scale = torch.tensor(top, dtype=_core.ACC, device=values.device)
        weights = counts.to(_core.ACC)
        scaled = tuple((weights * _core.float64_powers(values, scale, t)).sum().cpu() for t in exponents)
        return PowerSums(self.count, top, exponents, scaled)

    def gini(self) -> torch.Tensor:
        """The Gini index of the finite entries (module docstring); 0-d float64 tensor.
        ValueError when there is no non-zero entry (Gini is undefined)."""
        values, counts = self.table()
        if not values.numel() or float(values[-1]) == 0:
            raise ValueError("gini is undefined for an all-zero or empty vector")
        c = values / values[-1]
        n = counts.to(_core.ACC)
        total = float(self.count)
        larger = total - torch.cumsum(n, 0)
        weighted = (c * n * (total - 2 * larger - n)).sum()
        return (weighted / (total * (c * n).sum())).cpu()

