r"""PQI-bound, SAP (Algorithm 1 of Diao et al., ICLR 2023) and fixed-ratio pruning on torch
tensors (contract §2, §3).

``pqi_bound`` and ``sap_prune_count`` are batched like ``gpu_impl.measures`` (``dim``,
``mask``).  ``sap_masks`` and ``fixed_ratio_masks`` prune mappings name -> tensor by scope:

* ``"global"``: one group, every unmasked entry of every tensor;
* ``"layer"``: one group per tensor;
* ``"neuron"``: one group per index along axis 0 of each tensor (a row of a Linear weight, an
  output channel of a Conv weight; a 0-d or 1-D tensor is one group), all groups of a tensor
  handled by one batched count and one row-wise sort.

In each group the c smallest-magnitude unmasked entries are pruned; among equal magnitudes the
entries first in group order (C-order flattening of each tensor, tensors in the mapping's
order) go first: a stable sort of the magnitudes, masked entries keyed +inf.  Counts are
computed in float64, so a count can differ by one from the exact integer of ``reference`` only
when the exact real lies within float64 rounding of an integer (or, for ``round``, of a
half-integer).  Parameters are read as Python floats: ``beta=0.7`` is the double just below
7/10, whose product with 10 rounds to 7.0 in float64 (the reference, exact, says 6).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import torch

from . import _core, validation
from .names import SCOPES

#: The pruning scopes of ``sap_masks`` and ``fixed_ratio_masks``.


def log_retained_from_power_sums(s_p: torch.Tensor, s_q: torch.Tensor, p: float, q: float,
                                 eta_r: float) -> torch.Tensor:
    """log r = q/(q - p) (log s_p - log(1 + eta_r)) - p/(q - p) log s_q from the scaled power
    sums s_t = sum_i (|w_i|/max)^t (float64; r is invariant under the scaling).  The exponents
    are formed as the quotients q/(q - p) and p/(q - p), so nothing overflows for p, q near the
    float maximum (q log s_p would)."""
    gap = q - p
    return q / gap * torch.log(s_p) - p / gap * torch.log(s_q) - q / gap * math.log1p(eta_r)


def prune_counts_from_retained(retained: torch.Tensor, d: torch.Tensor, gamma: float,
                               beta: float) -> torch.Tensor:
    """floor(min(gamma (d - r), d beta)), at least 0, as int64 (d, r float64)."""
    value = torch.minimum(gamma * (d - retained), d * beta)
    return torch.floor(value).clamp_min_(0).to(torch.int64)


def _log_retained(rows: _core.Rows, top: torch.Tensor, p: float, q: float, eta_r: float, *,
                  float64_terms: bool = False) -> torch.Tensor:
    """log r per slice (``top``: the slices' max |w|); meaningless for zero slices.
    ``float64_terms``: power-sum terms in float64 whatever the input dtype (``power_sums``)."""
    s_p, s_q = _core.power_sums(rows, top, (p, q), float64_terms=float64_terms)
    return log_retained_from_power_sums(s_p, s_q, p, q, eta_r)


def pqi_bound(w, p=0.5, q=1.0, eta_r=0, *, dim=None, mask=None) -> torch.Tensor:
    r"""Theorem 2's lower bound on the retained count, per slice (a real number):

        r = d (1 + eta_r)^{-q/(q-p)} (1 - I_{p,q}(w))^{qp/(q-p)}
          = (1 + eta_r)^{-q/(q-p)} s_p^{q/(q-p)} / s_q^{p/(q-p)},

    the second, cancellation-free form with the scaled power sums s_t = sum_i (|w_i|/M)^t,
    M = max |w_i| (r is invariant under that scaling), evaluated through logarithms so that no
    power overflows.  Returns a float64 tensor; ValueError as ``pq_index`` and for eta_r < 0.
    """
    p, q = validation.p_and_q(p, q)
    eta_r = validation.non_negative(eta_r, "eta_r")
    rows = _core.as_rows(w, dim, mask)
    top = _core.slice_maxima(rows)
    _core.require_defined(rows, rows.count(), top, "pqi_bound")
    return rows.shape_result(torch.exp(_log_retained(rows, top, p, q, eta_r)))


def sap_parameters(p, q, eta_r, gamma, beta) -> tuple[float, float, float, float, float]:
    """SAP's parameters as floats ``(p, q, eta_r, gamma, beta)``, validated (contract §1: 0 < p < q,
    eta_r >= 0, gamma > 0, beta in (0, 1], all finite)."""
    p, q = validation.p_and_q(p, q)
    return (p, q, validation.non_negative(eta_r, "eta_r"), validation.positive(gamma, "gamma"),
            validation.in_unit_interval(beta, "beta", open_low=True))


#: Relative error bound of a power sum s_t formed from float32 terms (``_core.power_sums``): each
#: term and the normalising largest term are one float32 ``pow`` (at most 4 ulp = 2^-22 on CPU
#: and CUDA), so s_t is within 2^-21 relative; r = s_p^{q/(q-p)} / s_q^{p/(q-p)} then within
#: (q + p)/(q - p) 2^-21, which ``_sap_counts`` doubles for the float64 steps after.
FLOAT32_POWER_SUM_ERROR = 2.0**-21


def _sap_counts_and_bounds(rows: _core.Rows, p, q, eta_r, gamma, beta) -> tuple[torch.Tensor, torch.Tensor]:
    """Per slice: floor(min(gamma (d - r), d beta)) (int64; 0 for empty or all-zero slices) and
    the PQI-bound r (float64; NaN for empty or all-zero slices).

    The fast power sums (float32 terms for float32 input) put a relative error up to
    eps = 2 (q + p)/(q - p) 2^-21 into r, which moves gamma (d - r) by up to gamma r eps (0.1
    for a 40 000-weight group).  Slices whose value lies that close to an integer are
    recomputed with float64 terms, so the count is off by one only where gamma (d - r) is
    within float64 rounding of an integer."""
    top, count = _core.slice_maxima(rows), rows.count()
    d = count.to(_core.ACC)

    def retained_of(rows, top, float64_terms):
        return torch.exp(_log_retained(rows, top, p, q, eta_r, float64_terms=float64_terms))

    retained = retained_of(rows, top, False)
    if rows.rows.dtype != _core.ACC:
        value = torch.minimum(gamma * (d - retained), d * beta)
        # (q + p)/(q - p) as two quotients: q + p overflows for p, q near the float maximum
        band = 2 * gamma * retained * (q / (q - p) + p / (q - p)) * FLOAT32_POWER_SUM_ERROR
        near = (value - torch.round(value)).abs() <= band
        if bool(near.any()):
            subset = replace(rows, rows=rows.rows[near], mask=None if rows.mask is None else rows.mask[near])
            retained[near] = retained_of(subset, top[near], True)
    defined = (count > 0) & (top > 0)
    counts = torch.where(defined, prune_counts_from_retained(retained, d, gamma, beta), 0)
    return counts, torch.where(defined, retained, math.nan)


def _sap_counts(rows: _core.Rows, p, q, eta_r, gamma, beta) -> torch.Tensor:
    """``_sap_counts_and_bounds``' counts."""
    return _sap_counts_and_bounds(rows, p, q, eta_r, gamma, beta)[0]


