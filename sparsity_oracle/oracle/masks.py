"""Judging new masks (``sap_masks``, ``fixed_ratio_masks``) group by group, with causes.

In every pruning group the number of newly pruned entries must be an admitted count and the
pruned entries exactly the reference's choice (``tolerances`` docstring).  A group that
disagrees is explained by every variant that reproduces it exactly (``causes``): count
conventions (the pruned set is the contract's choice for another count, or has the same
magnitudes: ``tie-order``), threshold conventions, the range of the power sums, off-by-one.
The failure's explanations are those shared by all its disagreeing groups (else the worst).
``judge_masks`` needs no implementation: ``audit-run`` judges recorded masks with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from . import tolerances as tol
from .causes import Diagnosis, Verdict, precedence, range_diagnosis, with_fallback
from .counts import fixed_admitted, off_by_one, sap_admitted, sap_count_conventions

SAP_PARAMETERS = ("p", "q", "eta_r", "gamma", "beta")


@dataclass(frozen=True)
class GroupProblem:
    """A pruning group whose new mask disagrees: where it lies, the tensors it touches, the
    explanations that fit (the most likely first) and a note."""

    where: str
    tensors: tuple[str, ...]
    diagnoses: tuple[Diagnosis, ...]
    note: str

    @property
    def diagnosis(self) -> Diagnosis:
        return self.diagnoses[0]


def _same(a: Diagnosis, b: Diagnosis) -> bool:
    return (a.cause, a.conventions) == (b.cause, b.conventions)


def _thresholds(magnitudes: np.ndarray, counts, amount=None):
    """(convention, pruned positions) of the threshold conventions for the admitted counts."""
    ordered = np.sort(magnitudes)
    for c in counts:
        if c < len(ordered):
            yield "ties-kept", np.flatnonzero(magnitudes < ordered[c])
        if c >= 1:
            yield "ties-pruned", np.flatnonzero(magnitudes <= ordered[c - 1])
    if amount is not None:
        threshold = np.quantile(magnitudes, amount)
        yield "quantile-threshold", np.flatnonzero(magnitudes < threshold)
        yield "quantile-threshold", np.flatnonzero(magnitudes <= threshold)


def group_diagnoses(function: str, values: np.ndarray, pruned: np.ndarray, admitted, prec: tol.Precision,
                    kwargs: dict, entries: int) -> tuple[Diagnosis, ...]:
    """() if the group pruned exactly the contract's entries, else every explanation that fits."""
    from sparsity_oracle.reference import smallest_positions

    n = len(pruned)
    magnitudes = np.abs(values)

    def choice(c):
        return smallest_positions(values, c)

    def same_magnitudes(c):
        return np.array_equal(np.sort(magnitudes[pruned]), np.sort(magnitudes[choice(c)]))

    if n in admitted:
        if np.array_equal(choice(n), pruned):
            return ()
        if same_magnitudes(n):
            return (Diagnosis("convention", ("tie-order",), "the right count and magnitudes, other entries among ties"),)
        return (Diagnosis("wrong-value", reason=f"pruned {n} (admitted), but not the {n} smallest magnitudes"),)
    found = []
    if function == "fixed_ratio_masks":
        conventions = [("floor-count", fixed_admitted(len(values), prec, kwargs["amount"], math.floor))]
    else:
        conventions = sap_count_conventions(values, prec, {k: kwargs[k] for k in SAP_PARAMETERS}, entries)[::-1]
    for name, counts in conventions:
        if n in counts and np.array_equal(choice(n), pruned):
            found.append(Diagnosis("convention", (name,), f"pruned {n}: {name} admits {sorted(set(counts))}"))
        elif n in counts and same_magnitudes(n):
            found.append(Diagnosis("convention", (name, "tie-order"),
                                   f"pruned {n}: {name} admits {sorted(set(counts))}, other entries among ties"))
    amount = kwargs["amount"] if function == "fixed_ratio_masks" else None
    for name, chosen in _thresholds(magnitudes, admitted, amount):
        if np.array_equal(chosen, pruned) and not any(d.conventions == (name,) for d in found):
            found.append(Diagnosis("convention", (name,), f"pruned {n}, the entries {name} gives"))
    if function == "sap_masks":
        diagnosis = range_diagnosis(values, (kwargs["p"], kwargs["q"]), prec)
        if diagnosis is not None:
            found.append(diagnosis)
    if off_by_one(n, admitted):
        found.append(Diagnosis("off-by-one", reason=f"pruned {n}, admitted {sorted(admitted)}"))
    if not found:
        return (Diagnosis("wrong-value", reason=f"pruned {n}, admitted {sorted(admitted)}"),)
    return with_fallback(found)


