"""Validation, batching layout and the scaled power sums shared by gpu_impl (contract §1, §3).

Layout: a reduction over ``dim`` is computed on a 2-D view ``rows`` of shape (B, n): the kept
dimensions first (flattened to B slices, in C order of the kept indices), the reduced ones last
(flattened to n entries per slice, in C order).  ``Rows`` carries that view, its mask, and what
is needed to reshape results and to name a slice in an error message.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch

from . import kernels
from .validation import describe

#: Accumulation and result dtype of every real result of gpu_impl.
ACC = torch.float64
#: Below this, a float64 quotient |w_i| / max|w| is subnormal and loses relative precision.
_TINY = 2.0**-1021
#: Largest exponent t whose float16/bfloat16/float32 terms are formed in float32.
_FLOAT32_MAX_EXPONENT = 64
#: Elements per chunk of the power-sum pass (bounds the float64 temporaries; cache-sized on CPU).
_CHUNK = {"cpu": 2**16, "cuda": 2**26}


def weights_tensor(w, name: str = "w", *, allow_empty: bool = False) -> torch.Tensor:
    """A real tensor (non-empty unless ``allow_empty``); integer tensors become float64 (exact
    below 2**53), other float formats (float8) float32."""
    if not isinstance(w, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {describe(w)}")
    if w.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers, got a boolean tensor")
    if w.is_complex():
        raise TypeError(f"{name} must be real, got complex dtype {w.dtype}")
    if not w.is_floating_point():
        w = w.to(ACC)
    elif w.dtype not in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        w = w.to(torch.float32)
    if w.numel() == 0 and not allow_empty:
        raise ValueError(f"{name} must be non-empty, got an empty tensor of shape {tuple(w.shape)}")
    return w


def mask_tensor(mask, w: torch.Tensor, name: str) -> torch.Tensor:
    """A boolean mask of ``w``'s shape, moved to ``w``'s device."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name} must be a boolean torch.Tensor, got {describe(mask)}")
    if mask.dtype != torch.bool:
        raise TypeError(f"{name} must be a boolean tensor, got dtype {mask.dtype}")
    if mask.shape != w.shape:
        raise ValueError(f"{name} has shape {tuple(mask.shape)} but the weights have shape {tuple(w.shape)}")
    return mask.to(w.device)


def require_finite(w: torch.Tensor, name: str, where: torch.Tensor | None = None) -> None:
    """ValueError naming the first (C order) NaN/inf entry of ``w`` (among ``where`` if given)."""
    bad = ~torch.isfinite(w)
    if where is not None:
        bad &= where
    if bool(bad.any()):
        index = tuple(int(i) for i in torch.nonzero(bad)[0])
        where_text = ", ".join(map(str, index))
        raise ValueError(f"{name}[{where_text}] is {w[index].item()!r}: entries must be finite")


@dataclass
class Rows:
    """``w`` as (B, n) slices (module docstring); ``mask`` is None when every entry counts."""

    rows: torch.Tensor
    mask: torch.Tensor | None
    batch_shape: tuple[int, ...]
    dims: tuple[int, ...] | None
    name: str
    source: torch.Tensor
    source_mask: torch.Tensor | None

    def shape_result(self, values: torch.Tensor) -> torch.Tensor:
        return values.reshape(self.batch_shape)

    def count(self) -> torch.Tensor:
        """d per slice (int64, B)."""
        if self.mask is None:
            return torch.full((self.rows.shape[0],), self.rows.shape[1], dtype=torch.int64,
                              device=self.rows.device)
        return self.mask.sum(dim=1)

    def slice_name(self, b: int) -> str:
        if self.dims is None:
            return self.name
        index = []
        for size in reversed(self.batch_shape):
            index.append(b % size)
            b //= size
        return f"the slice of {self.name} at batch index {tuple(reversed(index))} (reduced dims {self.dims})"


