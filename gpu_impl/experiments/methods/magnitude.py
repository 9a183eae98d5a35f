"""Magnitude pruning (one-shot, contract §10): keep the largest |theta| of the dense weights, over all
prunable tensors (``--scope global``) or within each (``layer``)."""

from __future__ import annotations

from ...spode import final_masks


def prune(context) -> dict:
    scores = {name: w.abs() for name, w in context.weights.items()}
    return final_masks(scores, context.density, scope=context.config.scope)
