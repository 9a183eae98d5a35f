"""The settings of a one-shot run (contract §10), importable without torch: the command line reads
the defaults from here before torch is loaded.  ``oneshot_runner.run_oneshot`` runs it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..names import DATASETS, MODELS
from .methods import METHODS

#: The paper's target densities (fractions of the prunable weights kept): 90 % .. 98 % sparsity.
DEFAULT_DENSITIES = (0.1, 0.07, 0.05, 0.035, 0.02)


def density_name(density: float) -> str:
    """A density as it appears in file names (``masks_{rho}.pt``, ``ode_{rho}.jsonl``): ``repr``
    of the float (0.1, 0.035, 1e-05)."""
    return repr(float(density))


@dataclass(frozen=True)
class OneShotConfig:
    """``method``: a registered one-shot method; ``densities``: the targets, pruned in this order;
    ``epochs``: dense training (skipped when ``init`` names a checkpoint to start from);
    ``finetune_epochs`` / ``finetune_lr``: fine-tuning after each prune (warm-up then cosine,
    ``training.warmup_cosine``); ``ode_steps``, ``radius`` (relative), ``ode_index`` (G: l2 or
    l1), ``ode_schedule`` (exp or lin): PSO's settings; ``p``, ``q``: the logged PQI.  Dense
    training uses ``lr``, ``momentum``, ``nesterov``, ``weight_decay``, ``batch_size`` as the
    iterative runs do, so the dense model equals an iterative run's w_0 for the same seed."""

    method: str
    model: str = "mlp"
    dataset: str = "digits"
    data_dir: Optional[str] = None
    densities: tuple[float, ...] = DEFAULT_DENSITIES
    epochs: int = 10
    finetune_epochs: int = 10
    finetune_lr: float = 0.01
    init: Optional[str] = None
    seed: int = 0
    scope: str = "global"
    ode_steps: int = 100
    radius: float = 1.1
    ode_index: str = "l2"
    ode_schedule: str = "exp"
    p: float = 0.5
    q: float = 1.0
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    batch_size: int = 250
    device: str = "auto"
    threads: Optional[int] = None

    def __post_init__(self):
        from .. import validation

        object.__setattr__(self, "densities", tuple(self.densities))
        method = METHODS.get(self.method)
        checks = [
            ("method", method is not None and method.protocol == "one-shot",
             f"a one-shot method, one of {tuple(n for n, m in METHODS.items() if m.protocol == 'one-shot')}"),
            ("model", self.model in MODELS, f"one of {MODELS}"),
            ("dataset", self.dataset in DATASETS, f"one of {DATASETS}"),
            ("scope", method is None or self.scope in method.scopes,
             f"one of {method.scopes if method else ()} for method {self.method!r}"),
            ("densities", len(self.densities) >= 1, "a non-empty list"),
            ("epochs", self.epochs >= 1 or self.init is not None, ">= 1 (or pass init)"),
            ("finetune_epochs", self.finetune_epochs >= 0, ">= 0"),
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("threads", self.threads is None or self.threads >= 1, ">= 1"),
        ]
        validation.config_settings(self, checks)
        for density in self.densities:
            validation.in_unit_interval(density, "density", open_low=True)
        if len(set(self.densities)) != len(self.densities):
            raise ValueError(f"densities must be distinct, got densities={list(self.densities)!r}")
        if self.init is not None and not Path(self.init).is_file():
            raise FileNotFoundError(f"init: {self.init} not found")
        validation.p_and_q(self.p, self.q)
        validation.positive(self.lr, "lr")
        validation.positive(self.finetune_lr, "finetune_lr")
        method.validate(self)
