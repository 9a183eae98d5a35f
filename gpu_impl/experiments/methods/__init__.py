"""The registry of pruning methods of ``reproduce``.

A method is a ``PruningMethod`` entry here plus one module that implements it.  The entry
holds what the command line, the config check and the plots need without torch: the name
(``--method`` choice, the ``method`` of results lines), a legend label, one line of help, the
settings shown in plot legends, ``implementation`` = ``"module:object"``, and

* ``protocol``: how ``reproduce`` runs it (``PROTOCOLS``):
  ``"iterative"`` (contract §8: train, prune a step, rewind, T times; ``runner``) or
  ``"one-shot"`` (contract §10: train dense once, prune once to each target density, fine-tune;
  ``oneshot_runner``);
* ``scopes``: the ``--scope`` values it supports;
* ``options``: its own settings beyond its protocol's (``PROTOCOL_OPTIONS``), e.g. PSO's
  ``ode_steps`` and ``radius``.  ``reproduce`` rejects an option given for a method that does not
  take it (``PruningMethod.settings``).

The object (loaded on first use) has

* ``validate(config)`` (optional): raise ``ValueError`` for invalid settings of this method,
  using gpu_impl's validators (``gpu_impl.validation``, ``gpu_impl.pruning.sap_parameters``);
* iterative: ``next_masks(context) -> masks``: m_{t+1} from a ``PruningContext``;
* one-shot: ``prune(context) -> masks``: the binary masks at ``context.density`` from a
  ``OneShotContext`` (the baselines: ``gpu_impl.spode.final_masks`` of their scores).

Adding a method (README, "Adding a pruning method")::

    # mypkg/snip.py
    def validate(config): ...
    def next_masks(context): ...

    from sparsity_oracle.gpu_impl.experiments.methods import PruningMethod, register
    register(PruningMethod("snip", "SNIP", "prune by |w * dL/dw|", (), "mypkg.snip"))

(``implementation`` is ``"module"``, or ``"module:object"`` for an attribute of the module;
the built-in entries are listed at the end of this file.)  A one-shot method adds
``protocol="one-shot"`` and, where it has both, ``scopes=("global", "layer")``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ...names import SCOPES

#: How ``reproduce`` runs a method (module docstring).
PROTOCOLS = ("iterative", "one-shot")
#: The settings (``reproduce`` options, config fields) of each protocol, beyond the common ones.
PROTOCOL_OPTIONS = {
    "iterative": ("iterations", "amount", "eta_r", "gamma", "beta"),
    "one-shot": ("densities", "finetune_epochs", "finetune_lr", "init"),
}


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
class OneShotContext:
    """What a one-shot method may use to choose its masks at the target ``density`` (the
    fraction of prunable weights kept).

    ``model`` is the run's own copy of the trained dense model (train mode), which the method
    may run and change (PSO sets its prunable weights, BatchNorm statistics move); ``weights`` are the dense
    prunable tensors theta* by name (module order), not to be modified.  Successive calls of
    ``batches()`` yield successive epochs of training mini-batches ``(x, y)``, each in a fresh
    order from the density's own stream; ``loss(logits, y)`` is the training loss; ``generator``
    a CPU ``torch.Generator`` for the method's own randomness; ``in_shape`` the input shape
    (C, H, W) for data-free methods.  ``record(dict)`` logs one per-step record (PSO: one per
    Euler step, written to ``OUT/ode_{density}.jsonl``); ``progress(iterable, total, desc)``
    wraps a long loop in a progress bar.  Everything is seeded by (seed, density), so a density
    gives the same masks however a run is interrupted and resumed.
    """

    config: Any
    density: float
    model: Any
    weights: dict
    batches: Callable[[], Iterator[tuple]]
    loss: Callable
    generator: Any
    in_shape: tuple
    record: Callable[[dict], None]
    progress: Callable


@dataclass(frozen=True)
class PruningMethod:
    name: str
    label: str
    help: str
    legend: tuple[str, ...]
    implementation: str
    protocol: str = "iterative"
    scopes: tuple[str, ...] = SCOPES
    options: tuple[str, ...] = ()

    def __post_init__(self):
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got protocol={self.protocol!r}")

    def _object(self):
        module_name, _, attr = self.implementation.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module

    def settings(self) -> tuple[str, ...]:
        """The protocol's settings and the method's own: the options ``reproduce`` accepts for
        it beyond the common ones."""
        return PROTOCOL_OPTIONS[self.protocol] + self.options

    def validate(self, config) -> None:
        validate = getattr(self._object(), "validate", None)
        if validate is not None:
            validate(config)

    def next_masks(self, context: PruningContext) -> dict:
        return self._object().next_masks(context)

    def prune(self, context: OneShotContext) -> dict:
        return self._object().prune(context)


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
    PruningMethod("spode", "PSO (SpODE)",
                  "PSO (Mo et al. 2023): the sparsity-indexed ODE from m = 1 to each density, keep the top |m theta|",
                  ("ode_steps", "radius"), f"{__name__}.spode", protocol="one-shot", scopes=("global",),
                  options=("ode_steps", "radius", "ode_index", "ode_schedule")),
    PruningMethod("mag", "Magnitude", "keep the largest |theta| of the dense weights", (),
                  f"{__name__}.magnitude", protocol="one-shot", scopes=("global", "layer")),
    PruningMethod("random", "Random", "keep a uniformly random subset", (),
                  f"{__name__}.random_scores", protocol="one-shot", scopes=("global", "layer")),
    PruningMethod("snip", "SNIP", "keep the largest |theta dL/dtheta| (gradients summed over an epoch)", (),
                  f"{__name__}.snip", protocol="one-shot", scopes=("global", "layer")),
    PruningMethod("synflow", "SynFlow", "iterative, data-free: 100 rounds of |theta dR/dtheta| on |theta|", (),
                  f"{__name__}.synflow", protocol="one-shot", scopes=("global", "layer")),
    PruningMethod("grasp", "GraSP", "prune the largest -theta Hg (gradient flow, temperature 200)", (),
                  f"{__name__}.grasp", protocol="one-shot", scopes=("global", "layer")),
):
    register(_method)
