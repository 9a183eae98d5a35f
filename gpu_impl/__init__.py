"""torch implementation of sparsity measures and pruning (SPEC §3); never imports ``reference``.

Same names and meanings as ``reference`` (SPEC §2) on ``torch.Tensor``s, any device, batched
over ``dim``/``mask`` where a function reduces a vector; real results are float64 tensors,
counts int64 tensors, masks bool tensors.

The names are loaded on first use (PEP 562), so that ``sparsity-oracle`` can find the
``gpu_impl.experiments`` subcommands without importing torch; without torch installed,
importing this package fails at once, as an optional extra should.
"""

import importlib
import importlib.util

if importlib.util.find_spec("torch") is None:
    raise ModuleNotFoundError("gpu_impl needs torch (pip install 'sparsity-oracle[torch]')", name="torch")

#: public name -> the module defining it
_EXPORTS = {
    "PruningLimit": "limit",
    "Spectrum": "limit",
    "pruning_limit": "limit",
    "gini": "measures",
    "pq_index": "measures",
    "SCOPES": "pruning",
    "fixed_ratio_masks": "pruning",
    "pqi_bound": "pruning",
    "sap_masks": "pruning",
    "sap_prune_count": "pruning",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
