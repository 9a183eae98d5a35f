"""Auditing a recorded pruning run: each mask transition against the reference (contract §7).

A transition t -> t+1 is (w_t, m_t, m_{t+1}) as the run recorded it: the weights it ranked,
the masks before the step and the masks after.  The reference recomputes m_{t+1}
(``reference.sap_masks`` for SAP, ``reference.fixed_ratio_masks`` for Lottery ticket and
One-shot; One-shot ranks the dense weights w_0 of the first transition), ``masks.judge_masks``
admits what rounding in the run's dtype allows and names the cause of every other difference,
and each layer reports the entries that differ.  numpy only: reading files is the command's
job (``sparsity_oracle.audit_run``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .causes import Diagnosis
from .masks import judge_masks
from .tolerances import Precision

#: method -> (reference function, parameters with contract §2 defaults, ranks the dense weights w_0)
METHODS = {
    "sap": ("sap_masks", {"p": 0.5, "q": 1.0, "eta_r": 0.0, "gamma": 1.0, "beta": 0.9}, False),
    "lt": ("fixed_ratio_masks", {"amount": 0.2}, False),
    "oneshot": ("fixed_ratio_masks", {"amount": 0.2}, True),
}


@dataclass(frozen=True)
class Transition:
    """Step t of a recorded run: ``weights`` w_t, ``masks`` m_t, ``next_masks`` m_{t+1} (numpy,
    by name in group order), and where they came from."""

    index: int
    source: str
    weights: dict
    masks: dict
    next_masks: dict


@dataclass
class LayerAudit:
    name: str
    entries: int
    kept_before: int
    kept_run: int
    kept_reference: int
    pruned_only_by_run: int  # the reference keeps them
    kept_only_by_run: int  # the reference prunes them
    causes: Counter = field(default_factory=Counter)  # cause label -> disagreeing groups

    @property
    def differing(self) -> int:
        return self.pruned_only_by_run + self.kept_only_by_run

    def to_json(self) -> dict:
        return {"entries": self.entries, "kept_before": self.kept_before, "kept_run": self.kept_run,
                "kept_reference": self.kept_reference, "pruned_only_by_run": self.pruned_only_by_run,
                "kept_only_by_run": self.kept_only_by_run, "causes": dict(self.causes)}


@dataclass
class TransitionAudit:
    transition: Transition
    layers: list[LayerAudit]
    diagnosis: Diagnosis | None  # None: every group agrees (or differs only within rounding)
    note: str = ""

    @property
    def agrees(self) -> bool:
        return self.diagnosis is None

    def accepted(self, conventions) -> bool:
        return self.diagnosis is None or self.diagnosis.accepted(conventions)

    def to_json(self) -> dict:
        d = self.diagnosis
        return {"index": self.transition.index, "source": self.transition.source, "agrees": self.agrees,
                "cause": d.cause if d else None, "conventions": list(d.conventions) if d else [],
                "reason": d.reason if d else "", "note": self.note,
                "layers": {layer.name: layer.to_json() for layer in self.layers}}


def audit_transition(transition: Transition, method: str, parameters: dict, scope: str, dtype: str,
                     dense: dict | None = None) -> TransitionAudit:
    """Judge one transition (``dense``: w_0, which One-shot ranks).  ValueError for invalid
    parameters or tensors (the reference's message)."""
    from sparsity_oracle import reference

    function, _, ranks_dense = METHODS[method]
    ranked = dense if ranks_dense else transition.weights
    kwargs = {"weights": ranked, "masks": transition.masks, "scope": scope, **parameters}
    expected = getattr(reference, function)(**kwargs)
    recorded = transition.next_masks
    verdict, note = None, ""
    if any(not np.array_equal(recorded[k], expected[k]) for k in expected):
        verdict = judge_masks(Precision.of(dtype), function, kwargs, recorded)
        note = "" if verdict else f"differs from the reference's exact counts only where {dtype} rounding admits another"
    causes: dict[str, Counter] = {name: Counter() for name in expected}
    for group in verdict.groups if verdict else ():
        for name in group.tensors:
            causes[name][group.diagnosis.label] += 1
    layers = []
    for name, mask in transition.masks.items():
        run, ref = recorded[name], expected[name]
        layers.append(LayerAudit(name, int(mask.size), int(mask.sum()), int(run.sum()), int(ref.sum()),
                                 int(np.sum(ref & ~run)), int(np.sum(run & ~ref)), causes[name]))
    if verdict is None:
        return TransitionAudit(transition, layers, None, note)
    return TransitionAudit(transition, layers, verdict.diagnosis, verdict.note)


def check_layout(transitions: list[Transition]) -> None:
    """ValueError unless every transition has the same tensors, shapes and boolean masks."""
    first = transitions[0]
    for t in transitions:
        for part in ("weights", "masks", "next_masks"):
            tensors = getattr(t, part)
            if list(tensors) != list(first.masks):
                raise ValueError(f"{t.source}: {part} holds {sorted(tensors)}, expected {sorted(first.masks)}")
            for name, array in tensors.items():
                if array.shape != first.masks[name].shape:
                    raise ValueError(f"{t.source}: {part}[{name!r}] has shape {array.shape}, "
                                     f"expected {first.masks[name].shape}")
                if part != "weights" and array.dtype != np.bool_:
                    raise ValueError(f"{t.source}: {part}[{name!r}] is {array.dtype}, expected a boolean mask")
