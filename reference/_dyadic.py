"""Exact integer views of float64 magnitudes, for the fast exact/certified kernels.

A finite non-zero double is ``M * 2**E`` with an integer ``M < 2**53``.  ``decompose`` sorts the
non-zero magnitudes and returns ``M`` (shifted right by the trailing zero bits that *all*
entries share, so float32 data gives ``M < 2**24``), ``E`` and the bit width.  ``group_sums``
adds integer arrays over contiguous groups exactly, splitting them into int64 limbs so that no
partial sum can overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MANTISSA_BITS = 53


@dataclass(frozen=True)
class Dyadic:
    """Sorted non-zero magnitudes as ``mantissa * 2**exponent`` (int64 arrays)."""

    mantissa: np.ndarray
    exponent: np.ndarray
    width: int  # every mantissa lies in [2**(width-1), 2**width)


def decompose(magnitudes: np.ndarray) -> Dyadic:
    """Exact ``(M, E)`` form of the non-zero entries of a float64 magnitude array, sorted."""
    values = np.sort(magnitudes[magnitudes != 0])
    fraction, exponent = np.frexp(values)
    mantissa = np.ldexp(fraction, _MANTISSA_BITS).astype(np.int64)
    if mantissa.size == 0:
        return Dyadic(mantissa, exponent.astype(np.int64), 0)
    lowest_bit = np.bitwise_and(mantissa, -mantissa)
    shift = int(np.log2(lowest_bit.min()))
    return Dyadic(
        mantissa >> shift,
        exponent.astype(np.int64) - (_MANTISSA_BITS - shift),
        _MANTISSA_BITS - shift,
    )


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Start indices of the runs of equal values in a sorted key array."""
    return np.concatenate(([0], np.flatnonzero(np.diff(keys)) + 1))


def limb_bits(value_bits: int, count: int) -> int:
    """Limb width such that a limb times a ``value_bits`` factor, or a sum of ``count`` limbs,
    stays below 2**62."""
    return min(62 - value_bits, 62 - int(count).bit_length())


def to_limbs(values: np.ndarray, value_bits: int, bits: int) -> list[np.ndarray]:
    """Split non-negative int64 ``values < 2**value_bits`` into base-2**bits limbs."""
    mask = (1 << bits) - 1
    limbs = []
    for offset in range(0, max(value_bits, 1), bits):
        limbs.append((values >> offset) & mask)
    return limbs


def times_small(limbs: list[np.ndarray], factor: np.ndarray, bits: int) -> list[np.ndarray]:
    """Limbs of ``value * factor`` (factor < 2**(62 - bits)), carries propagated."""
    mask = (1 << bits) - 1
    out, carry = [], None
    for limb in limbs:
        t = limb * factor
        if carry is not None:
            t += carry
        carry = t >> bits
        t &= mask
        out.append(t)
    while carry.any():
        out.append(carry & mask)
        carry >>= bits
    return out


def group_sums(limbs: list[np.ndarray], starts: np.ndarray, bits: int) -> list[int]:
    """Exact per-group sums of the numbers given by ``limbs`` (Python ints, one per group)."""
    totals = [0] * len(starts)
    for j, limb in enumerate(limbs):
        sums = np.add.reduceat(limb, starts).tolist()
        shift = bits * j
        totals = [t + (s << shift) for t, s in zip(totals, sums)]
    return totals
