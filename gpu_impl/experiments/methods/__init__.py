"""The registry of pruning methods of ``reproduce``.

A method is a ``PruningMethod`` entry here plus one module that implements it.  The entry
holds what the command line, the config check and the plots need without torch: the name
(``--method`` choice, the ``method`` of results lines), a legend label, one line of help, the
settings shown in plot legends, and ``implementation`` = ``"module:object"``.  The object
(loaded on first use) has

* ``validate(config)``: raise ``ValueError`` for invalid settings of this method, using
  gpu_impl's validators (``gpu_impl.validation``, ``gpu_impl.pruning.sap_parameters``);
* ``next_masks(context) -> masks``: m_{t+1} from a ``PruningContext``.

Adding a method (README, "Adding a pruning method")::

    # mypkg/snip.py
    def validate(config): ...
    def next_masks(context): ...

    from sparsity_oracle.gpu_impl.experiments.methods import PruningMethod, register
    register(PruningMethod("snip", "SNIP", "prune by |w * dL/dw|", (), "mypkg.snip"))

(``implementation`` is ``"module"``, or ``"module:object"`` for an attribute of the module;
the built-in entries are listed at the end of this file.)
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator


@dataclass(frozen=True)
class PruningContext:
    """What a method may use to choose m_{t+1} at iteration ``iteration`` (t).

    ``model`` holds the retrained weights w_t; ``weights`` are its prunable tensors (w_t, by
    name, in module order), ``dense`` the prunable tensors trained at t = 0 (w_0), ``masks`` the
    current masks m_t (bool, True = kept).  ``batches()`` yields one epoch of training
    mini-batches ``(x, y)`` in a fixed order for (seed, t), ``loss(logits, y)`` is the training
    loss, and ``generator`` a CPU ``torch.Generator`` seeded by (seed, t) for any randomness.
    Every tensor is on the run's device; a method must not modify any of them.
    """

    config: Any
    iteration: int
    model: Any
    weights: dict
    dense: dict
    masks: dict
    batches: Callable[[], Iterator[tuple]]
    loss: Callable
    generator: Any


@dataclass(frozen=True)
class PruningMethod:
    name: str
    label: str
    help: str
    legend: tuple[str, ...]
    implementation: str

    def _object(self):
        module_name, _, attr = self.implementation.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module

    def validate(self, config) -> None:
        self._object().validate(config)

    def next_masks(self, context: PruningContext) -> dict:
        return self._object().next_masks(context)


#: name -> method, in the order ``--help`` lists them.
METHODS: dict[str, PruningMethod] = {}


def register(method: PruningMethod) -> PruningMethod:
    """Add ``method`` to ``METHODS`` (ValueError if its name is taken)."""
    if method.name in METHODS:
        raise ValueError(f"a pruning method named {method.name!r} is already registered")
    METHODS[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove the method ``name`` (for tests that register a temporary one)."""
    del METHODS[name]


for _method in (
    PruningMethod("sap", "SAP", "SAP (Algorithm 1 of Diao et al. 2023): prune c_t from the PQI-bound",
                  ("p", "q"), f"{__name__}.sap"),
    PruningMethod("lt", "Lottery ticket", "Lottery ticket: prune round(amount d_t), ranked by w_t",
                  (), f"{__name__}.fixed_ratio:LOTTERY_TICKET"),
    PruningMethod("oneshot", "One-shot", "One-shot: prune round(amount d_t), ranked by the dense w_0",
                  (), f"{__name__}.fixed_ratio:ONE_SHOT"),
):
    register(_method)
