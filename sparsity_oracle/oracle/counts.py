"""The counts an implementation may return: exact integers, admitted where rounding allows
(``tolerances`` docstring, "Exact results"), under the contract and under the count
conventions of ``causes``."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..reference import exact_real
from . import tolerances as tol
from .evaluations import bound_endpoints


def sap_count_interval(w: np.ndarray, prec: tol.Precision, p, q, eta_r, gamma, beta,
                       d: int | None = None) -> tuple[Fraction, Fraction] | None:
    """[low, high] holding every y' = min(gamma (d - r'), d beta) an implementation of precision
    ``prec`` may form for group ``w`` (r' within its budget of the certified r); ``d`` defaults
    to len(w).  None for an all-zero group (its count is 0)."""
    if not np.any(w):
        return None
    d = len(w) if d is None else d
    g, b = exact_real(gamma, "gamma"), exact_real(beta, "beta")
    lo, hi = bound_endpoints(w, p, q, eta_r)
    # the budgets are finite floats, read exactly; the products' budgets are formed exactly from
    # their relative budget (gamma d may exceed the float maximum)
    per_unit = Fraction(tol.product_relative_error(prec))
    e_r = g * (hi * Fraction(tol.pqi_bound_relative_budget(prec, len(w), p, q)) + per_unit * d)
    cap = d * b
    e_b = per_unit * cap
    return min(g * (d - hi) - e_r, cap - e_b), min(g * (d - lo) + e_r, cap + e_b)


def rounded(interval, rounding=math.floor) -> range:
    """The integers ``rounding`` maps [low, high] to (clipped at 0); {0} for None."""
    if interval is None:
        return range(0, 1)
    low, high = interval
    return range(max(0, rounding(low)), max(0, rounding(high)) + 1)


def sap_admitted(w: np.ndarray, prec: tol.Precision, p, q, eta_r, gamma, beta) -> range:
    """The SAP counts an implementation of precision ``prec`` may return for group ``w``."""
    return rounded(sap_count_interval(w, prec, p, q, eta_r, gamma, beta))


def sap_count_conventions(w: np.ndarray, prec: tol.Precision, params: dict, entries: int | None = None):
    """(convention, counts it admits) for group ``w``: ``ceil-count``, ``nonzero-d`` (if w has
    zeros), ``masked-entries-counted`` (if the group has ``entries`` > len(w) entries in all,
    counts capped at len(w))."""
    interval = sap_count_interval(w, prec, **params)
    out = [("ceil-count", rounded(interval, math.ceil))]
    nonzero = int(np.count_nonzero(w))
    if 0 < nonzero < len(w):
        out.append(("nonzero-d", rounded(sap_count_interval(w, prec, **params, d=nonzero))))
    if entries is not None and entries > len(w):
        counts = rounded(sap_count_interval(w, prec, **params, d=entries))
        out.append(("masked-entries-counted", sorted({min(c, len(w)) for c in counts})))
    return out


def fixed_admitted(d: int, prec: tol.Precision, amount: float, rounding=round) -> set:
    """rounding(amount d) of the exact product and of the products the implementation may form
    (``rounding``: round, half to even, by contract; math.floor for ``floor-count``)."""
    counts = {rounding(exact_real(amount, "amount") * d), rounding(float(amount) * d)}
    if prec.u > 2.0**-53:
        counts.add(rounding(float(np.float32(amount) * np.float32(d))))
    return {int(c) for c in counts}


def admitted_note(admitted, exact: int) -> str:
    if len(admitted) > 1:
        return f"admitted counts {sorted(admitted)} (the exact real lies within rounding of an integer; reference: {exact})"
    return f"admitted count {exact}"


def off_by_one(value: int, admitted) -> bool:
    """Whether ``value`` is one away from the nearest admitted count."""
    return min(abs(value - c) for c in admitted) == 1