def _group_entries(masks: list[np.ndarray], segments, scope: str) -> int:
    """Entries of a group, masked ones included (for ``masked-entries-counted``)."""
    if scope == "neuron":
        (i, _), = segments
        return masks[i].size if masks[i].ndim <= 1 else masks[i][0].size
    return sum(masks[i].size for i, _ in segments)


def _combined(problems: list[GroupProblem]) -> tuple[tuple[Diagnosis, ...], list[GroupProblem]]:
    """The failure's explanations: those every disagreeing group admits (each group then lists
    the chosen one first); else one diagnosis, the worst of the groups' first ones."""
    common = [d for d in problems[0].diagnoses if all(any(_same(d, e) for e in p.diagnoses) for p in problems[1:])]
    counts: dict[str, int] = {}
    if common:
        chosen = common[0]
        problems = [replace(p, diagnoses=tuple(sorted(p.diagnoses, key=lambda d: not _same(d, chosen))))
                    for p in problems]
        reason = f"{len(problems)} group(s): {chosen.reason}" if len(problems) > 1 else chosen.reason
        return tuple(replace(d, reason=reason if _same(d, chosen) else d.reason) for d in common), problems
    for p in problems:
        counts[p.diagnosis.cause] = counts.get(p.diagnosis.cause, 0) + 1
    worst = max((p.diagnosis for p in problems), key=lambda d: precedence(d.cause))
    conventions = tuple(dict.fromkeys(c for p in problems for c in p.diagnosis.conventions
                                      if p.diagnosis.cause == "convention"))
    reason = ", ".join(f"{n} group(s) {c}" for c, n in counts.items())
    return (Diagnosis(worst.cause, conventions if worst.cause == "convention" else (), reason),), problems


def judge_masks(prec: tol.Precision, function: str, kwargs: dict, got) -> Verdict | None:
    """Judge ``got`` as the new masks of ``function`` (``sap_masks`` or ``fixed_ratio_masks``)
    on ``kwargs`` (the reference's arguments): None if every group agrees, else a ``Verdict``
    whose ``groups`` are the disagreeing groups (``GroupProblem``)."""
    from sparsity_oracle.reference import fixed_ratio_masks, pruning_groups, sap_masks

    weights, masks = kwargs["weights"], kwargs["masks"]
    names = list(weights)
    structural = []
    if not isinstance(got, dict) or set(got) != set(names):
        structural.append(f"expected a dict with keys {names}, got {type(got).__name__} "
                          f"{list(got) if isinstance(got, dict) else ''}")
    else:
        new = {k: np.asarray(got[k]) for k in names}
        for k in names:
            if new[k].shape != masks[k].shape or new[k].dtype != np.bool_:
                structural.append(f"mask {k!r}: expected bool {masks[k].shape}, got {new[k].dtype} {new[k].shape}")
            elif np.any(new[k] & ~masks[k]):
                structural.append(f"mask {k!r}: {int(np.sum(new[k] & ~masks[k]))} already-pruned entries revived")
    problems = []
    if not structural:
        flat_new = [new[k].reshape(-1) for k in names]
        mask_list = [masks[k] for k in names]
        scope = kwargs["scope"]
        for segments, values in pruning_groups([weights[k] for k in names], mask_list, scope):
            pruned = np.flatnonzero(~np.concatenate([flat_new[i][idx] for i, idx in segments]))
            if function == "sap_masks":
                admitted = sap_admitted(values, prec, **{k: kwargs[k] for k in SAP_PARAMETERS})
            else:
                admitted = fixed_admitted(len(values), prec, kwargs["amount"])
            diagnoses = group_diagnoses(function, values, pruned, admitted, prec, kwargs,
                                        _group_entries(mask_list, segments, scope))
            if diagnoses:
                where = ", ".join(f"{names[i]}{idx[:4].tolist()}{'...' if len(idx) > 4 else ''}" for i, idx in segments)
                note = f"group [{where}]: pruned {len(pruned)}, admitted {sorted(admitted)}"
                problems.append(GroupProblem(where, tuple(dict.fromkeys(names[i] for i, _ in segments)), diagnoses, note))
    if not structural and not problems:
        return None
    ref = (sap_masks if function == "sap_masks" else fixed_ratio_masks)(**kwargs)
    show = {k: np.asarray(v).astype(int).tolist() for k, v in (got.items() if isinstance(got, dict) else [])}
    reference = {k: v.astype(int).tolist() for k, v in ref.items()}
    if structural:
        return Verdict((Diagnosis("wrong-value", reason="; ".join(structural)),), reference, show, "; ".join(structural))
    diagnoses, problems = _combined(problems)
    note = "; ".join(f"{p.note} ({p.diagnosis.cause})" for p in problems[:4])
    if len(problems) > 4:
        note += f"; ... {len(problems) - 4} more groups"
    return Verdict(diagnoses, reference, show, note, groups=tuple(problems))
