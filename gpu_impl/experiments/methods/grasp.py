r"""GraSP (Wang et al., 2020; one-shot, contract §10): gradient-signal preservation.  With
g = sum over one epoch of grad L(theta; logits/T) (T = 200, no graph) and H the Hessian of the
same loss, GraSP's score is S = -theta (.) H g and it removes the weights with the LARGEST S.
Equivalently (the SynFlow code the SpODE authors use) it keeps the largest theta (.) H g: that is
the score ranked here (``final_masks`` prunes the smallest).  Hg is accumulated batch by batch as
the gradient of g^T grad L(theta; batch)."""

from __future__ import annotations

import torch

from ...spode import final_masks

#: GraSP's softmax temperature.
TEMPERATURE = 200.0


def hessian_gradient(context) -> list:
    """H g per prunable tensor (module order)."""
    params = dict(context.model.named_parameters())
    tensors = [params[n] for n in context.weights]

    def loss(x, y):
        return context.loss(context.model(x) / TEMPERATURE, y)

    epoch = list(context.batches())
    g = [torch.zeros_like(t) for t in tensors]
    for x, y in epoch:
        for acc, grad in zip(g, torch.autograd.grad(loss(x, y), tensors)):
            acc += grad
    hg = [torch.zeros_like(t) for t in tensors]
    for x, y in epoch:
        grads = torch.autograd.grad(loss(x, y), tensors, create_graph=True)
        product = sum((a * b).sum() for a, b in zip(g, grads))
        for acc, grad in zip(hg, torch.autograd.grad(product, tensors)):
            acc += grad
    return hg


def prune(context) -> dict:
    scores = {n: w * hg for (n, w), hg in zip(context.weights.items(), hessian_gradient(context))}
    return final_masks(scores, context.density, scope=context.config.scope)
