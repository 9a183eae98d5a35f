"""The Gini index of sparsity, Hurley & Rickard (2009), eq. for G(c)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import _dyadic, _inputs
from ._precision import rational


def gini_fraction(m: _inputs.Magnitudes) -> Fraction:
    """Exact Gini index of validated magnitudes: 1 - sum_k c_(k) (2N - 2k + 1) / (N sum_k c_k).

    Float64 magnitudes go through exact integer arithmetic (each c = M 2^E; the sums are taken
    per exponent in int64 limbs), other exact inputs through Fractions; both give the same
    rational.
    """
    n = len(m)
    if m.array is None:
        c = sorted(m.exact())
        weighted = sum(ck * (2 * n - 2 * k + 1) for k, ck in enumerate(c, start=1))
        return 1 - weighted / (n * sum(c))
    x = m.dyadic
    zeros = n - len(x.mantissa)
    # the j-th non-zero (0-based) has rank k = zeros + 1 + j, so 2N - 2k + 1 = 2(N - zeros - j) - 1
    rank_weight = 2 * (n - zeros - np.arange(len(x.mantissa), dtype=np.int64)) - 1
    starts = _dyadic.group_starts(x.exponent)
    bits = _dyadic.limb_bits((2 * n).bit_length(), n)
    limbs = _dyadic.to_limbs(x.mantissa, x.width, bits)
    totals = _dyadic.group_sums(limbs, starts, bits)
    weighted = _dyadic.group_sums(_dyadic.times_small(limbs, rank_weight, bits), starts, bits)
    exponents = x.exponent[starts].tolist()
    low = exponents[0]
    total_int = sum(t << (e - low) for t, e in zip(totals, exponents))
    weighted_int = sum(t << (e - low) for t, e in zip(weighted, exponents))
    return 1 - Fraction(weighted_int, n * total_int)


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
    _inputs.require_nonzero(m, "gini")
    value = gini_fraction(m)
    return rational(value, dps, certified)
