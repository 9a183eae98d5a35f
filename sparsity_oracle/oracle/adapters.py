"""Implementations under test: loading ``MODULE[:ATTR]`` and the in-repo gpu_impl adapter.

An implementation is a module or object with any subset of ``FUNCTIONS`` (contract §7), fed numpy
arrays and returning floats, ints or numpy arrays; ``DTYPE`` ("float64" by default, or
"float32"; the gpu_impl adapter also takes "float16"/"bfloat16") says in which precision it is
fed and judged.  The oracle calls the functions with the parameter names of contract §7 as
keywords (``pq_index(w, p=..., q=...)``), so both the contract §2 and §7 signatures work.

Capabilities (contract §7), optional attributes of the implementation; a case outside them is
skipped with the reason (a skip is reported, never counted as a pass):

* ``SCOPES``: the mask scopes it supports, a subset of ("global", "layer", "neuron");
* ``MAX_ENTRIES``: the largest case (array entries in all arguments) it can take;
* ``VALIDATES_INPUTS = False``: it does not promise to raise ValueError on invalid input, so
  the invalid calls are skipped.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass

import numpy as np

from .cases import Case
from .tolerances import DTYPES, Precision

#: The functions an implementation may provide, in report order.
FUNCTIONS = (
    "pq_index",
    "gini",
    "pqi_bound",
    "sap_prune_count",
    "sap_masks",
    "fixed_ratio_masks",
    "pruning_limit",
)

#: The implementation checked when none is selected.
DEFAULT_IMPL = "sparsity_oracle.oracle.adapters:gpu_impl"
#: Environment variable selecting implementations: comma-separated ``MODULE[:ATTR]`` (commas,
#: because the colon separates module and attribute).
ENV_VAR = "SPARSITY_ORACLE_IMPL"


def selected_specs(explicit) -> list[str]:
    """``explicit`` specs (``--impl``) if any, else those of ``$SPARSITY_ORACLE_IMPL``, else the
    default gpu_impl adapter."""
    specs = list(explicit) or os.environ.get(ENV_VAR, "").split(",")
    return [s.strip() for s in specs if s.strip()] or [DEFAULT_IMPL]


#: The mask scopes of contract §2 (the default ``SCOPES`` of an implementation).
ALL_SCOPES = ("global", "layer", "neuron")


@dataclass(frozen=True)
class Capabilities:
    """What an implementation declares it supports (module docstring)."""

    scopes: tuple[str, ...] = ALL_SCOPES
    max_entries: int | None = None
    validates_inputs: bool = True

    @classmethod
    def of(cls, target, name: str) -> "Capabilities":
        scopes = tuple(getattr(target, "SCOPES", ALL_SCOPES))
        unknown = [s for s in scopes if s not in ALL_SCOPES]
        if unknown or not scopes:
            raise ValueError(f"{name} declares SCOPES={scopes!r}; expected a non-empty subset of {ALL_SCOPES}")
        max_entries = getattr(target, "MAX_ENTRIES", None)
        if max_entries is not None and (not isinstance(max_entries, int) or max_entries < 1):
            raise ValueError(f"{name} declares MAX_ENTRIES={max_entries!r}; expected a positive int or None")
        return cls(scopes, max_entries, bool(getattr(target, "VALIDATES_INPUTS", True)))

    def unsupported(self, case: Case) -> str | None:
        """Why ``case`` lies outside these capabilities, or None."""
        scope = case.kwargs.get("scope")
        if scope is not None and scope not in self.scopes:
            return f"scope {scope!r} not in SCOPES {self.scopes}"
        if self.max_entries is not None and case.entries > self.max_entries:
            return f"{case.entries} entries > MAX_ENTRIES {self.max_entries}"
        return None

    def describe(self) -> str:
        parts = [] if self.scopes == ALL_SCOPES else [f"SCOPES={self.scopes}"]
        parts += [] if self.max_entries is None else [f"MAX_ENTRIES={self.max_entries}"]
        parts += [] if self.validates_inputs else ["VALIDATES_INPUTS=False"]
        return ", ".join(parts)


@dataclass(frozen=True)
class Implementation:
    """A loaded implementation: ``name`` (how it was selected), its object, its dtype,
    ``loader``, a Python expression that rebuilds it (for reproduction snippets), and its
    declared ``capabilities``."""

    name: str
    target: object
    dtype: str
    loader: str
    capabilities: Capabilities = Capabilities()

    @property
    def provides(self) -> tuple[str, ...]:
        return tuple(f for f in FUNCTIONS if callable(getattr(self.target, f, None)))

    @property
    def precision(self) -> Precision:
        return Precision.of(self.dtype)

    def function(self, name: str):
        return getattr(self.target, name)

    def unsupported(self, case: Case) -> str | None:
        """Why this implementation does not take ``case`` (a missing function or a declared
        capability), or None."""
        if case.function not in self.provides:
            return f"{self.name} does not provide {case.function}"
        return self.capabilities.unsupported(case)

    def describe(self) -> str:
        provided = ", ".join(self.provides) or "nothing"
        missing = [f for f in FUNCTIONS if f not in self.provides]
        lacks = f"; lacks {', '.join(missing)}" if missing else ""
        declared = self.capabilities.describe()
        return f"{self.name} [DTYPE={self.dtype}{', ' + declared if declared else ''}]: provides {provided}{lacks}"


def as_implementation(target, name: str | None = None) -> Implementation:
    """Wrap a module or object (already an ``Implementation``: returned as is).  ValueError for
    an invalid ``DTYPE``, ``SCOPES`` or ``MAX_ENTRIES``."""
    if isinstance(target, Implementation):
        return target
    dtype = getattr(target, "DTYPE", "float64")
    if dtype not in DTYPES:
        raise ValueError(f"{name or target!r} declares DTYPE={dtype!r}; expected one of {DTYPES}")
    capabilities = Capabilities.of(target, name or repr(target))
    if isinstance(target, TorchAdapter):
        loader = f"as_implementation({target!r})"
    elif hasattr(target, "__name__") and not callable(target):
        loader = f"load_implementation({target.__name__!r})"
    else:
        loader = f"load_implementation('{type(target).__module__}:{type(target).__qualname__}')"
    return Implementation(name or getattr(target, "__name__", type(target).__name__), target, dtype, loader,
                          capabilities)


def _import(module_name: str):
    """Import ``module_name`` as ``python -m`` would find it: a module or package in the current
    folder is found even when the current folder is not on ``sys.path`` (plain ``pytest``, the
    ``sparsity-oracle`` script); the current folder is then added to the end of ``sys.path``."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        here = os.getcwd()
        top = module_name.split(".")[0]
        if error.name != top or here in sys.path or os.path.realpath(here) in map(os.path.realpath, sys.path):
            raise
        sys.path.append(here)
        return importlib.import_module(module_name)


