"""Validation and exact reading of inputs (contract §1).

Every reference function reads its inputs through this module, so the rules live in one place:

* A weight vector is a 1-D sequence of real numbers (int, float, ``Fraction``, ``mpmath.mpf``,
  numpy scalars) or a 1-D numpy array of a real dtype.  Entries are read *exactly*: a float is
  its binary rational.  Only magnitudes ``|w_i|`` are kept.
* 0-d and n-d (n >= 2) arrays are rejected with ``ValueError``; the caller flattens explicitly
  (``w.ravel()``).  Silent flattening would hide a layer-vs-neuron mistake.
* ``bool`` entries and bool arrays are rejected with ``TypeError`` (a mask is not a weight vector).
* Scalar parameters (p, q, eta_r, ...) are read exactly as well: ``p=0.1`` means the double
  nearest 1/10; pass ``Fraction(1, 10)`` for one tenth exactly.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction

import mpmath
import numpy as np

from ._precision import MAX_DPS

_FLOAT64_EXACT_INT = 2**53


def _describe(value) -> str:
    return f"{value!r} (type {type(value).__name__})"


def exact_real(value, name: str) -> Fraction:
    """``value`` as an exact ``Fraction``; TypeError for non-real, ValueError for nan/inf."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        man, exp = value.man_exp
        return (-1 if value < 0 else 1) * Fraction(int(man)) * Fraction(2) ** int(exp)
    if isinstance(value, (complex, np.complexfloating, mpmath.mpc)):
        raise TypeError(f"{name} must be real, got complex {value!r}")
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        return Fraction(*value.as_integer_ratio())
    if isinstance(value, numbers.Rational):
        return Fraction(value.numerator, value.denominator)
    raise TypeError(f"{name} must be a real number, got {_describe(value)}")


@dataclass(frozen=True, eq=False)
class Magnitudes:
    """The exact magnitudes |w_i| of a validated, non-empty weight vector.

    ``array`` holds them as float64 whenever every magnitude is exactly a float64 (all float
    inputs, small ints, dyadic Fractions); ``fractions`` holds them otherwise.  Exactly one of the
    two is set.  ``exact()`` gives Fractions in both cases (slow for huge vectors).
    """

    array: np.ndarray | None
    fractions: tuple[Fraction, ...] | None

    def __len__(self) -> int:
        return len(self.array) if self.array is not None else len(self.fractions)

    @cached_property
    def dyadic(self):
        """The float64 magnitudes as sorted exact ``M * 2**E`` integers (see ``_dyadic``)."""
        from ._dyadic import decompose

        return decompose(self.array)

    def exact(self) -> tuple[Fraction, ...]:
        if self.fractions is not None:
            return self.fractions
        return tuple(Fraction(*v.as_integer_ratio()) for v in self.array.tolist())

    def top(self) -> Fraction:
        """The largest magnitude, exactly."""
        if self.array is not None:
            return Fraction(float(self.array.max()))
        return max(self.fractions)

    def all_equal(self) -> bool:
        """True when every magnitude is the same (exact comparison)."""
        if self.array is not None:
            return bool(np.all(self.array == self.array[0]))
        return all(f == self.fractions[0] for f in self.fractions)

    def all_zero(self) -> bool:
        if self.array is not None:
            return not bool(np.any(self.array))
        return not any(self.fractions)


def _float64_if_exact(f: Fraction) -> float | None:
    try:
        as_float = float(f)
    except OverflowError:
        return None
    return as_float if Fraction(*as_float.as_integer_ratio()) == f else None


def magnitudes(w, name: str = "w") -> Magnitudes:
    """Validate a weight vector and return its exact magnitudes (see module docstring)."""
    if isinstance(w, np.ndarray):
        return _array_magnitudes(w, name)
    if isinstance(w, (str, bytes)) or not hasattr(w, "__len__"):
        if isinstance(w, (numbers.Number, mpmath.mpf)):
            raise ValueError(f"{name} must be a 1-D vector, got the scalar {w!r}")
        raise TypeError(f"{name} must be a 1-D sequence of real numbers, got {_describe(w)}")
    items = list(w)
    if not items:
        raise ValueError(f"{name} must be non-empty, got an empty vector")
    if all(isinstance(v, (float, np.floating)) and not isinstance(v, np.longdouble) for v in items):
        return _array_magnitudes(np.asarray(items, dtype=np.float64), name)
    exact = []
    for i, v in enumerate(items):
        if isinstance(v, (list, tuple, np.ndarray)):
            raise ValueError(f"{name} must be 1-D, but {name}[{i}] is a sequence {v!r}")
        try:
            exact.append(abs(exact_real(v, f"{name}[{i}]")))
        except TypeError as error:
            raise TypeError(f"{error}{_conversion_hint(w, name)}") from None
    as_floats = [_float64_if_exact(f) for f in exact]
    if all(f is not None for f in as_floats):
        return Magnitudes(np.asarray(as_floats, dtype=np.float64), None)
    return Magnitudes(None, tuple(exact))


