"""The Gini index of sparsity, Hurley & Rickard (2009), eq. for G(c)."""

from __future__ import annotations

from fractions import Fraction

from . import _inputs
from ._precision import interval, refine


def gini_fraction(m: _inputs.Magnitudes) -> Fraction:
    """Exact Gini index of validated magnitudes (a rational number for exact inputs)."""
    c = sorted(m.exact())
    n = len(c)
    total = sum(c)
    weighted = sum(ck * (2 * n - 2 * k + 1) for k, ck in enumerate(c, start=1))
    return 1 - weighted / (n * total)


def gini(w, *, dps=50, certified=False):
    r"""Gini index  G(c) = 1 - 2 sum_{k=1}^{N} (c_(k)/||c||_1) (N - k + 1/2)/N,

    c = |w| sorted ascending (c_(1) <= ... <= c_(N)).  G = 0 for N = 1 and for a constant
    vector, 1 - 1/N for a one-hot vector.  For exact (float, rational) inputs G is rational and
    is computed exactly; the result is that rational to ``dps`` digits (``mpf``) or, with
    ``certified=True``, an ``mpmath.mpi`` enclosure of it.  Undefined (ValueError) for an
    all-zero vector.
    """
    m = _inputs.magnitudes(w)
    dps = _inputs.digits(dps)
    if m.all_zero():
        raise ValueError("gini is undefined for an all-zero vector (w has no non-zero entry)")
    value = gini_fraction(m)
    return refine(lambda bits: interval(value), dps, certified, exact_zero=value == 0)
