"""Random pruning (one-shot, contract §10): scores uniform on [0, 1) from the density's own generator
(tensors in module order, C order within), so every subset of the kept size is equally likely;
global or per-layer."""

from __future__ import annotations

import torch

from ...spode import final_masks


def prune(context) -> dict:
    scores = {name: torch.rand(w.shape, generator=context.generator, dtype=torch.float64).to(w.device)
              for name, w in context.weights.items()}
    return final_masks(scores, context.density, scope=context.config.scope)