def sap_prune_count(w, p=0.5, q=1.0, *, eta_r=0, gamma=1, beta=0.9, dim=None, mask=None) -> torch.Tensor:
    r"""SAP's prune count per slice (Algorithm 1):

        c = floor(d min(gamma (1 - r/d), beta)) = floor(min(gamma (d - r), d beta)),

    r = ``pqi_bound(w, p, q, eta_r)`` of the slice's unmasked entries, d their number.  Returns
    an int64 tensor (0-d for ``dim=None``) with 0 <= c <= floor(d beta); a slice with no
    unmasked entry, or only zeros, gets 0 (it prunes nothing).  Computed in float64 (slices
    near an integer from float64 power-sum terms, ``_sap_counts``): the result can be off by
    one from the exact count (``reference.sap_prune_count``) only when gamma (d - r) or d beta
    lies within float64 rounding error of an integer.  ValueError for
    an empty tensor, NaN/inf entries, p <= 0, q <= p, eta_r < 0, gamma <= 0, beta outside (0, 1].
    """
    params = sap_parameters(p, q, eta_r, gamma, beta)
    rows = _core.as_rows(w, dim, mask)
    return rows.shape_result(_sap_counts(rows, *params))


def sap_count_and_bound(w, p=0.5, q=1.0, *, eta_r=0, gamma=1, beta=0.9, dim=None,
                        mask=None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``(sap_prune_count(w, ...), pqi_bound(w, ...))`` per slice from one pass over ``w``
    (as ``reference.sap_count_and_bound``), batched like ``sap_prune_count``.

    Returns an int64 tensor of counts and a float64 tensor of PQI-bounds r; where r is
    undefined (a slice with no unmasked entry, or only zeros) the bound is NaN and the count 0,
    so that one call covers every neuron of a layer, pruned-away neurons included.  Counts as
    ``sap_prune_count``; bounds as ``pqi_bound`` (from float32 power-sum terms for float16,
    bfloat16 and float32 input, float64 terms for float64 input and for slices re-checked near
    an integer count).  ValueError as ``sap_prune_count``.
    """
    params = sap_parameters(p, q, eta_r, gamma, beta)
    rows = _core.as_rows(w, dim, mask)
    counts, bounds = _sap_counts_and_bounds(rows, *params)
    return rows.shape_result(counts), rows.shape_result(bounds)


# --- masks ---------------------------------------------------------------------------------


def _tensors(weights, masks) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """Validated (name, weights, mask) triples in the order of ``weights``."""
    for arg, value in (("weights", weights), ("masks", masks)):
        if not isinstance(value, Mapping):
            raise TypeError(f"{arg} must be a mapping name -> tensor, got {type(value).__name__}")
    if set(weights) != set(masks):
        missing = [k for k in weights if k not in masks]
        extra = [k for k in masks if k not in weights]
        raise ValueError(f"masks must have the keys of weights: missing {missing}, unexpected {extra}")
    out = []
    for name in weights:
        label = f"weights[{name!r}]"
        w = _core.weights_tensor(weights[name], label, allow_empty=True)
        _core.require_finite(w, label)
        mask = _core.mask_tensor(masks[name], w, f"masks[{name!r}]")
        out.append((name, w, mask))
    return out


def _group_rows(w: torch.Tensor, scope: str) -> torch.Tensor:
    """``w`` as (groups, entries) for the "layer" or "neuron" scope (C order within a group)."""
    if scope == "neuron" and w.dim() >= 2:
        return w.reshape(w.shape[0], math.prod(w.shape[1:]))
    return w.reshape(1, w.numel())


def _prune_smallest(w: torch.Tensor, mask: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Row-wise: clear the ``counts[i]`` smallest |w| among row i's unmasked entries (stable)."""
    key = w.abs()
    if key.dtype in (torch.float16, torch.bfloat16):
        key = key.float()
    order = torch.sort(key.masked_fill(~mask, math.inf), dim=1, stable=True).indices
    ranks = torch.arange(w.shape[1], device=w.device)[None, :]
    pruned = torch.zeros_like(mask).scatter_(1, order, ranks < counts[:, None])
    return mask & ~pruned


def _prune(weights, masks, scope: str, count) -> dict:
    """New masks: in each group of ``scope``, prune ``count(rows)`` smallest unmasked entries,
    ``count`` mapping a (groups, entries) ``_core.Rows`` to int64 counts per group."""
    tensors = _tensors(weights, masks)
    if not isinstance(scope, str) or scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got scope={scope!r}")

    def step(w, mask):
        if w.numel() == 0:
            return mask.clone()
        rows = _core.as_rows(w, 1, mask)
        return _prune_smallest(rows.rows, rows.mask, count(rows))

    if scope != "global":
        return {name: step(_group_rows(w, scope), _group_rows(mask, scope)).reshape(mask.shape)
                for name, w, mask in tensors}
    if not tensors:
        return {}
    device = tensors[0][1].device
    dtype = torch.float32
    for _, w, _ in tensors:
        dtype = torch.promote_types(dtype, w.dtype)
    flat_w = torch.cat([w.reshape(-1).to(device=device, dtype=dtype) for _, w, _ in tensors])[None, :]
    flat_mask = torch.cat([mask.reshape(-1).to(device) for _, _, mask in tensors])[None, :]
    new = step(flat_w, flat_mask)[0].split([mask.numel() for _, _, mask in tensors])
    return {name: part.reshape(mask.shape).to(mask.device) for (name, _, mask), part in zip(tensors, new)}


def sap_masks(weights, masks, *, scope, p=0.5, q=1.0, eta_r=0, gamma=1, beta=0.9) -> dict:
    r"""One SAP pruning step: in every group of ``scope`` prune the

        c_t = floor(d_t min(gamma (1 - r_t/d_t), beta))     (``sap_prune_count``)

    smallest-magnitude unmasked entries, d_t = the group's unmasked count, r_t its PQI-bound.

    ``weights``, ``masks``: mappings name -> tensor (same keys and shapes; masks bool, True =
    kept).  Scopes, ties and counts: module docstring.  A group with no unmasked entry, or
    whose unmasked entries are all zero, prunes nothing.  Returns new bool masks, each on its
    weight tensor's device, keys in the order of ``weights``; already-pruned entries stay
    pruned (the "global" group is ranked on the first tensor's device, in the promoted dtype,
    at least float32).  Every weight entry, masked or not, must be finite (ValueError naming
    it).
    """
    params = sap_parameters(p, q, eta_r, gamma, beta)
    return _prune(weights, masks, scope, lambda rows: _sap_counts(rows, *params))


def fixed_ratio_masks(weights, masks, *, scope, amount=0.2) -> dict:
    r"""One fixed-ratio pruning step (One-shot, Lottery ticket): in every group of ``scope``
    prune the

        c_t = round(amount d_t)      (half to even)

    smallest-magnitude unmasked entries, d_t = the group's unmasked count.  amount d_t is the
    float64 product, rounded half to even as Python's ``round(amount * d_t)`` and
    ``torch.nn.utils.prune`` do (``amount=0.3``, d_t = 5: the product is 1.5, so 2 entries go;
    the exact reference says 1).  An all-zero group is pruned like any other (contract §2).  One-shot
    ranks by the dense weights w_0, Lottery ticket by w_t: the caller passes the weights to
    rank.  Arguments and result as in ``sap_masks``; ValueError for amount outside [0, 1].
    """
    amount = validation.in_unit_interval(amount, "amount", open_low=False)

    def count(rows):
        return torch.round(amount * rows.count().to(_core.ACC)).to(torch.int64)

    return _prune(weights, masks, scope, count)