def _conversion_hint(w, name: str) -> str:
    """For an array of another library (torch, jax, cupy, ...: it has ``numpy()`` or
    ``__array__``), how to pass it: the reference reads numpy arrays and does not import them."""
    if not (hasattr(w, "numpy") or hasattr(w, "__array__")):
        return ""
    kind = f"{type(w).__module__.split('.')[0]}.{type(w).__name__}"
    return (f"; {name} is a {kind}: pass a numpy array, e.g. {name}.detach().cpu().numpy() for a "
            f"torch tensor or np.asarray({name})")


def _array_magnitudes(w: np.ndarray, name: str) -> Magnitudes:
    if w.ndim != 1:
        hint = "" if w.ndim == 0 else "; flatten it explicitly (w.ravel()) if that is meant"
        raise ValueError(f"{name} must be a 1-D vector, got an array of shape {w.shape}{hint}")
    if w.size == 0:
        raise ValueError(f"{name} must be non-empty, got an empty vector")
    kind = w.dtype.kind
    if kind == "b":
        raise TypeError(f"{name} must hold real numbers, got a boolean array")
    if kind == "c":
        bad = int(np.flatnonzero(np.iscomplex(w))[0]) if np.any(np.iscomplex(w)) else 0
        raise TypeError(f"{name} must be real, got complex dtype {w.dtype} ({name}[{bad}] = {w[bad].item()!r})")
    if kind == "O":
        return magnitudes(w.tolist(), name)
    if kind in "iu":
        if np.all(np.abs(w.astype(object)) < _FLOAT64_EXACT_INT):
            return Magnitudes(np.abs(w.astype(np.float64)), None)
        return magnitudes([int(v) for v in w.tolist()], name)
    if kind != "f":
        raise TypeError(f"{name} must hold real numbers, got dtype {w.dtype}")
    finite = np.isfinite(w)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"{name}[{i}] is {w[i].item()!r}: entries must be finite")
    if w.dtype.itemsize > 8:
        return magnitudes([Fraction(*v.as_integer_ratio()) for v in w], name)
    return Magnitudes(np.abs(w.astype(np.float64)), None)


def require_nonzero(m: Magnitudes, what: str) -> None:
    """ValueError when every magnitude is 0 (``what`` is then 0/0)."""
    if m.all_zero():
        raise ValueError(f"{what} is undefined for an all-zero vector (w has no non-zero entry)")


def real_vector(values, name: str) -> tuple[Fraction, ...]:
    """A non-empty 1-D sequence or array of reals, read exactly with signs."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{name} must be a 1-D vector, got an array of shape {values.shape}")
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a 1-D sequence of real numbers, got {values!r}")
    if len(values) == 0:
        raise ValueError(f"{name} must be non-empty, got an empty vector")
    return tuple(exact_real(v, f"{name}[{i}]") for i, v in enumerate(values))


def describe(value: Fraction) -> str:
    """An exact real in 17 significant digits for an error message, whatever its size (a float
    conversion would overflow or underflow)."""
    return mpmath.nstr(mpmath.mpf(value.numerator) / value.denominator, 17)


# --- scalar parameters -------------------------------------------------------------------


def positive(value, name: str) -> Fraction:
    """``value`` > 0, read exactly (p, gamma, eps)."""
    v = exact_real(value, name)
    if v <= 0:
        raise ValueError(f"{name} must be > 0, got {name}={value!r}")
    return v


def p_and_q(p, q) -> tuple[Fraction, Fraction]:
    """Exact (p, q) with 0 < p < q."""
    pf = positive(p, "p")
    qf = exact_real(q, "q")
    if qf <= pf:
        raise ValueError(f"q must be > p, got q={q!r} and p={p!r}")
    return pf, qf


def non_negative(value, name: str) -> Fraction:
    """``value`` >= 0, read exactly (eta_r)."""
    v = exact_real(value, name)
    if v < 0:
        raise ValueError(f"{name} must be >= 0, got {name}={value!r}")
    return v


def in_unit_interval(value, name: str, *, open_low: bool) -> Fraction:
    """``value`` in (0, 1] (open_low) or [0, 1] (beta, amount)."""
    v = exact_real(value, name)
    if v > 1 or v < 0 or (open_low and v == 0):
        interval = "(0, 1]" if open_low else "[0, 1]"
        raise ValueError(f"{name} must lie in {interval}, got {name}={value!r}")
    return v


def digits(dps) -> int:
    """The requested number of significant decimal digits (an int from 1 to ``MAX_DPS``)."""
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 1:
        raise ValueError(f"dps must be a positive integer, got dps={dps!r}")
    if dps > MAX_DPS:
        raise ValueError(
            f"dps must be at most MAX_DPS = {MAX_DPS} (the cost grows like dps^1.7 per entry), got dps={dps}"
        )
    return int(dps)
