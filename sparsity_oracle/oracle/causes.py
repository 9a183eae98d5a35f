r"""Why a check failed: the causes of contract §7 and the known conventions.

Every ``Failure`` carries one cause.  The checks decide it in this order (the first that
applies), recomputing the reference under each candidate explanation:

``crash``          the implementation raised something other than ValueError on a valid input;
``invalid-input``  the contract says ValueError (contract §1) and it returned, or raised another
                   exception; or it raised ValueError on a valid input;
``convention``     the result is what the reference gives under a named variant
                   (``CONVENTIONS``; e.g. the sample Gini N/(N-1), ceil for floor, ties at
                   the threshold kept);
``off-by-one``     a count one away from the admitted ones, or a real result that the
                   reference gives with d or a rank shifted by one (``OFF_BY_ONE``);
``overflow`` / ``underflow``  the input drives the unscaled intermediates of the formula
                   (power sums, norms, N sum |w|) out of the range of the implementation's
                   arithmetic (``range_diagnosis``): a scale-invariant evaluation would not
                   have failed;
``cancellation``   the error is explained by forming 1 - I (the PQI-bound from the PQI near
                   I = 1; ``tolerances.pqi_bound_via_pq_index_budget``);
``wrong-value``    anything else.

A variant is matched within the same budget as the contract's value (exactly, for counts and
masks), so a match is evidence, not a guess.  ``verify --accept NAME`` (pytest:
``--oracle-accept NAME``) passes failures whose cause is ``convention`` and whose conventions
are all accepted; they are still counted, as accepted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .tolerances import Precision

#: The causes, in report order (contract §7).
CAUSES = ("invalid-input", "convention", "overflow", "underflow", "cancellation", "off-by-one",
          "wrong-value", "crash")

#: name -> (functions it applies to, what the implementation does instead of the contract).
CONVENTIONS = {
    "tie-order": (("sap_masks", "fixed_ratio_masks"),
                  "prunes the right number of entries and the right magnitudes, but picks other entries "
                  "among equal magnitudes than the first in group order (contract §1); e.g. torch.topk"),
    "ties-kept": (("sap_masks", "fixed_ratio_masks"),
                  "keeps every entry equal to the smallest kept magnitude (prunes |w| < threshold), so "
                  "ties at the threshold prune fewer than c"),
    "ties-pruned": (("sap_masks", "fixed_ratio_masks"),
                    "prunes every entry equal to the largest pruned magnitude (|w| <= threshold), so ties "
                    "at the threshold prune more than c"),
    "quantile-threshold": (("fixed_ratio_masks",),
                           "prunes |w| below (or at) the amount-quantile of the group's magnitudes "
                           "(linear interpolation, numpy/torch default) instead of round(amount d) entries"),
    "floor-count": (("fixed_ratio_masks",), "prunes floor(amount d) (int()) instead of round(amount d)"),
    "ceil-count": (("sap_prune_count", "sap_masks"),
                   "prunes ceil(d min(gamma (1 - r/d), beta)) instead of the floor"),
    "masked-entries-counted": (("sap_masks",),
                               "takes d_t as the group's size with its masked entries (the PQI of w * mask "
                               "over the whole tensor) instead of its unmasked count"),
    "nonzero-d": (("pq_index", "gini", "sap_prune_count", "sap_masks"),
                  "takes d (N) as the number of non-zero entries instead of all entries passed"),
    "sample-gini": (("gini",), "the sample Gini: N/(N-1) times Hurley-Rickard's (undefined, nan, at N = 1)"),
    "negative-eigenvalues-zero": (("pruning_limit",),
                                  "uses 0 for a negative eigenvalue instead of its absolute value"),
}

#: Defects recognised the same way (recomputing the reference), reported as ``off-by-one``.
OFF_BY_ONE = {
    "rank-shifted": "Gini with ranks k - 1 (or k + 1) for k: G -+ 2/N",
    "d-minus-one": "d - 1 in place of d",
    "d-plus-one": "d + 1 in place of d",
}


@dataclass(frozen=True)
class Diagnosis:
    """A cause, the conventions (or off-by-one variant) that explain the result, and why.
    ``fallback``: the ``wrong-value`` that stands for "none of the other explanations" (listed
    last after them, so a failure can be judged against the implementation's other ones)."""

    cause: str
    conventions: tuple[str, ...] = ()
    reason: str = ""
    fallback: bool = False

    def __post_init__(self):
        if self.cause not in CAUSES:
            raise ValueError(f"unknown cause {self.cause!r}")

    @property
    def label(self) -> str:
        """The cause with its named variants, e.g. ``convention: sample-gini``."""
        return f"{self.cause}: {', '.join(self.conventions)}" if self.conventions else self.cause

    def accepted(self, conventions) -> bool:
        """Whether ``--accept conventions`` passes it: a convention, every one named accepted."""
        return self.cause == "convention" and bool(self.conventions) and set(self.conventions) <= set(conventions)


#: "None of the known explanations".
UNEXPLAINED = Diagnosis("wrong-value", reason="no known explanation", fallback=True)


def with_fallback(found, hint: str = "") -> tuple[Diagnosis, ...]:
    """The explanations found, then ``UNEXPLAINED`` (alone if none was found), its reason
    extended by ``hint`` (e.g. the nearest variant)."""
    return (*found, Diagnosis("wrong-value", reason=f"{UNEXPLAINED.reason}; {hint}", fallback=True) if hint
            else UNEXPLAINED)


def precedence(cause: str) -> int:
    """Which cause stands for a failure made of several (masks: one per group); higher wins."""
    order = ("convention", "cancellation", "underflow", "overflow", "off-by-one", "wrong-value",
             "invalid-input", "crash")
    return order.index(cause)


def _log2_sum(log2_terms: np.ndarray) -> float:
    top = float(np.max(log2_terms))
    return top + math.log2(float(np.sum(np.exp2(log2_terms - top))))


def range_diagnosis(values, exponents, prec: Precision, *, scale: int = 1) -> Diagnosis | None:
    """``overflow`` or ``underflow`` if an unscaled evaluation of S_t = sum |v_i|^t and the norm
    S_t^(1/t) (t in ``exponents``; ``scale`` multiplies S_t, e.g. N for the Gini's N sum |v|)
    leaves the range of ``prec``'s accumulation format; else None (tolerances docstring)."""
    magnitudes = np.abs(np.asarray(values, dtype=np.float64))
    magnitudes = magnitudes[magnitudes != 0]
    if magnitudes.size == 0 or not np.all(np.isfinite(magnitudes)):
        return None
    log2_values = np.log2(magnitudes)
    top, bottom = math.log2(prec.largest), math.log2(prec.smallest_normal)
    fmt = "float64" if prec.dtype == "float64" else "float32"
    found = []
    for t in exponents:
        t = float(t)
        terms = t * log2_values
        log2_s = _log2_sum(terms) + math.log2(scale)
        sums = {f"sum |w|^{t:g}" + (f" x {scale}" if scale != 1 else ""): log2_s}
        if t != 1:
            sums[f"||w||_{t:g}"] = log2_s / t
        for what, log2_x in sums.items():
            if log2_x >= top:
                return Diagnosis("overflow", reason=f"{what} = 2^{log2_x:.0f} exceeds {fmt}'s largest value "
                                                    f"{prec.largest:.3g} (unscaled)")
            if log2_x < bottom:
                found.append(f"{what} = 2^{log2_x:.0f} is below {fmt}'s normal range ({prec.smallest_normal:.3g})")
        small = terms < bottom
        if small.any():
            share = 2.0 ** (_log2_sum(terms[small]) + math.log2(scale) - log2_s)
            if share > prec.u:
                found.append(f"{int(small.sum())} of {terms.size} terms |w_i|^{t:g} are below {fmt}'s normal "
                             f"range and carry {share:.2g} of the sum")
    if found:
        return Diagnosis("underflow", reason=found[0])
    return None


@dataclass(frozen=True)
class Verdict:
    """A judged disagreement, before it is tied to an implementation (``checks.Failure``):
    ``diagnoses`` are the explanations that fit, the most likely first; ``groups`` the
    disagreeing pruning groups of a mask result (``masks.GroupProblem``)."""

    diagnoses: tuple[Diagnosis, ...]
    reference: object
    returned: object
    note: str = ""
    error: float | None = None
    budget: float | None = None
    groups: tuple = ()

    @property
    def diagnosis(self) -> Diagnosis:
        return self.diagnoses[0]