def _reduced_dims(w: torch.Tensor, dim) -> tuple[int, ...] | None:
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    ndim = max(w.dim(), 1)
    out = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"dim must be None, an int or a tuple of ints, got dim={dim!r}")
        if not -ndim <= d < ndim:
            raise ValueError(f"dim={dim!r} is out of range for a tensor with {w.dim()} dimensions")
        out.append(int(d) % ndim)
    if not out:
        raise ValueError("dim must name at least one dimension (or be None for all entries)")
    if len(set(out)) != len(out):
        raise ValueError(f"dim={dim!r} names a dimension twice")
    return tuple(sorted(out))


def as_rows(w, dim, mask, name: str = "w") -> Rows:
    """Validate ``w``/``dim``/``mask`` and lay ``w`` out as (B, n) slices."""
    w = weights_tensor(w, name)
    if mask is not None:
        mask = mask_tensor(mask, w, "mask")
    dims = _reduced_dims(w, dim)
    if w.dim() == 0:
        w = w.reshape(1)
        mask = None if mask is None else mask.reshape(1)
    if dims is None:
        reduced, kept = tuple(range(w.dim())), ()
    else:
        reduced, kept = dims, tuple(i for i in range(w.dim()) if i not in dims)
    batch_shape = tuple(w.shape[i] for i in kept)
    order = kept + reduced

    def layout(t):
        return t.permute(order).reshape(math.prod(batch_shape), -1)

    return Rows(layout(w), None if mask is None else layout(mask), batch_shape, dims, name, w, mask)


def slice_maxima(rows: Rows) -> torch.Tensor:
    """max |w| over each slice's unmasked entries (0 for none); ValueError for NaN/inf there."""
    x = rows.rows if rows.mask is None else rows.rows.masked_fill(~rows.mask, 0)
    if x.shape[1] == 0:
        return torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    top = torch.maximum(-x.amin(dim=1), x.amax(dim=1))
    if not bool(torch.isfinite(top).all()):
        require_finite(rows.source, rows.name, rows.source_mask)
    return top


def float64_powers(a: torch.Tensor, top: torch.Tensor, t: float) -> torch.Tensor:
    """(a / top)^t in float64 (a, top float64; top > 0), accurate even where a / top is subnormal."""
    y = a / top
    terms = y if t == 1 else y.pow(t)
    tiny = (y < _TINY) & (a > 0)
    if bool(tiny.any()):
        logs = torch.log2(a.where(tiny, 1)) - torch.log2(top)
        terms = torch.where(tiny, torch.exp2(t * logs), terms)
    return terms


def _float32_terms(x: torch.Tensor, exponents: tuple[float, ...]) -> bool:
    """Whether the power terms of ``x`` are formed in float32: float16/bfloat16/float32 input
    and every exponent at most ``_FLOAT32_MAX_EXPONENT``."""
    return x.dtype != ACC and max(exponents) <= _FLOAT32_MAX_EXPONENT


