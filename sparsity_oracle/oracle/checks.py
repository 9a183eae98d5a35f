"""Differential checks: run one ``Case`` through an implementation and the reference.

``check(impl, case)`` returns ``None`` (agreement within the budget of ``tolerances``) or a
``Failure`` carrying everything needed to act on it: function, parameters, the bit-exact input,
the reference value, the returned value, the error against the budget and a copy-pasteable
reproduction.  Budgets and admitted counts are derived in ``tolerances`` (module docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np

from ..reference import exact_real, first_satisfied, removed_squares
from . import tolerances as tol
from .adapters import Implementation, as_implementation
from .cases import Case

#: Largest finite magnitude kept when rounding a scale-invariant case to a dtype (a power of 2).
_DTYPE_TOP = {"float64": 2.0**1020, "float32": 2.0**125, "float16": 2.0**14, "bfloat16": 2.0**125}
#: numpy dtype an implementation is fed (bfloat16 values travel exactly in float32).
_FEED = {"float64": np.float64, "float32": np.float32, "float16": np.float16, "bfloat16": np.float32}
#: Functions whose result does not change when every weight is scaled by a power of two.
_SCALE_FREE = ("pq_index", "gini", "pqi_bound", "sap_prune_count", "sap_masks", "fixed_ratio_masks")


@dataclass(frozen=True)
class Failure:
    implementation: str
    function: str
    label: str
    params: dict
    inputs: dict
    reference: str
    returned: str
    error: float | None
    budget: float | None
    note: str
    reproduction: str

    def __str__(self) -> str:
        lines = [
            f"FAIL {self.function} [{self.label}] in {self.implementation}",
            f"  parameters: {self.params}",
            f"  input (float.hex): {self.inputs}",
            f"  reference: {self.reference}",
            f"  returned:  {self.returned}",
        ]
        if self.error is not None:
            lines.append(f"  error: {self.error:.3e} > budget {self.budget:.3e}")
        if self.note:
            lines.append(f"  {self.note}")
        lines.append("  reproduce:")
        lines += ["    " + line for line in self.reproduction.splitlines()]
        return "\n".join(lines)


# --- rounding a case to the implementation's dtype -----------------------------------------


def _round(x: np.ndarray, dtype: str) -> np.ndarray:
    """float64 values rounded to ``dtype`` (nearest even), returned as float64."""
    if dtype == "bfloat16":
        bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
        return bits.astype(np.uint32).view(np.float32).astype(np.float64)
    return x.astype(_FEED[dtype]).astype(np.float64)


def prepare(case: Case, dtype: str) -> dict:
    """The case's arguments as exactly ``dtype`` values, in float64.  Scale-free functions are
    first scaled by a power of two (exact) so that the largest magnitude fits the dtype."""
    arrays = [v for v in case.kwargs.values() if isinstance(v, np.ndarray)]
    arrays += [a for v in case.kwargs.values() if isinstance(v, dict) for a in v.values() if a.dtype != np.bool_]
    top = max((float(np.max(np.abs(a))) for a in arrays if a.size and np.all(np.isfinite(a))), default=0.0)
    shift = 0
    if case.function in _SCALE_FREE and top > _DTYPE_TOP[dtype]:
        shift = math.frexp(_DTYPE_TOP[dtype])[1] - math.frexp(top)[1]

    def convert(value):
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, np.ndarray) and value.dtype != np.bool_:
            with np.errstate(over="ignore"):
                return _round(np.ldexp(value, shift), dtype)
        return value

    return {k: convert(v) for k, v in case.kwargs.items()}


def _feed(kwargs: dict, dtype: str) -> dict:
    def convert(value):
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, np.ndarray) and value.dtype != np.bool_:
            return value.astype(_FEED[dtype])
        return value.copy() if isinstance(value, np.ndarray) else value

    return {k: convert(v) for k, v in kwargs.items()}


# --- reporting -----------------------------------------------------------------------------


def _hex(a: np.ndarray) -> list:
    return [float(v).hex() for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def _array_source(a: np.ndarray, feed) -> str:
    if a.dtype == np.bool_:
        return f"np.array({a.reshape(-1).tolist()}, dtype=bool).reshape({a.shape})"
    return f"np.array([float.fromhex(h) for h in {_hex(a)}]).astype(np.{np.dtype(feed).name}).reshape({a.shape})"


def _source(value, feed) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_source(v, feed)}" for k, v in value.items()) + "}"
    if isinstance(value, np.ndarray):
        return _array_source(value, feed)
    return repr(value)


def reproduction(impl: Implementation, function: str, kwargs: dict) -> str:
    feed = _FEED[impl.dtype]
    args = ",\n    ".join(f"{k}={_source(v, feed)}" for k, v in kwargs.items())
    ref = f"reference.{function}"
    return "\n".join([
        "import numpy as np",
        "from sparsity_oracle import reference",
        "from sparsity_oracle.oracle import TorchAdapter, as_implementation, load_implementation",
        f"impl = {impl.loader}",
        f"kwargs = dict(\n    {args},\n)",
        f"print(impl.function({function!r})(**kwargs))",
        f"print({ref}(**kwargs))",
    ])


def _inputs(kwargs: dict) -> dict:
    out = {}
    for k, v in kwargs.items():
        if isinstance(v, dict):
            out[k] = {n: a.reshape(-1).tolist() if a.dtype == np.bool_ else _hex(a) for n, a in v.items()}
        elif isinstance(v, np.ndarray):
            out[k] = _hex(v)
    return out


def _failure(impl, case, kwargs, reference, returned, *, error=None, budget=None, note="") -> Failure:
    params = {k: v for k, v in kwargs.items() if not isinstance(v, (np.ndarray, dict))}
    return Failure(impl.name, case.function, case.label, params, _inputs(kwargs), str(reference),
                   str(returned), error, budget, note, reproduction(impl, case.function, kwargs))


# --- the checks ----------------------------------------------------------------------------


def _scalar(value) -> float:
    """A returned real as a float: TypeError/ValueError for anything else (a string is not a number)."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"a string is not a number: {value!r}")
    return float(value.item() if hasattr(value, "item") else value)


