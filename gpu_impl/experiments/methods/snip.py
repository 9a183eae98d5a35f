r"""SNIP (Lee et al., 2019; one-shot, contract §10): keep the largest

    |theta (.) dL/dtheta| = |dL/dc| at c = 1 for the weights c (.) theta,

the gradient of the training loss summed over one epoch of mini-batches at the dense weights
(as the SynFlow code the SpODE authors use: gradients summed over every batch of the pruning
loader), model in train mode."""

from __future__ import annotations

import torch

from ...spode import final_masks


def saliency(context) -> dict:
    """{name: |theta (.) sum over one epoch of dL/dtheta|}."""
    params = dict(context.model.named_parameters())
    tensors = [params[n] for n in context.weights]
    total = [torch.zeros_like(t) for t in tensors]
    for x, y in context.batches():
        grads = torch.autograd.grad(context.loss(context.model(x), y), tensors)
        for acc, g in zip(total, grads):
            acc += g
    return {n: (w * g).abs() for (n, w), g in zip(context.weights.items(), total)}


def prune(context) -> dict:
    return final_masks(saliency(context), context.density, scope=context.config.scope)
