r"""One-pass scaled power sums on CUDA, a Triton kernel (``pq_index``'s fast path).

The torch path of ``_core`` reads a slice several times (max |w|, then chunks of powers, each a
separate kernel with float32/float64 temporaries): 4 % of an H200's copy bandwidth for 10^9
float32 entries (docs/gpu/h200-2026-11-26-first).  Here each program reads one tile of
``BLOCK`` entries of one slice once and writes five numbers; torch combines the tiles.

Per tile j (entries a_i = |w_i| of the used entries, float32; float16/bfloat16 are widened):

* a_i = m_i 2^{e_i} with m_i in [1, 2) and the integer e_i taken from the bits (subnormals
  first scaled by 2^64, exactly), E_j = max e_i, and for each exponent t

      T_{t,j} = sum_i 2^{x_i},   x_i = t (e_i - E_j) + t log2(m_i)   (one fma),

  i.e. T_{t,j} = sum_i (a_i / 2^{E_j})^t: every term is below 2^t, so nothing overflows for
  t <= 64, and a term underflows only where it is below 2^-126 of the largest;
* also max a_i and the number of NaN/inf entries among the used ones.

Combined in float64: s_t = sum_j T_{t,j} 2^{t (E_j - E)} / (M / 2^E)^t with E = max_j E_j and
M = max a_i, i.e. s_t = sum_i (a_i / M)^t in [1, d] as on the torch path.

Error (``power_sum_error``, relative, of s_t; u = 2^-24), for a tile of b entries: the term's
exponent x_i is rounded once (|x_i| u; the |x_i|, weighted by the terms 2^{x_i} of which the
largest is >= 1, average at most log2 b + log2 log2 b + 2 + t), log2(m_i) adds t u (4 t u with
``fast_log2``: lg2.approx.f32 is within 2^-22), exp2 (ex2.approx.f32) 4 u, and the float32 sum
of the tile (serial over each thread's entries, 4 in the default ``tile_shape``, then a tree over
the threads) its count.  The float64 combination adds 1 u.  At most 28 u + 1.4 t u (fast_log2: + 2.1 t u) for a
full tile of 1024 on 8 warps: within the oracle's budget for PQI
(``oracle.tolerances.pq_index_budget``, 4 (1/p + 1/q) P(d) u) for every d.  On an H200 the
kernel's results were within this bound in every CUDA test (docs/gpu/h200-2026-11-26-second).

``runs_on(x)``: CUDA tensors where Triton imports, and any tensor under Triton's interpreter
(``TRITON_INTERPRET=1`` set before the first import of Triton): that is how the tests check this
kernel's arithmetic on a CPU (tests/gpu_impl/test_kernels.py).
"""

from __future__ import annotations

import math

import torch

try:
    import triton
    import triton.language as tl
    from triton.language.extra import libdevice
except ImportError:  # Triton comes with torch's CUDA wheels; without it, the torch path runs
    triton = None

#: Entries per program (one tile of one slice), and the warps of 32 threads that share them.
#: 4096 entries on 4 warps took 192 registers a thread (ptxas, sm_90), i.e. 8 resident warps
#: an SM, and ran at 13 % of an H200's copy bandwidth; 1024 on 8 warps takes 37 (48 resident
#: warps).  docs/gpu/README.md: the sweep that should choose them on the device.
BLOCK = 1024
WARPS = 8
#: Whether the kernel was built for Triton's interpreter (TRITON_INTERPRET=1 at import).
INTERPRETED = False


