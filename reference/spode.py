r"""The SpODE one-step direction of Mo, Shi, Pan (ICML 2023), as in SPEC §2."""

from __future__ import annotations

from fractions import Fraction

from mpmath import iv

from . import _inputs
from ._precision import interval, refine


def spode_direction(g, e, r, *, dps=50) -> tuple:
    r"""The maximiser F of e^T v subject to g^T v = 1 and ||v|| <= r  (g = -grad G, e = -grad E):

        F = g/||g||^2 + sqrt(r^2 - ||g||^-2) e_perp/||e_perp||,   e_perp = e - (g^T e/||g||^2) g,

    and F = g/||g||^2 when e_perp = 0.  Inputs are read exactly (SPEC §1).  Returns a tuple of
    ``mpf``, each component to ``dps`` digits (an exactly-zero component is an exact 0).
    ``ValueError`` for g = 0, r < 1/||g|| (the constraints are then infeasible), or g and e of
    different lengths.
    """
    g = _inputs.real_vector(g, "g")
    e = _inputs.real_vector(e, "e")
    if len(g) != len(e):
        raise ValueError(f"g and e must have the same length, got {len(g)} and {len(e)}")
    r = _inputs.exact_real(r, "r")
    dps = _inputs.digits(dps)
    g2 = sum(v * v for v in g)
    if g2 == 0:
        raise ValueError("g must be non-zero (the constraint g^T v = 1 is infeasible for g = 0)")
    if r < 0 or r * r * g2 < 1:
        inverse_norm = _inputs.describe(Fraction(g2.denominator, g2.numerator))
        raise ValueError(f"r must be >= 1/||g|| = sqrt({inverse_norm}), got r={_inputs.describe(r)}")
    along = sum(a * b for a, b in zip(g, e)) / g2
    perp = [b - along * a for a, b in zip(g, e)]
    perp2 = sum(v * v for v in perp)
    # F_i = g_i/||g||^2 + sqrt(scale) perp_i with scale = (r^2 - 1/||g||^2) / ||e_perp||^2
    scale = (r * r - 1 / g2) / perp2 if perp2 else Fraction(0)

    def component(base: Fraction, tilt: Fraction):
        is_zero = base * base == scale * tilt * tilt and base * tilt <= 0

        def enclosure(bits):
            return interval(base) + iv.sqrt(interval(scale)) * interval(tilt)

        return refine(enclosure, dps, False, exact_zero=is_zero)

    return tuple(component(a / g2, t) for a, t in zip(g, perp))
