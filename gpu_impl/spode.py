r"""SpODE / PSO (Mo, Shi, Pan, ICML 2023) on torch tensors: the pieces of one step of the
sparsity-indexed ODE, with the names and meanings of ``reference.spode`` (contract §2, §10).

Every function takes 1-D tensors of any real dtype on any device (the flattened soft mask m,
the frozen weights theta, g = -grad G, e = -grad E_eps) and computes in float64: real results
are float64 tensors, masks bool tensors.  Products |m_i theta_i| of float32 (or narrower)
inputs are exact in float64, so masks then rank exactly the values the reference ranks; for
float64 inputs the rounded products can only merge near-ties (rounding is monotone).  Counts
are exact: a level or density is read as the binary rational it is (``fractions.Fraction``),
so ``final_mask(s, 0.1)`` on 10 entries prunes floor(8.99...) = 8, as the reference does.

The direction (``spode_direction``, ``euler_step``) is computed from e_perp = e - (g.e/||g||^2) g,
not from the authors' ||g||^2 ||e||^2 - (g.e)^2, which cancels when e is nearly collinear with
g.  e_perp carries an absolute rounding error of about (ceil(log2 n) + 3) u ||e|| (u = 2**-53);
below ``collinear_threshold(n)`` ||e|| it is indistinguishable from 0 and the collinear branch
F = g/||g||^2 is taken.  F is assembled as a g + b e_perp with scalars a, b on the host (one
synchronisation per step, as the validation needs anyway): few passes over the D entries.

Validation costs no extra pass over the data: a NaN or infinite entry makes a sum the function
computes anyway non-finite, and only then are the inputs scanned to name the entry (contract §1);
float64 squares overflow only for |x| > 1e154, reported as such.

The authors' conventions (relative radius, straight-through e, G-path overshoot, keep counts):
``reference.spode``'s module docstring.
"""

from __future__ import annotations

import math
from fractions import Fraction

import torch

from . import _core, validation
from .names import SPODE_INDICES, SPODE_SCHEDULES

#: Options of the sparsity index G: ``l2`` (every script of the authors) and ``l1``.
NORMS = SPODE_INDICES
#: Step-size schedules: ``exp`` (every script of the authors) and ``lin``.
SCHEDULES = SPODE_SCHEDULES

_U = 2.0**-53


def collinear_threshold(n: int) -> float:
    """||e_perp|| / ||e|| at or below which e counts as collinear with g (n entries): twice the
    rounding error bound (ceil(log2 n) + 3) u of the computed e_perp."""
    return 2 * (math.ceil(math.log2(max(n, 1))) + 3) * _U


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """sum a_i b_i by torch's cascade (pairwise) summation, error (ceil(log2 n) + 1) u relative
    to sum |a_i b_i| (``torch.dot``/``vector_norm`` on the CPU accumulate sequentially: ~sqrt(n) u
    in practice, n u at worst).  float64 squares do not overflow for |x| < 1e154."""
    return (a * b).sum()


