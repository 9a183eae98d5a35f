"""Differential checks: run one ``Case`` through an implementation and the reference.

``check(impl, case)`` returns ``None`` (agreement within the budget of ``tolerances``) or a
``Failure`` carrying everything needed to act on it: function, parameters, the bit-exact input,
the reference value, the returned value, the error against the budget, its cause and the other
explanations that fit (``causes``: recognised by recomputing the reference under each
candidate) and a copy-pasteable reproduction.  A case outside the implementation's declared
capabilities raises ``Unsupported``.  Budgets are derived in ``tolerances``, admitted counts in
``counts``, masks are judged group by group in ``masks``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import mpmath
import numpy as np

from ..reference import first_satisfied, removed_squares
from . import tolerances as tol
from .adapters import Implementation, as_implementation
from .cases import Case
from .causes import Diagnosis, Verdict, range_diagnosis, with_fallback
from .counts import admitted_note, off_by_one, sap_admitted, sap_count_conventions
from .evaluations import bound_endpoints, digest, reference_real
from .masks import GroupProblem, judge_masks

#: Largest finite magnitude kept when rounding a scale-invariant case to a dtype (a power of 2).
_DTYPE_TOP = {"float64": 2.0**1020, "float32": 2.0**125, "float16": 2.0**14, "bfloat16": 2.0**125}
#: numpy dtype an implementation is fed (bfloat16 values travel exactly in float32).
_FEED = {"float64": np.float64, "float32": np.float32, "float16": np.float16, "bfloat16": np.float32}
#: Functions whose result does not change when every weight is scaled by a power of two.
_SCALE_FREE = ("pq_index", "gini", "pqi_bound", "sap_prune_count", "sap_masks", "fixed_ratio_masks")
#: Arrays with more entries than this are shown by digest and head, not in full.
INLINE_ENTRIES = 64


class Unsupported(Exception):
    """The case lies outside what the implementation declares it supports (the reason)."""


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
    cause: str = "wrong-value"
    conventions: tuple[str, ...] = ()
    reason: str = ""
    case_id: str = ""
    groups: tuple[GroupProblem, ...] = field(default=(), repr=False)
    alternatives: tuple[Diagnosis, ...] = ()
    unexplained: bool = False

    @property
    def diagnosis(self) -> Diagnosis:
        return Diagnosis(self.cause, self.conventions, self.reason, self.unexplained)

    def explained_by(self, diagnosis: Diagnosis) -> "Failure":
        """This failure with ``diagnosis`` (one of its explanations) as its cause."""
        others = tuple(d for d in (self.diagnosis, *self.alternatives) if d != diagnosis)
        return replace(self, cause=diagnosis.cause, conventions=diagnosis.conventions, reason=diagnosis.reason,
                       alternatives=others, unexplained=diagnosis.fallback)

    def accepted(self, conventions) -> bool:
        """Whether ``--accept conventions`` passes this failure (a convention, all accepted)."""
        return self.diagnosis.accepted(conventions)

    @property
    def cause_label(self) -> str:
        """``cause`` with its named variants, e.g. ``convention: sample-gini``."""
        return self.diagnosis.label

    def summary(self) -> list[str]:
        """A few lines for a grouped report (the full failure: ``str(failure)``)."""
        lines = [self.case_id or f"{self.label} {self.params}"]
        if not self.groups:  # a mask result is described by its groups' notes
            lines.append(f"  reference {_short(self.reference)}; returned {_short(self.returned)}"
                         + (f"; error {self.error:.3e} > budget {self.budget:.3e}" if self.error is not None else ""))
        shown = [self.reason] + ([self.note] if self.error is None and self.note != self.reason else [])
        lines += [f"  {_short(text, 160)}" for text in shown if text]
        return lines

    def __str__(self) -> str:
        lines = [
            f"FAIL {self.function} [{self.label}] in {self.implementation}",
            f"  cause: {self.cause_label}" + (f" ({self.reason})" if self.reason else ""),
            (f"  also explained by: {'; '.join(d.label for d in self.alternatives if not d.fallback)}"
             if any(not d.fallback for d in self.alternatives) else None),
            f"  case: {self.case_id}" if self.case_id else None,
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
        return "\n".join(line for line in lines if line is not None)

    def to_json(self) -> dict:
        return {
            "case": {"id": self.case_id, "label": self.label, "function": self.function,
                     "params": self.params, "inputs": self.inputs},
            "cause": self.cause, "conventions": list(self.conventions), "reason": self.reason,
            "also_explained_by": [{"cause": d.cause, "conventions": list(d.conventions), "reason": d.reason}
                                  for d in self.alternatives if not d.fallback],
            "reference": self.reference, "returned": self.returned,
            "error": self.error, "budget": self.budget, "note": self.note,
            "reproduction": self.reproduction,
        }


def _short(text: str, limit: int = 100) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def arguments(case: Case, dtype: str = "float64") -> dict:
    """The keyword arguments an implementation of ``dtype`` is called with for ``case`` (fresh
    arrays of the fed numpy dtype); ``reference.<function>(**arguments(...))`` gives the value
    it is judged against."""
    return _feed(prepare(case, dtype), dtype)


# --- reporting -----------------------------------------------------------------------------


def _hex(a: np.ndarray) -> list:
    return [float(v).hex() for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def _shown(a: np.ndarray):
    """An array for a report: every entry (float.hex, or bools), or above ``INLINE_ENTRIES`` its
    size, digest and first entries."""
    flat = a.reshape(-1)
    entries = flat.tolist() if a.dtype == np.bool_ else _hex(flat)
    if a.size <= INLINE_ENTRIES:
        return entries
    return {"entries": int(a.size), "shape": list(a.shape), "sha256": digest(a), "head": entries[:8]}


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


def reproduction(impl: Implementation, function: str, kwargs: dict, case_id: str = "") -> str:
    """Python that calls ``impl`` and the reference on exactly these arguments: inline for small
    inputs, through ``find_case`` (the case's id) for large ones."""
    feed = _FEED[impl.dtype]
    entries = sum(a.size for v in kwargs.values() for a in (v.values() if isinstance(v, dict) else [v])
                  if isinstance(a, np.ndarray))
    head = ["import numpy as np", "from sparsity_oracle import reference",
            "from sparsity_oracle.oracle import TorchAdapter, arguments, as_implementation, find_case, "
            "load_implementation",
            f"impl = {impl.loader}"]
    if case_id and entries > INLINE_ENTRIES:
        head.append(f"kwargs = arguments(find_case({case_id!r}), impl.dtype)")
    else:
        args = ",\n    ".join(f"{k}={_source(v, feed)}" for k, v in kwargs.items())
        head.append(f"kwargs = dict(\n    {args},\n)")
    return "\n".join(head + [f"print(impl.function({function!r})(**kwargs))",
                             f"print(reference.{function}(**kwargs))"])


def _inputs(kwargs: dict) -> dict:
    out = {}
    for k, v in kwargs.items():
        if isinstance(v, dict):
            out[k] = {n: _shown(a) for n, a in v.items()}
        elif isinstance(v, np.ndarray):
            out[k] = _shown(v)
    return out


def _failure(impl, case, kwargs, verdict: Verdict) -> Failure:
    params = {k: v for k, v in kwargs.items() if not isinstance(v, (np.ndarray, dict))}
    d = verdict.diagnosis
    return Failure(impl.name, case.function, case.label, params, _inputs(kwargs), str(verdict.reference),
                   str(verdict.returned), verdict.error, verdict.budget, verdict.note,
                   reproduction(impl, case.function, kwargs, case.id), d.cause, d.conventions, d.reason,
                   case.id, verdict.groups, verdict.diagnoses[1:], d.fallback)


# --- real results ------------------------------------------------------------------------------


def _scalar(value) -> float:
    """A returned real as a float: TypeError/ValueError for anything else (a string is not a number)."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"a string is not a number: {value!r}")
    return float(value.item() if hasattr(value, "item") else value)


@dataclass(frozen=True)
class Variant:
    """The reference's value under a named variant, and the budget to match it within."""

    name: str
    cause: str
    value: float
    budget: float

    def matches(self, got: float) -> bool:
        if math.isnan(self.value):
            return math.isnan(got)
        return math.isfinite(got) and abs(got - self.value) <= self.budget


def _judge_real(prec, got, ref: float, budget: float, *, variants=None, ranges=None, cancellation=None,
                what="absolute") -> Verdict | None:
    """Compare a real result; on disagreement, every explanation that fits (``causes``): the
    variants whose value it is (and that differ clearly from the contract's), the range
    diagnosis (first when the result is saturated: not finite, 0 or 1), cancellation."""
    budget += prec.tiny
    try:
        value = _scalar(got)
    except (TypeError, ValueError):
        return Verdict((Diagnosis("wrong-value", reason="returned a non-number"),), repr(ref), repr(got))
    error = abs(value - ref) if math.isfinite(value) else math.inf
    if error <= budget:
        return None
    found, nearest = [], None
    for variant in variants() if variants else ():
        distinct = math.isnan(variant.value) or abs(variant.value - ref) > 4 * max(variant.budget, budget)
        if distinct and variant.matches(value):
            verb = "under" if variant.cause == "convention" else "with"
            found.append(Diagnosis(variant.cause, (variant.name,),
                                   f"the reference {verb} {variant.name} gives {variant.value!r}"))
        elif distinct and math.isfinite(variant.value) and math.isfinite(value):
            off = abs(value - variant.value)
            if off < 0.01 * abs(variant.value - ref) and (nearest is None or off < nearest[1]):
                nearest = (variant, off)
    hint = "" if nearest is None else (f"nearest variant: {nearest[0].name} gives {nearest[0].value!r}, "
                                       f"{nearest[1]:.3g} away (its budget {nearest[0].budget:.3g})")
    diagnosis = ranges() if ranges else None
    if diagnosis is not None:
        found.insert(0 if not math.isfinite(value) or value in (0.0, 1.0) else len(found), diagnosis)
    if cancellation is not None:
        widened, reason = cancellation()
        if error <= widened:
            found.append(Diagnosis("cancellation", reason=reason))
    return Verdict(with_fallback(found, hint), repr(ref), repr(value), f"{what} error over budget", error, budget)


def _nonzero_variant(function, w, kwargs, budget_of):
    """The reference on the non-zero entries only (``nonzero-d``), if ``w`` has zeros."""
    nonzero = w[w != 0]
    if nonzero.size in (0, w.size):
        return []
    value = reference_real(function, w=nonzero, **kwargs)
    return [Variant("nonzero-d", "convention", value, budget_of(nonzero.size, value))]


def _judge_pq_index(prec, case, kwargs, got):
    w, p, q = kwargs["w"], kwargs["p"], kwargs["q"]
    ref = reference_real("pq_index", w=w, p=p, q=q)
    d = len(w)

    def budget_of(n, value):
        return tol.pq_index_budget(prec, n, p, q, value) + prec.tiny

    def variants():
        out = _nonzero_variant("pq_index", w, {"p": p, "q": q}, budget_of)
        for name, n in (("d-minus-one", d - 1), ("d-plus-one", d + 1)):
            if n >= 1:
                value = 1 - (1 - ref) * (n / d) ** (1 / q - 1 / p)
                out.append(Variant(name, "off-by-one", value, budget_of(d, value)))
        return out

    return _judge_real(prec, got, ref, tol.pq_index_budget(prec, d, p, q, ref), variants=variants,
                       ranges=lambda: range_diagnosis(w, (p, q), prec))


def _judge_gini(prec, case, kwargs, got):
    w = kwargs["w"]
    n = len(w)
    ref = reference_real("gini", w=w)

    def budget_of(size, value):
        return tol.gini_budget(prec, size, value) + prec.tiny

    def variants():
        sample = ref * n / (n - 1) if n > 1 else math.nan
        out = [Variant("sample-gini", "convention", sample, budget_of(n, sample) * n / max(n - 1, 1))]
        out += _nonzero_variant("gini", w, {}, budget_of)
        out += [Variant("rank-shifted", "off-by-one", ref + shift, budget_of(n, ref + shift))
                for shift in (-2 / n, 2 / n)]
        return out

    return _judge_real(prec, got, ref, tol.gini_budget(prec, n, ref), variants=variants,
                       ranges=lambda: range_diagnosis(w, (1,), prec, scale=n))


def _judge_pqi_bound(prec, case, kwargs, got):
    w, p, q, eta_r = kwargs["w"], kwargs["p"], kwargs["q"], kwargs["eta_r"]
    ref = reference_real("pqi_bound", w=w, p=p, q=q, eta_r=eta_r)
    d = len(w)
    rel = tol.pqi_bound_relative_budget(prec, d, p, q)

    def cancellation():
        pqi = reference_real("pq_index", w=w, p=p, q=q)
        widened = tol.pqi_bound_via_pq_index_budget(prec, d, p, q, pqi) * ref
        return widened, (f"r formed from 1 - I with I = {pqi!r}: the subtraction amplifies I's error "
                         f"by 1/(1 - I) = {1 / (1 - pqi) if pqi < 1 else math.inf:.3g}")

    return _judge_real(prec, got, ref, rel * ref, ranges=lambda: range_diagnosis(w, (p, q), prec),
                       cancellation=cancellation, what="relative-budget")


# --- counts ----------------------------------------------------------------------------------


def _judge_sap_prune_count(prec, case, kwargs, got):
    from sparsity_oracle.reference import sap_prune_count

    w = kwargs["w"]
    params = {k: kwargs[k] for k in ("p", "q", "eta_r", "gamma", "beta")}
    admitted = sap_admitted(w, prec, **params)
    value = got.item() if hasattr(got, "item") else got
    integral = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if integral and int(value) in admitted:
        return None
    exact = sap_prune_count(w, **params)
    note = admitted_note(admitted, exact)
    if not integral:
        return Verdict((Diagnosis("wrong-value", reason="returned a non-integer"),), exact, repr(value), note)
    found = [Diagnosis("convention", (name,), f"{name} admits {list(counts)}")
             for name, counts in sap_count_conventions(w, prec, params) if int(value) in counts]
    diagnosis = range_diagnosis(w, (params["p"], params["q"]), prec)
    if diagnosis is not None:
        found.append(diagnosis)
    if off_by_one(int(value), admitted):
        found.append(Diagnosis("off-by-one", reason=f"{value} is one away from the admitted {list(admitted)}"))
    return Verdict(with_fallback(found), exact, repr(value), note)


# --- masks ---------------------------------------------------------------------------------


def _judge_masks(prec, case, kwargs, got):
    return judge_masks(prec, case.function, kwargs, got)


# --- the pruning limit -------------------------------------------------------------------------


def _limit_f(values: np.ndarray, spectrum: np.ndarray, eps: float, negative: str = "abs"):
    """k -> F(k) at 30 digits (error far below any float budget); negative eigenvalues as |lambda|
    (contract: "abs") or 0 ("zero")."""
    tails = removed_squares(values)
    lams = [mpmath.mpf(abs(float(x)) if negative == "abs" else max(float(x), 0.0)) for x in spectrum]

    def f(k: int):
        with mpmath.workdps(30):
            r2 = mpmath.mpf(tails[k].numerator) / tails[k].denominator
            return mpmath.fsum(lam * r2 / (lam * r2 + 2 * mpmath.mpf(eps)) for lam in lams)

    return f, tails


def _limit_admitted(m, s, eps, rho, negative="abs"):
    f, tails = _limit_f(m, s, eps, negative)
    d = len(m)
    k_lo = first_satisfied(d, lambda k: k >= (1 - rho) * f(k))
    k_hi = first_satisfied(d, lambda k: k >= (1 + rho) * f(k))
    return range(k_lo, k_hi + 1), tails


def _judge_pruning_limit(prec, case, kwargs, got):
    from sparsity_oracle.reference.limit import pruning_limit

    m, s, eps = kwargs["magnitudes"], kwargs["spectrum"], kwargs["eps"]
    d = len(m)
    rho = tol.limit_relative_budget(prec, d)
    admitted, tails = _limit_admitted(m, s, eps, rho)
    kept = getattr(got, "kept", got)
    kept = kept.item() if hasattr(kept, "item") else kept
    integral = isinstance(kept, (int, np.integer)) and not isinstance(kept, bool)
    diagnosis = None
    if not integral or kept not in admitted:
        note = f"kept {kept!r} outside the admitted {admitted.start}..{admitted.stop - 1}"
        diagnosis = Diagnosis("wrong-value")
        if integral:
            zero, _ = _limit_admitted(m, s, eps, rho, "zero")
            if kept in zero:
                diagnosis = Diagnosis("convention", ("negative-eigenvalues-zero",),
                                      f"with negative eigenvalues as 0 the admitted kept are {zero.start}..{zero.stop - 1}")
            elif off_by_one(int(kept), admitted):
                diagnosis = Diagnosis("off-by-one", reason=f"{kept} is one away from the admitted ones")
    elif hasattr(got, "radius"):
        exact = float(mpmath.sqrt(mpmath.mpf(tails[kept].numerator) / tails[kept].denominator))
        budget = tol.radius_relative_budget(prec, d) * exact
        try:
            radius = _scalar(got.radius)
        except (TypeError, ValueError):
            note = f"radius {got.radius!r} is not a number"
            diagnosis = Diagnosis("wrong-value")
        else:
            if not abs(radius - exact) <= budget:
                note = (f"radius {radius!r} vs exact R_{kept} = {exact!r}: error "
                        f"{abs(radius - exact):.3e} > budget {budget:.3e}")
                diagnosis = Diagnosis("wrong-value")
    if diagnosis is None:
        return None
    ref = pruning_limit(m, s, eps)
    return Verdict((diagnosis,), f"kept={ref.kept}, radius={float(ref.radius)!r}",
                   f"kept={kept!r}, radius={getattr(got, 'radius', None)!r}", note)


JUDGES = {
    "pq_index": _judge_pq_index,
    "gini": _judge_gini,
    "pqi_bound": _judge_pqi_bound,
    "sap_prune_count": _judge_sap_prune_count,
    "sap_masks": _judge_masks,
    "fixed_ratio_masks": _judge_masks,
    "pruning_limit": _judge_pruning_limit,
}


# --- invalid input ---------------------------------------------------------------------------


def _reference_rejects(case: Case, kwargs: dict) -> bool:
    """Whether the reference rejects the call with ValueError (contract §1), evaluating only what
    decides it: the (cached) value for real results, the parameters and inputs otherwise."""
    from sparsity_oracle import reference

    f = case.function
    try:
        if f in ("pq_index", "gini", "pqi_bound"):
            reference_real(f, **kwargs)
        elif f == "sap_prune_count":
            reference.sap_parameters(*(kwargs[k] for k in ("p", "q", "eta_r", "gamma", "beta")))
            if np.all(np.isfinite(kwargs["w"])) and np.any(kwargs["w"]):
                bound_endpoints(kwargs["w"], kwargs["p"], kwargs["q"], kwargs["eta_r"])
            else:
                reference.sap_prune_count(**kwargs)
        elif f == "sap_masks":
            reference.sap_parameters(*(kwargs[k] for k in ("p", "q", "eta_r", "gamma", "beta")))
            reference.fixed_ratio_masks(kwargs["weights"], kwargs["masks"], scope=kwargs["scope"], amount=0)
        elif f == "fixed_ratio_masks":
            reference.fixed_ratio_masks(**kwargs)
        else:
            reference.pruning_limit(**kwargs)
    except ValueError:
        return True
    return False


def _expected(case: Case, kwargs: dict):
    """What the reference returns, for a report where the implementation returned nothing."""
    if case.function in ("pq_index", "gini", "pqi_bound"):
        return repr(reference_real(case.function, **kwargs))
    if case.function == "sap_prune_count":
        from sparsity_oracle.reference import sap_prune_count

        return sap_prune_count(**kwargs)
    return "a value (reference." + case.function + ")"


def check(impl, case: Case) -> Failure | None:
    """Run ``case`` through ``impl`` (an ``Implementation``, module or object) and compare;
    ``Unsupported`` if the case lies outside what ``impl`` declares it supports."""
    impl = as_implementation(impl)
    reason = impl.unsupported(case)
    if reason:
        raise Unsupported(reason)
    kwargs = prepare(case, impl.dtype)
    function = impl.function(case.function)
    if _reference_rejects(case, kwargs):
        if not impl.capabilities.validates_inputs:
            raise Unsupported(f"an invalid call, and {impl.name} declares VALIDATES_INPUTS = False")
        try:
            got = function(**_feed(kwargs, impl.dtype))
        except ValueError:
            return None
        except Exception as other:  # noqa: BLE001 - any other outcome is the failure being reported
            got = f"raised {type(other).__name__}: {other}"
        return _failure(impl, case, kwargs, Verdict(
            (Diagnosis("invalid-input", reason="an invalid input must raise ValueError (contract §1)"),),
            "raises ValueError", got))
    try:
        got = function(**_feed(kwargs, impl.dtype))
    except ValueError as error:
        return _failure(impl, case, kwargs, Verdict(
            (Diagnosis("invalid-input", reason="raised ValueError on a valid input"),), _expected(case, kwargs),
            f"raised ValueError: {error}"))
    except Exception as error:  # noqa: BLE001 - a valid input must not raise
        return _failure(impl, case, kwargs, Verdict(
            (Diagnosis("crash", reason=f"raised {type(error).__name__} on a valid input"),), _expected(case, kwargs),
            f"raised {type(error).__name__}: {error}"))
    verdict = JUDGES[case.function](impl.precision, case, kwargs, got)
    return None if verdict is None else _failure(impl, case, kwargs, verdict)
