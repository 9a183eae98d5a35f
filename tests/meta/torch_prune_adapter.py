"""``torch.nn.utils.prune.l1_unstructured`` as a layer-scope fixed-ratio pruner (contract §7 interface)."""

from __future__ import annotations

import numpy as np

DTYPE = "float64"
#: l1_unstructured prunes one tensor at a time (the oracle skips the other scopes, saying so)
SCOPES = ("layer",)


def fixed_ratio_masks(weights, masks, *, scope, amount):
    import torch
    from torch.nn.utils import prune

    out = {}
    for name, w in weights.items():
        holder = torch.nn.Module()
        holder.weight = torch.nn.Parameter(torch.from_numpy(np.array(w, dtype=np.float64)))
        prune.custom_from_mask(holder, "weight", torch.from_numpy(np.array(masks[name], dtype=bool)))
        prune.l1_unstructured(holder, "weight", amount=amount)
        out[name] = holder.weight_mask.numpy().astype(bool)
    return out
