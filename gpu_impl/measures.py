r"""PQ Index and Gini index on torch tensors, batched over slices (contract §2, §3).

Both functions take a tensor ``w`` of any shape, on any device, of dtype float16, bfloat16,
float32 or float64 (integer tensors are converted to float64, exactly below 2**53; bool and
complex tensors raise TypeError), and reduce over ``dim``: None = all entries (a 0-d result),
an int or a tuple of ints as in ``torch.sum`` (the result has the shape of the kept
dimensions).  With ``mask`` (a bool tensor of ``w``'s shape) only the entries where it is True
count: d is the number of unmasked entries of the slice, and masked entries are ignored
entirely (they may even be NaN).

Results are float64 tensors on ``w``'s device, whatever the input dtype.  Every sum is
accumulated in float64 (torch's pairwise reductions), so the length of the input costs no
accuracy; the power terms of float16/bfloat16/float32 inputs are formed in float32 (relative
error about 2^-24 each, so PQI is within about (1/p + 1/q) 2^-24 of the exact value of the
given float32 numbers), those of float64 inputs in float64.

ValueError (contract §1) for an empty tensor, a NaN/inf among the used entries (the message gives its index), p <= 0, q <= p, and a slice that has no unmasked entry
or only zeros (PQI and Gini are undefined there; the message names the slice).
"""

from __future__ import annotations

import torch

from . import _core, validation


def pq_index(w, p=0.5, q=1.0, *, dim=None, mask=None) -> torch.Tensor:
    r"""PQ Index  I_{p,q}(w) = 1 - d^{1/q - 1/p} ||w||_p / ||w||_q,  0 < p < q, per slice.

    Overflow-safe for every finite input: with M = max |w_i| over the slice and the scaled
    power sums s_t = sum_i (|w_i|/M)^t in [1, d] (float64), PQI is scale-invariant and

        I = -expm1( log(s_p/d)/p - log(s_q/d)/q ),

    so no |w_i|^p is ever formed, for p = 0.1 or magnitudes of 1e30 and subnormals alike, and a
    constant slice gives exactly 0 (a rounding below 0, impossible for the exact value, is
    returned as 0).  Returns a float64 tensor (0-d for ``dim=None``).
    """
    p, q = validation.p_and_q(p, q)
    rows = _core.as_rows(w, dim, mask)
    top, (s_p, s_q) = _core.maxima_and_power_sums(rows, (p, q))
    count = rows.count()
    _core.require_defined(rows, count, top, "pq_index")
    return rows.shape_result(_core.pqi_from_power_sums(s_p, s_q, count.to(_core.ACC), p, q))


def gini(w, *, dim=None, mask=None) -> torch.Tensor:
    r"""Gini index  G = 1 - 2 sum_{k=1}^{N} (c_(k)/||c||_1) (N - k + 1/2)/N,  per slice,

    c = |w| over the slice's unmasked entries sorted ascending, N = their number.  Evaluated as
    the equal, cancellation-friendlier

        G = sum_{j=0}^{N-1} (N - 1 - 2j) c_[j] / (N sum_j c_[j]),   c_[j] sorted descending,

    with c scaled by the slice maximum (exact 1 for the largest entries) and float64 sums: a
    constant slice gives exactly 0, a one-hot one 1 - 1/N, N = 1 gives 0.  Masked entries are
    sorted to the end (key -1) and contribute 0.  Returns a float64 tensor.
    """
    rows = _core.as_rows(w, dim, mask)
    top = _core.slice_maxima(rows)
    count = rows.count()
    _core.require_defined(rows, count, top, "gini")
    x = rows.rows.abs()
    if x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    if rows.mask is not None:
        x = x.masked_fill(~rows.mask, -1)
    c = torch.sort(x, dim=1, descending=True).values.clamp_min_(0).to(_core.ACC)
    c /= top.to(_core.ACC)[:, None]
    n = count.to(_core.ACC)[:, None]
    positions = torch.arange(c.shape[1], dtype=_core.ACC, device=c.device)
    weighted = (c * (n - 1 - 2 * positions)).sum(dim=1)
    return rows.shape_result(weighted / (n[:, 0] * c.sum(dim=1)))