def _compare_real(impl, case, kwargs, got, ref: float, budget: float, what="absolute"):
    budget += impl.precision.tiny
    try:
        value = _scalar(got)
    except (TypeError, ValueError):
        return _failure(impl, case, kwargs, repr(ref), repr(got), note="returned a non-number")
    error = abs(value - ref) if math.isfinite(value) else math.inf
    if error <= budget:
        return None
    return _failure(impl, case, kwargs, repr(ref), repr(value), error=error, budget=budget,
                    note=f"{what} error over budget")


def _check_pq_index(impl, case, kwargs, got):
    from sparsity_oracle import reference

    w, p, q = kwargs["w"], kwargs["p"], kwargs["q"]
    ref = float(reference.pq_index(w, p, q, dps=30))
    return _compare_real(impl, case, kwargs, got, ref, tol.pq_index_budget(impl.precision, len(w), p, q, ref))


def _check_gini(impl, case, kwargs, got):
    from sparsity_oracle import reference

    ref = float(reference.gini(kwargs["w"], dps=30))
    return _compare_real(impl, case, kwargs, got, ref, tol.gini_budget(impl.precision, len(kwargs["w"]), ref))


def _check_pqi_bound(impl, case, kwargs, got):
    from sparsity_oracle import reference

    w = kwargs["w"]
    ref = float(reference.pqi_bound(w, kwargs["p"], kwargs["q"], kwargs["eta_r"], dps=30))
    rel = tol.pqi_bound_relative_budget(impl.precision, len(w), kwargs["p"], kwargs["q"])
    return _compare_real(impl, case, kwargs, got, ref, rel * ref, "relative-budget")


