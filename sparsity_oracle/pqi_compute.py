r"""The values of the ``pqi`` report (contract §6), by the certified or the fast path.

Both take the selected ``weights_io.TensorEntry``s and read them one at a time; both return a
``Report``: one row per tensor and a global row (keys ``name``, ``shape``, ``entries``, ``pqi``,
``gini``, ``groups``, ``pqi_bound``, ``prune``; ``None`` where undefined: PQI, Gini and
PQI-bound of an all-zero tensor), and with ``per_group`` the values of every neuron.

* ``certified_report``: the reference (mpmath), reals as ``mpmath.mpf`` correct to ``dps``
  digits, counts exact.  It holds every selected tensor in memory (the global row is the
  reference's value of their concatenation).
* ``fast_report``: gpu_impl (torch) on ``device``, one block of rows at a time (the tensor is
  never resident as a whole unless its format requires it).  Per tensor, a
  ``MagnitudeHistogram`` gives PQI, Gini, the PQI-bound and the SAP count in float64 (exact
  multiset, float64 power-sum terms); the global row combines the tensors' power sums and
  merges their histograms.  ``--scope neuron`` adds one batched ``sap_count_and_bound`` call
  per block of rows (and ``pq_index``/``gini`` over rows with ``per_group``).  Reals are
  Python floats.  The beta cap of a count is exact: floor(min(gamma (d - r), d beta)) =
  min(floor(gamma (d - r)), floor(d beta)), the first from gpu_impl (beta = 1), the second in
  exact rational arithmetic with the user's decimal beta, as the reference reads it.

Memory of the fast path: the histograms hold at most 2^15 counts per 16-bit dtype, and the
sorted distinct magnitudes with counts of float32/float64 tensors (up to 12/16 bytes each);
the global histogram is dropped, and the global Gini reported as not computed (``note``),
once it would hold more than ``GLOBAL_DISTINCT_LIMIT`` values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np

from .reference import SapParameters, gini, pq_index, pruning_groups, sap_count_and_bound
from .weights_io import TensorEntry, WeightsFileError, read_ahead

#: Bytes of a tensor handled at once by the fast path (a block of whole rows).
BLOCK_BYTES = 2**25
#: Values the global magnitude histogram may hold (float32/float64 distinct magnitudes).
GLOBAL_DISTINCT_LIMIT = 2**26


@dataclass
class Neurons:
    """Per neuron (index along axis 0) of one tensor: PQI, Gini, PQI-bound (None where the row
    is all zero) and SAP count."""

    pqi: list
    gini: list
    pqi_bound: list
    prune: list


@dataclass
class Report:
    """Rows per tensor (in the order of the entries given), the global row, per-neuron values
    (``per_group``) and notes on what could not be computed."""

    tensors: list[dict]
    whole: dict
    neurons: dict[str, Neurons] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _row(name, shape, entries) -> dict:
    return {"name": name, "shape": shape, "entries": entries, "pqi": None, "gini": None,
            "groups": 0, "pqi_bound": None, "prune": None}


def _add_group(row: dict, count: int, bound) -> None:
    row["groups"] += 1
    row["prune"] = (row["prune"] or 0) + count
    if bound is not None:
        row["pqi_bound"] = bound if row["pqi_bound"] is None else row["pqi_bound"] + bound


def non_finite_error(entry: TensorEntry, index: tuple[int, ...], value: float) -> WeightsFileError:
    """The error for a NaN or ±inf weight, naming the file, the tensor and the index."""
    return WeightsFileError(
        f"{entry.file}: tensor {entry.name!r} has the non-finite entry {value} at index {index}"
    )


# --- certified: the reference ----------------------------------------------------------------


def certified_report(entries: Sequence[TensorEntry], params: SapParameters, *, scope: str, dps: int,
                     per_group: bool = False, progress: Callable = lambda entry, nbytes: None) -> Report:
    """The report from the reference (module docstring); every tensor is read into memory."""
    p, q = params.p, params.q
    arrays, rows = [], []
    for entry in entries:
        array = entry.numpy()
        finite = np.isfinite(array)
        if not finite.all():
            index = tuple(int(i) for i in np.unravel_index(int(np.flatnonzero(~finite)[0]), array.shape))
            raise non_finite_error(entry, index, float(array[index]))
        row = _row(entry.name, list(entry.shape), entry.size)
        flat = array.reshape(-1)
        if np.any(flat):
            row["pqi"], row["gini"] = pq_index(flat, p, q, dps=dps), gini(flat, dps=dps)
        rows.append(row)
        arrays.append(array)
        progress(entry, entry.nbytes)
    whole = _row("(global)", None, sum(row["entries"] for row in rows))
    if len(rows) == 1:
        whole["pqi"], whole["gini"] = rows[0]["pqi"], rows[0]["gini"]
    else:
        everything = np.concatenate([a.reshape(-1) for a in arrays])
        if np.any(everything):
            whole["pqi"], whole["gini"] = pq_index(everything, p, q, dps=dps), gini(everything, dps=dps)
        del everything
    neurons = {entry.name: Neurons([], [], [], []) for entry in entries} if per_group else {}
    masks = [np.ones(a.shape, dtype=bool) for a in arrays]
    sap = {"eta_r": params.eta_r, "gamma": params.gamma, "beta": params.beta, "dps": dps}
    with mpmath.workdps(dps + 5):
        for segments, values in pruning_groups(arrays, masks, scope):
            count, bound = sap_count_and_bound(values, p, q, **sap)
            for row in [whole] if scope == "global" else [rows[segments[0][0]], whole]:
                _add_group(row, count, bound)
            if per_group:
                defined = bound is not None
                neuron = neurons[entries[segments[0][0]].name]
                neuron.pqi.append(pq_index(values, p, q, dps=dps) if defined else None)
                neuron.gini.append(gini(values, dps=dps) if defined else None)
                neuron.pqi_bound.append(bound)
                neuron.prune.append(count)
    return Report(rows, whole, neurons)


# --- fast: gpu_impl ------------------------------------------------------------------------


def _beta_cap(d: int, beta: Fraction) -> int:
    """floor(d beta), exactly."""
    return math.floor(d * beta)


class _TensorPass:
    """One tensor through the fast path: its histogram and, for the neuron scope, the counts
    and bounds of its rows, block by block."""

    def __init__(self, entry, params: SapParameters, floats, scope, device, per_group):
        from .gpu_impl import MagnitudeHistogram

        self.entry, self.params, self.floats = entry, params, floats
        self.scope, self.device, self.per_group = scope, device, per_group
        self.histogram = MagnitudeHistogram(device)
        self.counts, self.bounds, self.pqi, self.gini = [], [], [], []
        self.first_row = 0

    def add(self, block) -> None:
        """Count one block of rows (the next ones of the tensor)."""
        import torch

        block = block.to(self.device)
        if self.histogram.add(block):
            bad = torch.nonzero(~torch.isfinite(block))[0]
            index = (int(bad[0]) + self.first_row, *map(int, bad[1:]))
            raise non_finite_error(self.entry, index, float(block[tuple(bad)].item()))
        if self.scope == "neuron":
            self._rows(block.reshape(block.shape[0], -1))
        self.first_row += block.shape[0]

    def _rows(self, rows) -> None:
        import torch

        from .gpu_impl import gini, pq_index, sap_count_and_bound

        p, q, eta_r, gamma, _ = self.floats
        counts, bounds = sap_count_and_bound(rows, p, q, eta_r=eta_r, gamma=gamma, beta=1, dim=1)
        self.counts.append(counts.clamp_max(_beta_cap(rows.shape[1], self.params.beta)).cpu())
        self.bounds.append(bounds.cpu())
        if self.per_group:
            defined = ~bounds.isnan()
            for out, measure in ((self.pqi, lambda x: pq_index(x, p, q, dim=1)), (self.gini, lambda x: gini(x, dim=1))):
                values = torch.full((len(rows),), math.nan, dtype=torch.float64)
                if bool(defined.any()):
                    values[defined.cpu()] = measure(rows[defined]).cpu()
                out.append(values)


def _defined(value: float):
    return None if math.isnan(value) else value


def fast_report(entries: Sequence[TensorEntry], params: SapParameters, *, scope: str, device: str,
                per_group: bool = False, progress: Callable = lambda entry, nbytes: None) -> Report:
    """The report from gpu_impl (module docstring), entries read in storage order."""
    import torch

    from .gpu_impl import MagnitudeHistogram, PowerSums

    floats = tuple(float(v) for v in (params.p, params.q, params.eta_r, params.gamma, params.beta))
    p, q, eta_r, gamma, _ = floats
    exponents = (p, q)
    rows, sums, neurons, notes = {}, [], {}, []
    whole_histogram = MagnitudeHistogram(device)

    def finish(work: _TensorPass) -> None:
        nonlocal whole_histogram
        entry, histogram = work.entry, work.histogram
        power = histogram.power_sums(exponents)
        row = _row(entry.name, list(entry.shape), entry.size)
        if power.top > 0:
            row["pqi"], row["gini"] = float(power.pq_index(p, q)), float(histogram.gini())
        if scope == "layer":
            count = int(power.sap_prune_count(p, q, eta_r=eta_r, gamma=gamma, beta=1))
            bound = float(power.pqi_bound(p, q, eta_r)) if power.top > 0 else None
            _add_group(row, min(count, _beta_cap(entry.size, params.beta)), bound)
        elif scope == "neuron":
            counts, bounds = torch.cat(work.counts), torch.cat(work.bounds)
            defined = ~bounds.isnan()
            row["groups"], row["prune"] = len(counts), int(counts.sum())
            row["pqi_bound"] = float(bounds[defined].sum()) if bool(defined.any()) else None
            if per_group:
                neurons[entry.name] = Neurons(
                    [_defined(v) for v in torch.cat(work.pqi).tolist()],
                    [_defined(v) for v in torch.cat(work.gini).tolist()],
                    [_defined(v) for v in bounds.tolist()], counts.tolist())
        rows[entry.name] = row
        sums.append(power)
        if whole_histogram is not None:
            if whole_histogram.distinct + histogram.distinct > GLOBAL_DISTINCT_LIMIT:
                whole_histogram = None
                notes.append(f"the global Gini is not computed: the float32/float64 tensors have more than "
                             f"{GLOBAL_DISTINCT_LIMIT} distinct magnitudes (--certified computes it)")
            else:
                whole_histogram.update(histogram)

    work = None
    with closing(read_ahead(sorted(entries, key=lambda e: e.location), BLOCK_BYTES)) as blocks:
        for entry, block in blocks:
            if work is None or work.entry is not entry:
                if work is not None:
                    finish(work)
                work = _TensorPass(entry, params, floats, scope, device, per_group)
            work.add(block)
            progress(entry, block.numel() * block.element_size())
    if work is not None:
        finish(work)
    ordered = [rows[entry.name] for entry in entries]
    whole = _row("(global)", None, sum(row["entries"] for row in ordered))
    power = PowerSums.combine(sums)
    if power.top > 0:
        whole["pqi"] = float(power.pq_index(p, q))
        whole["gini"] = float(whole_histogram.gini()) if whole_histogram is not None else None
    if scope == "global":
        count = int(power.sap_prune_count(p, q, eta_r=eta_r, gamma=gamma, beta=1))
        bound = float(power.pqi_bound(p, q, eta_r)) if power.top > 0 else None
        _add_group(whole, min(count, _beta_cap(whole["entries"], params.beta)), bound)
    else:
        for row in ordered:
            whole["groups"] += row["groups"]
            whole["prune"] = (whole["prune"] or 0) + row["prune"]
            if row["pqi_bound"] is not None:
                whole["pqi_bound"] = (whole["pqi_bound"] or 0.0) + row["pqi_bound"]
    return Report(ordered, whole, {e.name: neurons[e.name] for e in entries} if per_group else {}, notes)
