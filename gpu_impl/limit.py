r"""The convex pruning limit of Zhang, Zhang, Sun, Liu (NeurIPS 2024) in torch float64 (contract §2).

With m = |w*| sorted descending and R_k^2 = sum_{j>k} m_(j)^2,

    F(k) = sum_i lambda_i R_k^2 / (lambda_i R_k^2 + 2 eps),   k* = min{k in 0..D : k >= F(k)}.

All R_k^2 come from one reversed cumulative sum; F is non-increasing in k, so k* is found by
multisection: each round evaluates F on a grid of up to ``_GRID`` values of k at once (a
(grid, eigenvalues) tensor), so D = 10**7 needs a handful of rounds, not a loop over k.
Eigenvalues are merged by value first (``torch.unique``), so a spectrum with few distinct
values is cheap.  Overflow-safe: each term is formed from v = lambda R^2 / (2 eps) held as a
mantissa and a binary exponent (``torch.frexp``), never as a possibly overflowing product.
``kept`` is decided in float64, so it can differ from the exact ``reference.pruning_limit``
only where k - F(k) is within rounding error of 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from . import _core, validation
from .names import NEGATIVE_POLICIES

#: Most (grid point, eigenvalue) pairs evaluated per multisection round.
_GRID = 2**20
#: How far from 1 the sum of a ``Spectrum``'s weights may be (they are then rescaled to sum 1).
WEIGHT_SUM_TOLERANCE = 1e-9
#: Binary exponent given to R^2 = 0 (far below any float64).
_ZERO_EXPONENT = -(2**20)


def _vector(values, name: str) -> torch.Tensor:
    """A non-empty, finite, real 1-D tensor (or sequence) as float64 on its device."""
    if not isinstance(values, torch.Tensor):
        values = torch.as_tensor(values, dtype=_core.ACC)
    values = _core.weights_tensor(values, name)
    if values.dim() != 1:
        raise ValueError(f"{name} must be a 1-D vector, got shape {tuple(values.shape)}")
    _core.require_finite(values, name)
    return values.to(_core.ACC)


@dataclass(frozen=True)
class Spectrum:
    r"""A quadrature rule standing for the D Hessian eigenvalues of ``pruning_limit``:

        sum_i f(lambda_i) ~ D [(1 - z) sum_j weights_j f(nodes_j) + z f(0)],   z = zero_fraction.

    ``nodes`` and ``weights`` (tensors or sequences) are stored as float64 tensors, ``weights``
    (>= 0, summing to 1 within 1e-9) divided by their sum; 0 <= ``zero_fraction`` <= 1.
    ValueError otherwise.
    """

    nodes: torch.Tensor
    weights: torch.Tensor
    zero_fraction: float = 0.0

    def __post_init__(self):
        nodes = _vector(self.nodes, "nodes")
        weights = _vector(self.weights, "weights").to(nodes.device)
        if nodes.numel() != weights.numel():
            raise ValueError(f"nodes and weights must have the same length, got {nodes.numel()} "
                             f"and {weights.numel()}")
        if bool((weights < 0).any()):
            i = int(torch.nonzero(weights < 0)[0])
            raise ValueError(f"weights must be >= 0, got weights[{i}]={weights[i].item()!r}")
        total = float(weights.sum())
        if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"weights must sum to 1, got a sum of {total!r}")
        zero = validation.in_unit_interval(self.zero_fraction, "zero_fraction", open_low=False)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "weights", weights / total)
        object.__setattr__(self, "zero_fraction", zero)


@dataclass(frozen=True)
class PruningLimit:
    r"""The result of ``pruning_limit``: ``kept`` = k* and ``total`` = D (ints);
    ``kept_fraction`` = k*/D, ``removed_fraction`` = 1 - k*/D, ``radius`` = R_{k*},
    ``width_sq`` = D - F(k*) (floats); ``kept_lower``/``kept_upper`` = k* -/+ a_eta sqrt(D)
    clipped to [0, D], a_eta = sqrt(8 log(4/eta)), when ``eta`` was given, else None."""

    kept: int
    total: int
    kept_fraction: float
    removed_fraction: float
    radius: float
    width_sq: float
    kept_lower: float | None = None
    kept_upper: float | None = None


def _curvatures(spectrum, d: int, negative: str, device) -> tuple[float, torch.Tensor, torch.Tensor]:
    r"""(base, coef, lambda) with lambda > 0, F(k) = sum coef lambda R^2/(lambda R^2 + 2 eps) and
    base = D - sum coef (the weight of the zero curvatures)."""
    if negative not in NEGATIVE_POLICIES:
        raise ValueError(f"negative must be one of {NEGATIVE_POLICIES}, got negative={negative!r}")

    def policy(values):
        return values.abs() if negative == "abs" else values.clamp_min(0)

    if isinstance(spectrum, Spectrum):
        lam = policy(spectrum.nodes.to(device))
        coef = d * (1 - spectrum.zero_fraction) * spectrum.weights.to(device)
    else:
        values = _vector(spectrum, "spectrum").to(device)
        if values.numel() != d:
            raise ValueError(f"spectrum must hold one eigenvalue per magnitude (D = {d}), "
                             f"got {values.numel()} values")
        lam, counts = torch.unique(policy(values), return_counts=True)
        coef = counts.to(_core.ACC)
    keep = (lam > 0) & (coef > 0)
    coef, lam = coef[keep], lam[keep]
    return d - float(coef.sum()), coef, lam


def _share(mantissa: torch.Tensor, exponent: torch.Tensor) -> torch.Tensor:
    """v / (1 + v) for v = mantissa 2^exponent (mantissa near 1), without overflow."""
    small = exponent <= 0
    v = torch.ldexp(mantissa, exponent.clamp(max=0))
    inverse = torch.ldexp(1 / mantissa, (-exponent).clamp(max=0))
    return torch.where(small, v / (1 + v), 1 / (1 + inverse))


def _suffix(cumulative, x: torch.Tensor) -> torch.Tensor:
    """``cumulative`` (cumsum, logcumsumexp) from the end: out[k] combines x[k:]."""
    return torch.flip(cumulative(torch.flip(x, (0,)), 0), (0,))


def _removed_squares(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """R_k^2 for k = 0..D as (mantissa, exponent): the squared norm of all but the k largest
    (R^2 = 0 has exponent ``_ZERO_EXPONENT``, so that 1/R^2 is +inf in ``_share``).

    Computed as top^2 sum_{j>=k} (m_j/top)^2 (one reversed cumulative sum, float64).  Where a
    suffix of entries below 2^-500 top would underflow, its sum is taken in log form
    (``logcumsumexp``) instead.
    """
    top = m[0] if m[0] > 0 else torch.ones((), dtype=_core.ACC, device=m.device)
    y = m / top
    zero = torch.zeros(1, dtype=_core.ACC, device=m.device)
    tail = torch.cat([_suffix(torch.cumsum, y * y), zero])
    tail_m, tail_e = torch.frexp(tail)
    tail_e = tail_e.to(torch.int64)
    positive = m[m > 0]
    if positive.numel() and float(torch.log2(positive.min()) - torch.log2(top)) < -500:
        logs = torch.cat([_suffix(torch.logcumsumexp, 2 * (torch.log(m) - torch.log(top))), zero - math.inf])
        exponent = torch.floor(logs / math.log(2)).nan_to_num(0).to(torch.int64)
        mantissa = torch.exp(logs - exponent.to(_core.ACC) * math.log(2))
        fallback = (tail < 2.0**-900) & (logs > -math.inf)
        tail_m, tail_e = torch.where(fallback, mantissa, tail_m), torch.where(fallback, exponent, tail_e)
    top_m, top_e = torch.frexp(top)
    exponent = torch.where(tail_m > 0, tail_e + 2 * top_e.to(torch.int64), _ZERO_EXPONENT)
    return tail_m * top_m * top_m, exponent


def pruning_limit(magnitudes, spectrum, eps, *, negative="abs", eta=None) -> PruningLimit:
    r"""Zhang et al.'s pruning limit  k* = min{k in 0..D : k >= F(k)},

        F(k) = sum_{i=1}^{D} lambda_i R_k^2 / (lambda_i R_k^2 + 2 eps),   R_k^2 = sum_{j>k} m_(j)^2,

    m = |magnitudes| (a tensor of any shape, flattened: D entries) sorted descending.
    ``spectrum`` is a tensor of the D Hessian eigenvalues or a ``Spectrum`` quadrature rule
    (sum_i f(lambda_i) = D [(1 - z) sum_j w_j f(x_j) + z f(0)]).  ``negative="abs"`` uses
    |lambda|, ``"zero"`` replaces a negative lambda by 0.  eps > 0; ``eta`` in (0, 1) adds
    ``kept_lower``/``kept_upper``.  Computed in float64 on the magnitudes' device; returns a
    ``PruningLimit`` of Python ints and floats.  ``width_sq`` = D - F(k*) is evaluated as
    base + sum coef 2 eps / (lambda R^2 + 2 eps) (no cancellation).
    """
    m = _core.weights_tensor(magnitudes, "magnitudes")
    _core.require_finite(m, "magnitudes")
    m = torch.sort(m.reshape(-1).to(_core.ACC).abs(), descending=True).values
    d = m.numel()
    eps = validation.positive(eps, "eps")
    if eta is not None:
        eta = validation.real_param(eta, "eta")
        if not 0 < eta < 1:
            raise ValueError(f"eta must lie in (0, 1), got eta={eta!r}")
    base, coef, lam = _curvatures(spectrum, d, negative, m.device)
    r2_m, r2_e = _removed_squares(m)
    lam_m, lam_e = torch.frexp(lam)
    eps_m, eps_e = math.frexp(2 * eps)
    lam_m = lam_m / eps_m
    lam_e = lam_e.to(torch.int64) - eps_e

    def exponents(ks):
        """(mantissa, exponent) of v = lambda_i R_k^2 / (2 eps), shape (len(ks), terms)."""
        return r2_m[ks, None] * lam_m[None, :], r2_e[ks, None] + lam_e[None, :]

    def satisfied(ks):
        mantissa, exponent = exponents(ks)
        return ks.to(_core.ACC) >= (coef * _share(mantissa, exponent)).sum(dim=1)

    grid = max(2, _GRID // max(coef.numel(), 1))
    low, high = 0, d
    while low < high:
        ks = torch.linspace(low, high - 1, min(grid, high - low), dtype=_core.ACC, device=m.device)
        ks = torch.unique(ks.round().long())
        ok = satisfied(ks)
        first = int(torch.argmax(ok.to(torch.int8))) if bool(ok.any()) else ks.numel()
        if first < ks.numel():
            high = int(ks[first])
        low = int(ks[first - 1]) + 1 if first > 0 else low
    kept = low
    k = torch.tensor([kept], device=m.device)
    mantissa, exponent = exponents(k)
    width_sq = base + float((coef * _share(1 / mantissa, -exponent)).sum())
    half, odd = divmod(int(r2_e[kept]), 2)
    radius = math.ldexp(math.sqrt(float(r2_m[kept]) * 2**odd), half) if r2_m[kept] > 0 else 0.0
    result = dict(kept=kept, total=d, kept_fraction=kept / d, removed_fraction=(d - kept) / d,
                  radius=radius, width_sq=width_sq)
    if eta is not None:
        spread = math.sqrt(8 * math.log(4 / eta)) * math.sqrt(d)
        result.update(kept_lower=max(kept - spread, 0.0), kept_upper=min(kept + spread, float(d)))
    return PruningLimit(**result)