def sap_admitted(w: np.ndarray, prec: tol.Precision, p, q, eta_r, gamma, beta) -> range:
    """The SAP counts an implementation of precision ``prec`` may return for group ``w``."""
    from sparsity_oracle import reference

    if not np.any(w):
        return range(0, 1)
    d = len(w)
    g, b = exact_real(gamma, "gamma"), exact_real(beta, "beta")
    enclosure = reference.pqi_bound(w, p, q, eta_r, dps=20, certified=True)
    lo, hi = (exact_real(x, "r") for x in reference.endpoints(enclosure))
    e_r = (g * hi * exact_real(tol.pqi_bound_relative_budget(prec, d, p, q), "budget")
           + exact_real(tol.product_error(prec, float(g * d)), "budget"))
    cap = d * b
    e_b = exact_real(tol.product_error(prec, float(cap)), "budget")
    low = min(g * (d - hi) - e_r, cap - e_b)
    high = min(g * (d - lo) + e_r, cap + e_b)
    return range(max(0, math.floor(low)), max(0, math.floor(high)) + 1)


def fixed_admitted(d: int, prec: tol.Precision, amount: float) -> set:
    """round(amount d) of the exact product and of the products the implementation may form."""
    counts = {round(exact_real(amount, "amount") * d), round(float(amount) * d)}
    if prec.u > 2.0**-53:
        counts.add(round(float(np.float32(amount) * np.float32(d))))
    return counts


def _admitted_note(admitted, exact: int) -> str:
    if len(admitted) > 1:
        return f"admitted counts {sorted(admitted)} (the exact real lies within rounding of an integer; reference: {exact})"
    return f"admitted count {exact}"


def _check_sap_prune_count(impl, case, kwargs, got):
    from sparsity_oracle.reference.sap import sap_prune_count

    params = {k: kwargs[k] for k in ("p", "q", "eta_r", "gamma", "beta")}
    admitted = sap_admitted(kwargs["w"], impl.precision, **params)
    value = got.item() if hasattr(got, "item") else got
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and int(value) in admitted:
        return None
    exact = sap_prune_count(kwargs["w"], **params)
    return _failure(impl, case, kwargs, exact, repr(value), note=_admitted_note(admitted, exact))


def _check_masks(impl, case, kwargs, got):
    from sparsity_oracle.reference import fixed_ratio_masks, pruning_groups, sap_masks, smallest_positions

    weights, masks = kwargs["weights"], kwargs["masks"]
    names = list(weights)
    problems = []
    if not isinstance(got, dict) or set(got) != set(names):
        problems.append(f"expected a dict with keys {names}, got {type(got).__name__} "
                        f"{list(got) if isinstance(got, dict) else ''}")
    else:
        new = {k: np.asarray(got[k]) for k in names}
        for k in names:
            if new[k].shape != masks[k].shape or new[k].dtype != np.bool_:
                problems.append(f"mask {k!r}: expected bool {masks[k].shape}, got {new[k].dtype} {new[k].shape}")
            elif np.any(new[k] & ~masks[k]):
                problems.append(f"mask {k!r}: an already-pruned entry was revived")
    if not problems:
        flat_new = [new[k].reshape(-1) for k in names]
        groups = pruning_groups([weights[k] for k in names], [masks[k] for k in names], kwargs["scope"])
        for segments, values in groups:
            kept = np.concatenate([flat_new[i][idx] for i, idx in segments])
            pruned = np.flatnonzero(~kept)
            where = ", ".join(f"{names[i]}{idx[:4].tolist()}{'...' if len(idx) > 4 else ''}" for i, idx in segments)
            if case.function == "sap_masks":
                params = {k: kwargs[k] for k in ("p", "q", "eta_r", "gamma", "beta")}
                admitted = sap_admitted(values, impl.precision, **params)
            else:
                admitted = fixed_admitted(len(values), impl.precision, kwargs["amount"])
            if len(pruned) not in admitted:
                problems.append(f"group [{where}]: pruned {len(pruned)}, admitted {sorted(admitted)}")
                continue
            chosen = smallest_positions(values, len(pruned))
            if not np.array_equal(chosen, pruned):
                problems.append(f"group [{where}]: pruned positions {pruned.tolist()}, expected "
                                f"{chosen.tolist()} (c smallest, ties first in group order)")
    if not problems:
        return None
    ref_fn = sap_masks if case.function == "sap_masks" else fixed_ratio_masks
    ref = ref_fn(**kwargs)
    show = {k: np.asarray(v).astype(int).tolist() for k, v in (got.items() if isinstance(got, dict) else [])}
    return _failure(impl, case, kwargs, {k: v.astype(int).tolist() for k, v in ref.items()}, show,
                    note="; ".join(problems))


