"""Validation of gpu_impl's scalar parameters (contract §1): one home for the rules, shared by the
measures, the pruning functions and the experiment configs.

Each function returns the value as a Python float or raises: ``TypeError`` for a non-real value
(a one-element real tensor counts as its value), ``ValueError`` for a non-finite or out-of-range
one, the message naming the argument and the value.
"""

from __future__ import annotations

import math
import numbers

import torch


def describe(value) -> str:
    return f"{value!r} (type {type(value).__name__})"


def real_param(value, name: str) -> float:
    """A finite real scalar parameter as a Python float (TypeError / ValueError otherwise)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype != torch.bool \
            and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    return v


def p_and_q(p, q) -> tuple[float, float]:
    """(p, q) with 0 < p < q (contract §1)."""
    p_value, q_value = real_param(p, "p"), real_param(q, "q")
    if p_value <= 0:
        raise ValueError(f"p must be > 0, got p={p!r}")
    if q_value <= p_value:
        raise ValueError(f"q must be > p, got q={q!r} and p={p!r}")
    return p_value, q_value


def non_negative(value, name: str) -> float:
    v = real_param(value, name)
    if v < 0:
        raise ValueError(f"{name} must be >= 0, got {name}={value!r}")
    return v


def positive(value, name: str) -> float:
    v = real_param(value, name)
    if v <= 0:
        raise ValueError(f"{name} must be > 0, got {name}={value!r}")
    return v


def in_unit_interval(value, name: str, *, open_low: bool) -> float:
    """``value`` in (0, 1] (open_low) or [0, 1]."""
    v = real_param(value, name)
    if v > 1 or v < 0 or (open_low and v == 0):
        interval = "(0, 1]" if open_low else "[0, 1]"
        raise ValueError(f"{name} must lie in {interval}, got {name}={value!r}")
    return v


def config_settings(config, checks) -> None:
    """Check an experiment config (a dataclass): ValueError ``"{name} must be {rule}, got
    {name}={value!r}"`` for the first failing ``(name, ok, rule)`` of ``checks``, then for any
    non-finite ``float`` field (every real setting is logged, so finite)."""
    import dataclasses

    for name, ok, rule in checks:
        if not ok:
            raise ValueError(f"{name} must be {rule}, got {name}={getattr(config, name)!r}")
    for field in dataclasses.fields(config):
        if field.type == "float":
            real_param(getattr(config, field.name), field.name)
