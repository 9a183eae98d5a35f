r"""SpODE / PSO of Mo, Shi, Pan (ICML 2023): one step of the sparsity-indexed ODE, piece by piece,
as functions of plain vectors (contract §2, §10).

PSO prunes a trained network theta* (frozen) by moving a soft mask m in R^D from m_0 = 1 down
a density index G, one explicit Euler step at a time, then keeps the weights with the largest
scores |m (.) theta*|.  One step k, with the pieces of this module::

    G_k  = sparsity_index(m_k, norm)                   the density level (1 at m = 1)
    g    = -sparsity_index_gradient(m_k, norm)          the direction of fastest pruning
    u    = polarise(m_k, theta, G_k)                    keep the floor(G_k D) largest |m (.) theta|
    e    = -theta (.) dL/dw  at w = u (.) theta         straight-through gradient, one mini-batch
    m_k+1 = euler_step(m_k, g, e, dt_k, radius)         m_k + dt_k F(m_k), F = spode_direction(...)
    s_k  = update_scores(s_k-1, m_k+1, theta, momentum)
    ... after N steps (dt_k = step_sizes(density, N, schedule)[k]):
    mask = final_mask(s_N-1, density)                   prune the floor((1 - density) D) smallest

Conventions of the authors' code (``mzf666/sparsity-indexed-ode``, read in
``shared/research/spode-pso-algorithm.md``) where they differ from the slides:

* **Relative radius.**  The slides bound the step by ||v|| <= r; the code's ``--r`` (default
  1.1) is relative: the absolute radius is r/||g||, so ||F|| = r/||g|| and r must be >= 1.
  ``euler_step`` takes the code's relative r; ``spode_direction`` the absolute one (contract §2).
* **Straight-through gradient.**  E_eps(m) = E(P(m) (.) theta*) has zero gradient almost
  everywhere for the hard polariser; the code uses e = -grad_u E(u (.) theta*) at u = P(m), i.e.
  -theta* (.) dL/dw at the polarised weights (entries pruned by P included, which lets them
  regrow).  The reference takes e as given.
* **G-path overshoot.**  With G = l2 an Euler step follows the data-free recursion
  G_{k+1}^2 = (G_k - dt_k)^2 + (r^2 - 1) dt_k^2 (r relative): G ends slightly above the target
  (0.02 -> 0.02406 with N = 100).  With G = l1 and m > 0 it falls by exactly dt_k.
* **Polariser keep count.**  The code prunes floor((1 - G) D) entries (keeps ceil(G D) when G D
  is not an integer) and leaves m unchanged when that count is <= 1; here, as the issue states
  it, the polariser always keeps exactly floor(G D) entries and is always binary.
* **Collinear branch and D.**  The code has no collinear branch and forms
  ||g||^2 ||e||^2 - (g^T e)^2, which cancels; the slides' F = g/||g||^2 for collinear g, e is
  used here, and ``spode_direction`` works with e_perp (exact rationals, no cancellation).

Inputs are read exactly (contract §1: a float is its binary rational).  Exact results are exact
(``Fraction`` scores, boolean masks with exact counts); irrational ones are ``mpf`` to ``dps``
digits, an exactly-zero component an exact 0.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from mpmath import iv

from . import _inputs
from ._precision import interval, rational, refine

#: Options of the sparsity index G (``--ode-index``): ``l2`` (every script of the authors), ``l1``.
NORMS = ("l2", "l1")
#: Step-size schedules of the ODE (``--ode-schedule``): ``exp`` (every script), ``lin``.
SCHEDULES = ("exp", "lin")


def _norm_option(norm) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got norm={norm!r}")
    return norm


def _square_sum(m) -> Fraction:
    return sum((v * v for v in m), Fraction(0))


def _base_plus_root(base: Fraction, scale: Fraction, tilt: Fraction, dps: int):
    """base + sqrt(scale) tilt to ``dps`` digits (scale >= 0), an exact 0 where it vanishes."""
    is_zero = base * base == scale * tilt * tilt and base * tilt <= 0
    return refine(lambda bits: interval(base) + iv.sqrt(interval(scale)) * interval(tilt), dps, False,
                  exact_zero=is_zero)


def _direction_parts(g, e):
    """(||g||^2, g/||g||^2, e_perp, ||e_perp||^2) for exact g, e of equal length, g != 0."""
    if len(g) != len(e):
        raise ValueError(f"g and e must have the same length, got {len(g)} and {len(e)}")
    g2 = _square_sum(g)
    if g2 == 0:
        raise ValueError("g must be non-zero (the constraint g^T v = 1 is infeasible for g = 0)")
    along = sum(a * b for a, b in zip(g, e)) / g2
    perp = tuple(b - along * a for a, b in zip(g, e))
    return g2, tuple(a / g2 for a in g), perp, _square_sum(perp)


def spode_direction(g, e, r, *, dps=50) -> tuple:
    r"""The maximiser F of e^T v subject to g^T v = 1 and ||v|| <= r  (g = -grad G, e = -grad E):

        F = g/||g||^2 + sqrt(r^2 - ||g||^-2) e_perp/||e_perp||,   e_perp = e - (g^T e/||g||^2) g,

    and F = g/||g||^2 when e_perp = 0 (the slides' collinear branch: every feasible v is then
    optimal and this is the one of least norm).  r is the absolute radius (contract §2); the
    authors' code passes r_rel/||g||.  Inputs are read exactly (contract §1).  Returns a tuple of
    ``mpf``, each component to ``dps`` digits (an exactly-zero component is an exact 0).
    ``ValueError`` for g = 0, r < 1/||g|| (the constraints are then infeasible), or g and e of
    different lengths.
    """
    g = _inputs.real_vector(g, "g")
    e = _inputs.real_vector(e, "e")
    r = _inputs.exact_real(r, "r")
    dps = _inputs.digits(dps)
    g2, base, perp, perp2 = _direction_parts(g, e)
    if r < 0 or r * r * g2 < 1:
        inverse_norm = _inputs.describe(Fraction(g2.denominator, g2.numerator))
        raise ValueError(f"r must be >= 1/||g|| = sqrt({inverse_norm}), got r={_inputs.describe(r)}")
    # F_i = g_i/||g||^2 + sqrt(scale) perp_i with scale = (r^2 - 1/||g||^2) / ||e_perp||^2
    scale = (r * r - 1 / g2) / perp2 if perp2 else Fraction(0)
    return tuple(_base_plus_root(b, scale, t, dps) for b, t in zip(base, perp))


def sparsity_index(m, norm="l2", *, dps=50):
    r"""The soft density G(m) of a mask vector m of length D (G(1) = 1, G(0) = 0):

        l2:  G(m) = ||m||_2 / sqrt(D)        l1:  G(m) = ||m||_1 / D.

    (The code adds 1e-12 under the square root; omitted.)  Returns an ``mpf`` to ``dps`` digits
    (l1: the exact rational, rounded once).
    """
    m = _inputs.real_vector(m, "m")
    norm, dps = _norm_option(norm), _inputs.digits(dps)
    if norm == "l1":
        return rational(sum((abs(v) for v in m), Fraction(0)) / len(m), dps)
    mean_square = _square_sum(m) / len(m)
    return refine(lambda bits: iv.sqrt(interval(mean_square)), dps, False, exact_zero=mean_square == 0)


def sparsity_index_gradient(m, norm="l2", *, dps=50) -> tuple:
    r"""grad G(m) (PSO uses g = -grad G):

        l2:  m / (sqrt(D) ||m||_2)   (norm 1/sqrt(D) for every m != 0)
        l1:  sign(m) / D             (the subgradient with sign(0) = 0, as torch.sign)

    A tuple of ``mpf`` to ``dps`` digits.  ``ValueError`` for m = 0 with l2 (G is not
    differentiable there).
    """
    m = _inputs.real_vector(m, "m")
    norm, dps = _norm_option(norm), _inputs.digits(dps)
    d = len(m)
    if norm == "l1":
        return tuple(rational(Fraction((v > 0) - (v < 0), d), dps) for v in m)
    total = _square_sum(m) * d
    if total == 0:
        raise ValueError("the l2 sparsity index has no gradient at m = 0")
    return tuple(
        refine(lambda bits, v=v: interval(v) / iv.sqrt(interval(total)), dps, False, exact_zero=v == 0)
        for v in m
    )


def _keep_count(level: Fraction, d: int) -> int:
    return min(d, math.floor(level * d))


def polarise(m, theta, level) -> np.ndarray:
    r"""The one-hot hard polariser P of PSO (the authors' ``ohh``): a binary mask that keeps the

        k = floor(level D)     (clipped at D)

    largest |m_i theta_i| and prunes the other D - k, among equal products the entries first in
    order pruned first (contract §1).  PSO calls it with level = G(m) (``sparsity_index``), the
    current density.  Returns a boolean array (True = kept).  ``ValueError`` for level < 0 or
    m, theta of different lengths.
    """
    m = _inputs.real_vector(m, "m")
    theta = _inputs.real_vector(theta, "theta")
    if len(m) != len(theta):
        raise ValueError(f"m and theta must have the same length, got {len(m)} and {len(theta)}")
    level = _inputs.non_negative(level, "level")
    return _keep_largest([abs(a * b) for a, b in zip(m, theta)], _keep_count(level, len(m)))


def _keep_largest(values, keep: int) -> np.ndarray:
    """Keep the ``keep`` largest of exact ``values``: prune the others, smallest first and, among
    equal values, the earlier position first (a stable ascending sort, contract §1)."""
    mask = np.ones(len(values), dtype=bool)
    mask[sorted(range(len(values)), key=values.__getitem__)[: len(values) - keep]] = False
    return mask


def euler_step(m, g, e, dt, radius, *, dps=50) -> tuple:
    r"""One explicit Euler step of the sparsity-indexed ODE dm = F(m) dt:

        m_{k+1} = m_k + dt F,   F = spode_direction(g, e, radius/||g||)
                = m_k + dt (g/||g||^2 + sqrt((radius^2 - 1)/||g||^2) e_perp/||e_perp||),

    with ``radius`` the authors' relative radius (``--radius``, default 1.1; ||F|| = radius/||g||)
    and g = -grad G, e = -grad E_eps given (e the straight-through gradient, module docstring).
    Then g^T (m_{k+1} - m_k) = dt: G falls by dt to first order.  A tuple of ``mpf`` to ``dps``
    digits.  ``ValueError`` for radius < 1, dt < 0, g = 0, or vectors of different lengths.
    """
    m = _inputs.real_vector(m, "m")
    g = _inputs.real_vector(g, "g")
    e = _inputs.real_vector(e, "e")
    dt = _inputs.non_negative(dt, "dt")
    radius = _inputs.exact_real(radius, "radius")
    dps = _inputs.digits(dps)
    if radius < 1:
        raise ValueError(f"radius must be >= 1 (the relative radius r ||g||), got radius={_inputs.describe(radius)}")
    if len(m) != len(g):
        raise ValueError(f"m and g must have the same length, got {len(m)} and {len(g)}")
    g2, base, perp, perp2 = _direction_parts(g, e)
    # m_i + dt F_i = (m_i + dt g_i/||g||^2) + sqrt(dt^2 (radius^2 - 1)/(||g||^2 ||e_perp||^2)) perp_i
    scale = dt * dt * (radius * radius - 1) / (g2 * perp2) if perp2 else Fraction(0)
    return tuple(_base_plus_root(v + dt * b, scale, t, dps) for v, b, t in zip(m, base, perp))


def step_sizes(target, steps, schedule="exp", *, start=1, dps=50) -> tuple:
    r"""The N = ``steps`` Euler step sizes dt_0 .. dt_{N-1} that take the density index from
    ``start`` (G(m_0) = 1 in one-shot pruning) to ``target`` (the density rho):

        exp:  l_k = start (target/start)^{k/N},  dt_k = l_k - l_{k+1}   (the authors' scripts)
        lin:  dt_k = (start - target) / N

    They sum to start - target exactly (l_0 = start and l_N = target are exact).  A tuple of
    ``mpf`` to ``dps`` digits.  ``ValueError`` unless 0 < target <= start and steps >= 1.
    """
    target = _inputs.positive(target, "target")
    start = _inputs.positive(start, "start")
    dps = _inputs.digits(dps)
    if target > start:
        raise ValueError(f"target must be <= start, got target={_inputs.describe(target)} and "
                         f"start={_inputs.describe(start)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got steps={steps!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got schedule={schedule!r}")
    if schedule == "lin" or target == start:
        return tuple(rational((start - target) / steps, dps) for _ in range(steps))

    def level(k: int):
        if k in (0, steps):
            return interval(start if k == 0 else target)
        return interval(start) * iv.exp(iv.log(interval(target / start)) * k / steps)

    return tuple(refine(lambda bits, k=k: level(k) - level(k + 1), dps, False) for k in range(steps))


def update_scores(previous, m, theta, momentum=0) -> tuple:
    r"""The PSO score after a step (the authors' ``score_option mp``):

        s_k = |m_{k+1} (.) theta| + momentum s_{k-1},      s_{-1} = 0 (``previous=None``),

    with the un-polarised mask m_{k+1}; momentum = 0 (every unstructured script) makes the final
    score |m_N (.) theta|.  Exact: a tuple of ``Fraction``.  ``ValueError`` for momentum < 0 or
    vectors of different lengths.
    """
    m = _inputs.real_vector(m, "m")
    theta = _inputs.real_vector(theta, "theta")
    momentum = _inputs.non_negative(momentum, "momentum")
    previous = (Fraction(0),) * len(m) if previous is None else _inputs.real_vector(previous, "previous")
    if not len(m) == len(theta) == len(previous):
        raise ValueError(f"previous, m and theta must have the same length, got {len(previous)}, {len(m)} "
                         f"and {len(theta)}")
    return tuple(abs(a * b) + momentum * s for a, b, s in zip(m, theta, previous))


def final_mask(scores, density) -> np.ndarray:
    r"""PSO's (and every one-shot baseline's) binary mask at the target density rho (contract §10):
    prune the

        c = floor((1 - rho) D)

    smallest scores (signed: GraSP's may be negative), among equal scores those first in order
    (contract §1); D - c = ceil(rho D)
    entries stay (one more than rho D when rho D is not an integer, and, since rho is read
    exactly, when it is: rho = 0.1 is just above 1/10, so on D = 10 entries c = floor(8.99...)
    = 8).  Returns a boolean array (True = kept).  ``ValueError`` for density outside [0, 1].
    """
    scores = _inputs.real_vector(scores, "scores")
    density = _inputs.in_unit_interval(density, "density", open_low=False)
    d = len(scores)
    return _keep_largest(scores, d - math.floor((1 - density) * d))