def tile_shape(n: int) -> tuple[int, int]:
    """(entries, warps) of the tiles for slices of n entries: ``BLOCK`` on ``WARPS``; for a
    shorter slice the next power of two from 128 on, with as many entries a thread (fewer idle
    threads: the neuron-wise layers of bench_gpu_measures (b) have slices of 27 to 4608)."""
    block = min(BLOCK, max(128, 1 << (max(n, 1) - 1).bit_length()))
    return block, max(1, block * WARPS // BLOCK)


def _chosen_tile(n: int, block: int | None, warps: int | None) -> tuple[int, int]:
    """``(block, warps)`` where given, else ``tile_shape(n)``'s."""
    default_block, default_warps = tile_shape(n)
    return block or default_block, warps or default_warps


def power_sum_error(n: int, t: float, *, fast_log2: bool = False, block: int | None = None,
                    warps: int | None = None) -> float:
    """Bound on the relative error of ``one_pass_power_sums``'s s_t for slices of n entries,
    with its tile shape (default ``tile_shape(n)``) (module docstring; u = 2^-24)."""
    block, warps = _chosen_tile(n, block, warps)
    b = max(min(n, block), 4)
    threads = 32 * warps
    exponent = math.log(2) * (math.log2(b) + math.log2(math.log2(b)) + 2 + t)
    log2_m = math.log(2) * t * (4 if fast_log2 else 1)
    tile_sum = math.ceil(b / threads) - 1 + math.ceil(math.log2(min(b, threads)))
    return (exponent + log2_m + 4 + tile_sum + 1) * 2.0**-24


def runs_on(x: torch.Tensor) -> bool:
    """Whether ``one_pass_power_sums`` runs on ``x``'s device: CUDA with Triton installed, or
    any device under Triton's interpreter."""
    return triton is not None and (x.device.type == "cuda" or INTERPRETED)


if triton is not None:

    @triton.jit
    def _tile_power_sums(x_ptr, mask_ptr, n, tiles, p, q, exponent_ptr, max_ptr, sum_p_ptr, sum_q_ptr,
                         bad_ptr, HAS_MASK: tl.constexpr, P_IS_ONE: tl.constexpr, Q_IS_ONE: tl.constexpr,
                         FAST_LOG2: tl.constexpr, BLOCK: tl.constexpr):
        pid = tl.program_id(0)
        row = (pid // tiles).to(tl.int64)
        offsets = (pid % tiles).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
        inside = offsets < n
        a = tl.abs(tl.load(x_ptr + row * n + offsets, mask=inside, other=0.0).to(tl.float32))
        used = inside
        if HAS_MASK:
            used = used & (tl.load(mask_ptr + row * n + offsets, mask=inside, other=0) != 0)
        bad = used & (((a.to(tl.int32, bitcast=True) >> 23) & 0xFF) == 0xFF)
        a = tl.where(used & (bad == 0), a, 0.0)
        subnormal = a < 1.1754943508222875e-38  # 2^-126; zeros too
        scaled = a * tl.where(subnormal, 1.8446744073709552e19, 1.0)  # 2^64, exact
        bits = scaled.to(tl.int32, bitcast=True)
        e = ((bits >> 23) & 0xFF) - 127 - tl.where(subnormal, 64, 0)
        m = ((bits & 0x7FFFFF) | 0x3F800000).to(tl.float32, bitcast=True)
        positive = a > 0
        top_exponent = tl.max(tl.where(positive, e, -1000), axis=0)  # -1000: no non-zero entry
        shift = tl.where(positive, e - top_exponent, 0)
        k = shift.to(tl.float32)
        # 2^shift from its bits (0 below 2^-126, where a term of t = 1 is negligible)
        two_to_k = tl.where(shift >= -126, ((shift + 127) << 23).to(tl.float32, bitcast=True), 0.0)
        if FAST_LOG2:
            log2_m = libdevice.fast_log2f(m)  # lg2.approx.f32
        else:
            log2_m = tl.log2(m)
        if P_IS_ONE:
            term_p = m * two_to_k
        else:
            term_p = tl.exp2(tl.fma(k, p, p * log2_m))
        if Q_IS_ONE:
            term_q = m * two_to_k
        else:
            term_q = tl.exp2(tl.fma(k, q, q * log2_m))
        tl.store(exponent_ptr + pid, top_exponent)
        tl.store(max_ptr + pid, tl.max(a, axis=0))
        tl.store(sum_p_ptr + pid, tl.sum(tl.where(positive, term_p, 0.0), axis=0))
        tl.store(sum_q_ptr + pid, tl.sum(tl.where(positive, term_q, 0.0), axis=0))
        tl.store(bad_ptr + pid, tl.sum(bad.to(tl.int32), axis=0))

    INTERPRETED = not isinstance(_tile_power_sums, triton.runtime.JITFunction)


def one_pass_power_sums(x: torch.Tensor, mask: torch.Tensor | None, exponents: tuple[float, float], *,
                        fast_log2: bool = False, block: int | None = None,
                        warps: int | None = None) -> tuple[torch.Tensor, list[torch.Tensor], bool]:
    r"""``(top, [s_p, s_q], has_nonfinite)`` of the (B, n) float16/bfloat16/float32 tensor ``x``
    (``mask``: bool (B, n) or None) in one read: top = max |w| per row (float64, 0 for rows
    without a non-zero used entry), s_t = sum_i (|w_i| / top)^t (float64, 0 for such rows) for
    the two exponents 0 < t <= 64, and whether a used entry is NaN or inf (then top and s_t are
    meaningless).  Only where ``runs_on(x)``.  ``fast_log2``: log2(m_i) by the approximate
    instruction (lg2.approx.f32, CUDA only) instead of the accurate libdevice function;
    ``block`` (a power of two) and ``warps``: the tile and its threads, ``tile_shape(n)`` by
    default (benchmarks sweep them)."""
    p, q = (float(t) for t in exponents)
    batch, n = x.shape
    block, warps = _chosen_tile(n, block, warps)
    x = x.contiguous()
    mask = None if mask is None else mask.contiguous().view(torch.uint8)
    tiles = triton.cdiv(max(n, 1), block)
    out = {name: torch.empty(batch * tiles, dtype=dtype, device=x.device)
           for name, dtype in (("exponent", torch.int32), ("max", torch.float32), ("p", torch.float32),
                               ("q", torch.float32), ("bad", torch.int32))}
    _tile_power_sums[(batch * tiles,)](x, x if mask is None else mask, n, tiles, p, q, out["exponent"], out["max"],
                                       out["p"], out["q"], out["bad"], HAS_MASK=mask is not None,
                                       P_IS_ONE=p == 1, Q_IS_ONE=q == 1, FAST_LOG2=fast_log2, BLOCK=block,
                                       num_warps=warps)
    exponent = out["exponent"].view(batch, tiles)
    top_exponent = exponent.amax(dim=1)
    shift = (exponent - top_exponent[:, None]).to(torch.float64)
    top = out["max"].view(batch, tiles).amax(dim=1).to(torch.float64)
    top_mantissa = torch.where(top > 0, torch.ldexp(top, -top_exponent.to(torch.float64)), 1)  # M / 2^E
    sums = [(out[name].view(batch, tiles).to(torch.float64) * torch.exp2(t * shift)).sum(dim=1)
            / top_mantissa.pow(t)
            for name, t in (("p", p), ("q", q))]
    return top, sums, bool(out["bad"].any())
