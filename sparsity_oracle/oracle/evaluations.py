"""The reference's values for the checks, evaluated once per content in a process.

Checking several implementations (or several dtypes whose rounding leaves a case unchanged)
on the same case needs the reference only once: values are memoised by a digest of the
arguments' exact content.  The 10^6-entry hard case costs the reference about a second per
PQI, so this matters (``cases`` module docstring).
"""

from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction

import numpy as np

from ..reference import endpoints, exact_real
from .cases import case_digest

_CACHE: OrderedDict = OrderedDict()
#: Values kept (least recently used dropped first).
CACHE_SIZE = 4096


def cached(key: tuple, compute):
    """``compute()``, memoised by ``key`` (content digests and parameters)."""
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = compute()
    _CACHE[key] = value
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


def digest(values) -> str:
    """The content digest of one array."""
    return case_digest("", {"v": np.asarray(values)})


def reference_real(function: str, w: np.ndarray, **params) -> float:
    """float(reference.<function>(w, **params, dps=30)) (error far below any float budget);
    the reference's ValueError is raised (and memoised) where it rejects the call."""
    from sparsity_oracle import reference

    def compute():
        try:
            return float(getattr(reference, function)(w, **params, dps=30))
        except ValueError as error:
            return error

    value = cached(("real", function, digest(w), tuple(sorted(params.items()))), compute)
    if isinstance(value, ValueError):
        raise value
    return value


def bound_endpoints(w: np.ndarray, p, q, eta_r) -> tuple[Fraction, Fraction]:
    """The certified enclosure [lo, hi] of the PQI-bound r of ``w`` (20 digits)."""
    from sparsity_oracle import reference

    def compute():
        enclosure = reference.pqi_bound(w, p, q, eta_r, dps=20, certified=True)
        return tuple(exact_real(x, "r") for x in endpoints(enclosure))

    return cached(("bound", digest(w), p, q, eta_r), compute)