def _limit_f(values: np.ndarray, spectrum: np.ndarray, eps: float):
    """k -> F(k) at 30 digits (error far below any float budget), |lambda| (SPEC: "abs")."""
    tails = removed_squares(values)
    lams = [mpmath.mpf(abs(float(x))) for x in spectrum]

    def f(k: int):
        with mpmath.workdps(30):
            r2 = mpmath.mpf(tails[k].numerator) / tails[k].denominator
            return mpmath.fsum(lam * r2 / (lam * r2 + 2 * mpmath.mpf(eps)) for lam in lams)

    return f, tails


def _check_pruning_limit(impl, case, kwargs, got):
    from sparsity_oracle.reference.limit import pruning_limit

    m, s, eps = kwargs["magnitudes"], kwargs["spectrum"], kwargs["eps"]
    d = len(m)
    rho = tol.limit_relative_budget(impl.precision, d)
    f, tails = _limit_f(m, s, eps)
    k_lo = first_satisfied(d, lambda k: k >= (1 - rho) * f(k))
    k_hi = first_satisfied(d, lambda k: k >= (1 + rho) * f(k))
    kept = getattr(got, "kept", got)
    kept = kept.item() if hasattr(kept, "item") else kept
    problems = []
    if not isinstance(kept, (int, np.integer)) or isinstance(kept, bool) or not k_lo <= kept <= k_hi:
        problems.append(f"kept {kept!r} outside the admitted {k_lo}..{k_hi}")
    elif hasattr(got, "radius"):
        exact = float(mpmath.sqrt(mpmath.mpf(tails[kept].numerator) / tails[kept].denominator))
        budget = tol.radius_relative_budget(impl.precision, d) * exact
        try:
            radius = _scalar(got.radius)
        except (TypeError, ValueError):
            problems.append(f"radius {got.radius!r} is not a number")
        else:
            if not abs(radius - exact) <= budget:
                problems.append(f"radius {radius!r} vs exact R_{kept} = {exact!r}: error "
                                f"{abs(radius - exact):.3e} > budget {budget:.3e}")
    if not problems:
        return None
    ref = pruning_limit(m, s, eps)
    return _failure(impl, case, kwargs, f"kept={ref.kept}, radius={float(ref.radius)!r}",
                    f"kept={kept!r}, radius={getattr(got, 'radius', None)!r}", note="; ".join(problems))


CHECKS = {
    "pq_index": _check_pq_index,
    "gini": _check_gini,
    "pqi_bound": _check_pqi_bound,
    "sap_prune_count": _check_sap_prune_count,
    "sap_masks": _check_masks,
    "fixed_ratio_masks": _check_masks,
    "pruning_limit": _check_pruning_limit,
}


def _reference_raises(case: Case, kwargs: dict) -> bool:
    """Whether the reference rejects the call with ValueError (SPEC §1)."""
    from sparsity_oracle import reference

    function = getattr(reference, case.function)
    try:
        function(**kwargs)
    except ValueError:
        return True
    return False


def check(impl, case: Case) -> Failure | None:
    """Run ``case`` through ``impl`` (an ``Implementation``, module or object) and compare."""
    impl = as_implementation(impl)
    kwargs = prepare(case, impl.dtype)
    function = impl.function(case.function)
    cheap_invalid = case.function in ("pq_index", "gini", "pqi_bound", "sap_prune_count")
    if cheap_invalid and _reference_raises(case, kwargs):
        try:
            got = function(**_feed(kwargs, impl.dtype))
        except ValueError:
            return None
        except Exception as other:  # noqa: BLE001 - any other outcome is the failure being reported
            got = f"raised {type(other).__name__}: {other}"
        return _failure(impl, case, kwargs, "raises ValueError", got, note="invalid input must raise ValueError")
    try:
        got = function(**_feed(kwargs, impl.dtype))
    except Exception as error:  # noqa: BLE001 - a valid input must not raise
        return _failure(impl, case, kwargs, "a value", f"raised {type(error).__name__}: {error}",
                        note="raised on a valid input")
    return CHECKS[case.function](impl, case, kwargs, got)
