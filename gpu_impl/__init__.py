"""torch implementation of sparsity measures and pruning (contract §3); never imports ``reference``.

Same names and meanings as ``reference`` (contract §2) on ``torch.Tensor``s, any device, batched
over ``dim``/``mask`` where a function reduces a vector; real results are float64 tensors,
counts int64 tensors, masks bool tensors.

The names are loaded on first use (PEP 562), so that importing this package (and the
command-line modules of ``gpu_impl.experiments``) does not import torch: ``sparsity-oracle
--help`` stays fast, and without torch the commands still parse and then fail with
``UNAVAILABLE``.  ``unavailable()`` says whether and why gpu_impl cannot run here.
"""

import importlib
import importlib.util

from .names import SCOPES

#: The one-line reason gpu_impl cannot run without torch (printed by the command line).
UNAVAILABLE = "gpu_impl: unavailable (torch is not installed: pip install 'sparsity-oracle[torch]')"

#: public name -> the module defining it
_EXPORTS = {
    "PruningLimit": "limit",
    "Spectrum": "limit",
    "pruning_limit": "limit",
    "resolve_device": "devices",
    "MagnitudeHistogram": "streaming",
    "PowerSums": "streaming",
    "gini": "measures",
    "pq_index": "measures",
    "fixed_ratio_masks": "pruning",
    "pqi_bound": "pruning",
    "sap_count_and_bound": "pruning",
    "sap_masks": "pruning",
    "sap_prune_count": "pruning",
    "euler_step": "spode",
    "final_mask": "spode",
    "final_masks": "spode",
    "keep_largest": "spode",
    "kth_smallest": "spode",
    "polarise": "spode",
    "sparsity_index": "spode",
    "sparsity_index_gradient": "spode",
    "spode_direction": "spode",
    "step_sizes": "spode",
    "update_scores": "spode",
}

__all__ = sorted(_EXPORTS) + ["SCOPES", "UNAVAILABLE", "unavailable"]


def unavailable() -> str | None:
    """``UNAVAILABLE`` when torch cannot be found, else None."""
    try:
        found = importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        found = False
    return None if found else UNAVAILABLE


def __getattr__(name: str):
    if name in _EXPORTS:
        if unavailable():
            raise ModuleNotFoundError(UNAVAILABLE, name="torch")
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