def _norm(a: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(_dot(a, a))


def _vector(x, name: str) -> torch.Tensor:
    """A non-empty 1-D real tensor as float64 (finiteness: ``_require_finite``)."""
    x = _core.weights_tensor(x, name)
    if x.dim() != 1:
        raise ValueError(f"{name} must be a 1-D tensor, got shape {tuple(x.shape)}")
    return x.to(_core.ACC)


def _require_finite(total, **inputs) -> None:
    """ValueError unless ``total`` (a sum over the inputs' entries) is finite: naming the first
    NaN/inf entry of an input, or else reporting the overflow of float64 squares."""
    if math.isfinite(float(total)):
        return
    for name, tensor in inputs.items():
        _core.require_finite(tensor, name)
    raise ValueError("entries must be below 1e154 in magnitude (their float64 squares overflow), got "
                     + ", ".join(f"max |{name}| = {float(t.abs().max())!r}" for name, t in inputs.items()))


def _same_length(**vectors) -> None:
    lengths = {name: v.numel() for name, v in vectors.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError("vectors must have the same length, got " + ", ".join(f"{k}: {v}" for k, v in lengths.items()))


def _norm_option(norm) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got norm={norm!r}")
    return norm


def sparsity_index(m, norm="l2") -> torch.Tensor:
    r"""G(m) = ||m||_2 / sqrt(D) (``l2``) or ||m||_1 / D (``l1``): 1 at m = 1 (0-d float64)."""
    m, norm = _vector(m, "m"), _norm_option(norm)
    total = m.abs().sum() if norm == "l1" else _dot(m, m)
    _require_finite(total, m=m)
    return total / m.numel() if norm == "l1" else torch.sqrt(total) / math.sqrt(m.numel())


def sparsity_index_gradient(m, norm="l2") -> torch.Tensor:
    r"""grad G(m): m / (sqrt(D) ||m||_2) (``l2``; ValueError at m = 0) or sign(m) / D (``l1``)."""
    m, norm = _vector(m, "m"), _norm_option(norm)
    size = _norm(m)
    _require_finite(size, m=m)
    if norm == "l1":
        return torch.sign(m) / m.numel()
    if not bool(size > 0):
        raise ValueError("the l2 sparsity index has no gradient at m = 0")
    return m / (size * math.sqrt(m.numel()))


#: Vectors longer than this select their threshold from a bracket found on a sample
#: (``kth_smallest``); shorter ones call ``torch.kthvalue`` directly.
SAMPLED_SELECTION = 2**14
#: The sample: every ``stride``-th entry, stride = max(8, n // 2**14), so 2**11 .. 2**14 entries.
_MIN_STRIDE, _SAMPLE = 8, 2**14


def kth_smallest(scores: torch.Tensor, k: int) -> torch.Tensor:
    """The k-th smallest entry (1 <= k <= n) of a 1-D tensor, exactly (0-d).  A long vector is
    first bracketed: two order statistics of a strided sample (``_SAMPLE``) around the rank k/n
    (+-4 standard deviations of a sample quantile) give [lo, hi]; one pass counts the entries
    below lo and gathers those in [lo, hi], and ``torch.kthvalue`` of those few gives the answer
    (``torch.kthvalue`` of the whole vector is several times slower on the CPU).
    Should the bracket miss (never for a sample that represents the vector), the full
    ``torch.kthvalue`` runs instead: the result does not depend on the sample, only the time."""
    n = scores.numel()
    if n <= SAMPLED_SELECTION:
        return torch.kthvalue(scores, k).values
    sample = scores[:: max(_MIN_STRIDE, n // _SAMPLE)]
    position = (k - 0.5) / n * sample.numel()
    margin = 4 * math.sqrt(sample.numel() * (k / n) * (1 - k / n)) + 2
    lo = torch.kthvalue(sample, max(1, math.floor(position - margin))).values
    hi = torch.kthvalue(sample, min(sample.numel(), math.ceil(position + margin) + 1)).values
    below = int(torch.count_nonzero(scores < lo))
    inside = scores[(scores >= lo) & (scores <= hi)]
    if below < k <= below + inside.numel():
        return torch.kthvalue(inside, k - below).values
    return torch.kthvalue(scores, k).values


def keep_largest(scores: torch.Tensor, keep: int) -> torch.Tensor:
    r"""A bool mask keeping the ``keep`` largest ``scores`` (a 1-D real tensor, compared as they
    are, signed): the other n - keep are pruned, smallest first and, among equal scores, the
    earlier positions first (contract §1).  O(n): the threshold tau = the (n - keep)-th smallest
    (``kth_smallest``); every score above tau is kept, and of the scores equal to tau the last
    ones, as many as the count still needs."""
    n = scores.numel()
    prune = n - keep
    if prune <= 0:
        return torch.ones(n, dtype=torch.bool, device=scores.device)
    if prune >= n:
        return torch.zeros(n, dtype=torch.bool, device=scores.device)
    threshold = kth_smallest(scores, prune)
    kept = scores > threshold
    short = keep - int(torch.count_nonzero(kept))
    if short:
        tied = torch.nonzero(scores == threshold).squeeze(1)
        kept[tied[tied.numel() - short:]] = True
    return kept


def _level(value, name: str) -> Fraction:
    return Fraction(validation.real_param(value, name))


def polarise(m, theta, level) -> torch.Tensor:
    r"""The one-hot hard polariser: keep the floor(level D) (at most D) largest |m_i theta_i|
    (products in float64), ties as ``keep_largest``.  PSO passes level = G(m).  ValueError for
    level < 0 or vectors of different lengths."""
    m, theta = _vector(m, "m"), _vector(theta, "theta")
    _same_length(m=m, theta=theta)
    level = _level(level, "level")
    if level < 0:
        raise ValueError(f"level must be >= 0, got level={float(level)!r}")
    products = (m * theta).abs()
    _require_finite(products.sum(), m=m, theta=theta)
    return keep_largest(products, min(m.numel(), math.floor(level * m.numel())))


def _direction(g: torch.Tensor, e: torch.Tensor, tilt2) -> tuple[float, float, torch.Tensor]:
    """(a, b, e_perp) with F = a g + b e_perp: a = 1/||g||^2, b = sqrt(tilt2(||g||^2))/||e_perp||,
    b = 0 when e_perp is collinear-small (``collinear_threshold``)."""
    g2 = float(_dot(g, g))
    _require_finite(g2, g=g)
    if not g2 > 0:
        raise ValueError("g must be non-zero (the constraint g^T v = 1 is infeasible for g = 0)")
    e_norm = float(_norm(e))
    _require_finite(e_norm, e=e)
    e_perp = torch.add(e, g, alpha=-float(_dot(g, e)) / g2)
    size = float(_norm(e_perp))
    tilted = size > collinear_threshold(e.numel()) * e_norm
    return 1 / g2, math.sqrt(tilt2(g2)) / size if tilted else 0.0, e_perp


def spode_direction(g, e, r) -> torch.Tensor:
    r"""The maximiser F of e^T v subject to g^T v = 1, ||v|| <= r (absolute r, contract §2):

        F = g/||g||^2 + sqrt(r^2 - ||g||^-2) e_perp/||e_perp||,   e_perp = e - (g.e/||g||^2) g,

    F = g/||g||^2 when e_perp is 0 (module docstring: below ``collinear_threshold``).  float64.
    ValueError for g = 0, r ||g|| < 1 (beyond rounding), different lengths."""
    g, e = _vector(g, "g"), _vector(e, "e")
    _same_length(g=g, e=e)
    r = validation.real_param(r, "r")

    def tilt2(g2):
        scaled = r * r * g2
        if scaled < 1 - 4 * _U or r < 0:
            raise ValueError(f"r must be >= 1/||g|| = {1 / math.sqrt(g2)!r}, got r={r!r}")
        return max(scaled - 1, 0.0) / g2

    a, b, e_perp = _direction(g, e, tilt2)
    return torch.add(g * a, e_perp, alpha=b)


def euler_step(m, g, e, dt, radius) -> torch.Tensor:
    r"""One explicit Euler step m + dt F with F = spode_direction(g, e, radius/||g||), i.e.

        m_{k+1} = m_k + dt (g/||g||^2 + sqrt((radius^2 - 1)/||g||^2) e_perp/||e_perp||),

    ``radius`` the authors' relative radius (>= 1; ||F|| = radius/||g||).  float64.  ValueError
    for radius < 1, dt < 0, g = 0, vectors of different lengths."""
    m, g, e = _vector(m, "m"), _vector(g, "g"), _vector(e, "e")
    _same_length(m=m, g=g, e=e)
    dt, radius = validation.non_negative(dt, "dt"), validation.real_param(radius, "radius")
    if radius < 1:
        raise ValueError(f"radius must be >= 1 (the relative radius r ||g||), got radius={radius!r}")
    a, b, e_perp = _direction(g, e, lambda g2: (radius * radius - 1) / g2)
    result = torch.add(m, g, alpha=dt * a).add_(e_perp, alpha=dt * b)
    _require_finite(result.sum(), m=m)
    return result


def step_sizes(target, steps, schedule="exp", *, start=1.0) -> torch.Tensor:
    r"""The N = ``steps`` step sizes from ``start`` to ``target`` (float64, on the CPU):

        exp:  l_k = start (target/start)^{k/N},  dt_k = l_k - l_{k+1} = -l_k expm1(log(target/start)/N)
        lin:  dt_k = (start - target)/N.

    ValueError unless 0 < target <= start, steps a positive integer, schedule in ``SCHEDULES``."""
    target, start = validation.positive(target, "target"), validation.positive(start, "start")
    if target > start:
        raise ValueError(f"target must be <= start, got target={target!r} and start={start!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got steps={steps!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got schedule={schedule!r}")
    if schedule == "lin":
        return torch.full((steps,), (start - target) / steps, dtype=_core.ACC)
    rate = math.log(target / start) / steps
    return torch.tensor([-start * math.exp(rate * k) * math.expm1(rate) for k in range(steps)], dtype=_core.ACC)


def update_scores(previous, m, theta, momentum=0.0) -> torch.Tensor:
    r"""s_k = |m_{k+1} theta| + momentum s_{k-1} (s_{-1} = 0 for ``previous=None``), float64."""
    m, theta = _vector(m, "m"), _vector(theta, "theta")
    _same_length(m=m, theta=theta)
    momentum = validation.non_negative(momentum, "momentum")
    scores = (m * theta).abs()
    if previous is not None:
        previous = _vector(previous, "previous")
        _same_length(previous=previous, m=m)
        scores = scores + momentum * previous
    _require_finite(scores.sum(), m=m, theta=theta, **({} if previous is None else {"previous": previous}))
    return scores


def final_mask(scores, density) -> torch.Tensor:
    r"""The binary mask at density rho: prune the floor((1 - rho) D) smallest scores (signed),
    ties first in order (contract §1, §10); rho read exactly.  ValueError for rho outside [0, 1]."""
    scores = _vector(scores, "scores")
    _require_finite(scores.abs().sum(), scores=scores)
    density = Fraction(validation.in_unit_interval(density, "density", open_low=False))
    d = scores.numel()
    return keep_largest(scores, d - math.floor((1 - density) * d))


#: Scopes of ``final_masks``: one ranking over all tensors, or one per tensor.
MASK_SCOPES = ("global", "layer")


def final_masks(scores, density, *, scope="global") -> dict:
    r"""``final_mask`` on a mapping name -> score tensor (any shapes): ``"global"`` ranks all
    entries together (tensors in the mapping's order, C order within: contract §1's group order),
    ``"layer"`` each tensor on its own (D its size).  Returns
    name -> bool mask of the score's shape and device."""
    if scope not in MASK_SCOPES:
        raise ValueError(f"scope must be one of {MASK_SCOPES}, got scope={scope!r}")
    if scope == "layer":
        return {name: final_mask(s.reshape(-1), density).reshape(s.shape) for name, s in scores.items()}
    flat = torch.cat([s.reshape(-1).to(_core.ACC) for s in scores.values()])
    parts = final_mask(flat, density).split([s.numel() for s in scores.values()])
    return {name: part.reshape(s.shape) for (name, s), part in zip(scores.items(), parts)}