def _float32_shift(top: torch.Tensor, t: float) -> torch.Tensor:
    """Per-slice binary shift s (int32) for the float32 terms (a 2^s)^t: the largest term stays
    below 2^127, and for t <= 1 nothing is scaled down (so no entry underflows)."""
    exponent = torch.frexp(top.float()).exponent
    shift = (126 // t if t > 1 else 126) - exponent
    if t <= 1:
        shift = shift.clamp_min(0)
    return shift.clamp_max(127).to(torch.int32)


def power_sums(rows: Rows, top: torch.Tensor, exponents: tuple[float, ...], *,
               float64_terms: bool = False) -> list[torch.Tensor]:
    r"""s_t = S_t / max^t = sum_i (|w_i| / max)^t over each slice's unmasked entries, for each t,
    as float64 (B): every term lies in [0, 1] and the largest is exactly 1, so s_t lies in
    [1, d] for a non-zero slice and nothing overflows.  Masked entries and all-zero slices
    contribute 0.  The pass is chunked over the entries so that temporaries stay cache-sized.

    * float64 input: terms (|w_i| / max)^t in float64 (the quotient is correctly rounded and
      exactly 1 for the largest entries).  Where |w_i| / max is subnormal (inputs spanning more
      than ~1021 binades) the term is exp2(t (log2 |w_i| - log2 max)), so no power underflows to
      a wrong answer even for small t.
    * float16/bfloat16/float32 input and every t <= 64: terms (|w_i| 2^s)^t in float32 (``pow``), with the
      exact power-of-two shift s of ``_float32_shift`` (float32's whole range, subnormals
      included, fits after it), summed in float64 and divided by the largest term as computed
      by the same ``pow``.  This is twice as fast as float64 terms and well inside the float32
      error budget (relative error of s_t about 2^-24).  Larger t, and ``float64_terms`` (the
      SAP count's re-check of slices near an integer), take the float64 route.
    """
    x = rows.rows if rows.mask is None else rows.rows.masked_fill(~rows.mask, 0)
    batch, n = x.shape
    positive_top = torch.where(top > 0, top, 1)
    if not float64_terms and _float32_terms(x, exponents):
        factors = [torch.ldexp(torch.ones(batch, device=x.device), _float32_shift(positive_top, t))
                   for t in exponents]
        largest = [_float32_power(positive_top.float() * f, t).to(ACC) for f, t in zip(factors, exponents)]

        def term_sum(a, i, t):
            return _float32_power(a.float() * factors[i][:, None], t).to(ACC).sum(dim=1)
    else:
        scale = positive_top.to(ACC)[:, None]
        largest = [1.0] * len(exponents)

        def term_sum(a, i, t):
            return float64_powers(a.to(ACC), scale, t).sum(dim=1)

    step = max(1, _CHUNK.get(x.device.type, _CHUNK["cuda"]) // max(batch, 1))
    sums = [torch.zeros(batch, dtype=ACC, device=x.device) for _ in exponents]
    for start in range(0, n, step):
        a = x[:, start:start + step].abs()
        for i, t in enumerate(exponents):
            sums[i] += term_sum(a, i, t)
    return [total / top_term for total, top_term in zip(sums, largest)]


def maxima_and_power_sums(rows: Rows, exponents: tuple[float, float]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``(slice_maxima(rows), power_sums(rows, top, exponents))``, read once where it can be: on
    CUDA, for float16/bfloat16/float32 input and exponents <= 64, by the Triton kernel of
    ``kernels.one_pass_power_sums`` (same values within its error, a few u more than the torch
    path's); elsewhere by the two functions.  ValueError for a NaN/inf among the used entries."""
    x = rows.rows
    if kernels.runs_on(x) and _float32_terms(x, exponents):
        top, sums, nonfinite = kernels.one_pass_power_sums(x, rows.mask, exponents)
        if nonfinite:
            require_finite(rows.source, rows.name, rows.source_mask)
        return top, sums
    top = slice_maxima(rows)
    return top, power_sums(rows, top, exponents)


def _float32_power(y: torch.Tensor, t: float) -> torch.Tensor:
    """y^t in place (y is a temporary)."""
    return y if t == 1 else y.pow_(t)


def pqi_from_power_sums(s_p: torch.Tensor, s_q: torch.Tensor, d: torch.Tensor, p: float,
                        q: float) -> torch.Tensor:
    """I_{p,q} = -expm1(log(s_p/d)/p - log(s_q/d)/q) from scaled power sums s_t (float64) of d
    entries; a rounding below 0 (impossible for the exact value) is returned as 0."""
    value = -torch.expm1(torch.log(s_p / d) / p - torch.log(s_q / d) / q)
    return torch.where(value > 0, value, 0)


def require_defined(rows: Rows, count: torch.Tensor, top: torch.Tensor, what: str) -> None:
    """ValueError naming the first slice with no unmasked entry or only zero ones."""
    empty = count == 0
    zero = top == 0
    bad = empty | zero
    if bool(bad.any()):
        b = int(torch.nonzero(bad)[0])
        reason = "has no unmasked entry" if bool(empty[b]) else "has no non-zero entry"
        raise ValueError(f"{what} is undefined for an all-zero or empty vector: "
                         f"{rows.slice_name(b)} {reason}")