def load_implementation(spec: str) -> Implementation:
    """``"MODULE[:ATTR]"`` (ATTR may be dotted; a class is instantiated without arguments) ->
    ``Implementation``; ImportError/AttributeError if it does not resolve.  MODULE is looked up
    on ``sys.path`` and then, like ``python -m``, in the current folder."""
    module_name, _, attr = spec.strip().partition(":")
    target = _import(module_name)
    for part in filter(None, attr.split(".")):
        target = getattr(target, part)
    if isinstance(target, type):
        target = target()
    impl = as_implementation(target, spec.strip())
    return Implementation(impl.name, impl.target, impl.dtype, f"load_implementation({spec.strip()!r})",
                          impl.capabilities)


# --- gpu_impl (torch) ---------------------------------------------------------------------

_GPU_MODULES = {
    "pq_index": "sparsity_oracle.gpu_impl.measures",
    "gini": "sparsity_oracle.gpu_impl.measures",
    "pqi_bound": "sparsity_oracle.gpu_impl.pruning",
    "sap_prune_count": "sparsity_oracle.gpu_impl.pruning",
    "sap_masks": "sparsity_oracle.gpu_impl.pruning",
    "fixed_ratio_masks": "sparsity_oracle.gpu_impl.pruning",
    "pruning_limit": "sparsity_oracle.gpu_impl.limit",
}


def _to_python(value):
    """torch results -> floats, ints, numpy arrays (recursively through dicts)."""
    if isinstance(value, dict):
        return {k: _to_python(v) for k, v in value.items()}
    if hasattr(value, "detach"):
        value = value.detach().cpu()
        return value.item() if value.dim() == 0 else value.numpy()
    return value


class TorchAdapter:
    """gpu_impl seen through the oracle's numpy interface, on ``device`` in ``dtype``.

    Functions resolve lazily (torch and gpu_impl are imported on first use); a function that
    gpu_impl does not (yet) define is simply absent, so the oracle skips it.
    """

    def __init__(self, dtype: str = "float64", device: str = "cpu"):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        self.DTYPE = dtype
        self.device = device
        self.__name__ = f"gpu_impl[{dtype}, {device}]"

    def __repr__(self) -> str:
        return f"TorchAdapter(dtype={self.DTYPE!r}, device={self.device!r})"

    def _tensor(self, x):
        import torch

        x = np.asarray(x)
        dtype = torch.bool if x.dtype == np.bool_ else getattr(torch, self.DTYPE)
        return torch.from_numpy(np.ascontiguousarray(x)).to(device=self.device, dtype=dtype)

    def _convert(self, value):
        if isinstance(value, dict):
            return {k: self._convert(v) for k, v in value.items()}
        if isinstance(value, np.ndarray):
            return self._tensor(value)
        return value

    def __getattr__(self, name):
        if name not in _GPU_MODULES:
            raise AttributeError(name)
        try:
            function = getattr(importlib.import_module(_GPU_MODULES[name]), name)
        except (ImportError, AttributeError) as missing:
            raise AttributeError(f"gpu_impl does not provide {name}: {missing}") from None

        def adapted(*args, **kwargs):
            args = [self._convert(a) for a in args]
            kwargs = {k: self._convert(v) for k, v in kwargs.items()}
            return _to_python(function(*args, **kwargs))

        adapted.__name__ = name
        return adapted


#: The default implementation: gpu_impl on the CPU in float64.
gpu_impl = TorchAdapter()
