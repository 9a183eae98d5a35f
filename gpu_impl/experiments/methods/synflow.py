r"""SynFlow (Tanaka et al., 2020; one-shot, contract §10), iterative and data-free.  The network is
linearised: every parameter and buffer replaced by its absolute value, float64, eval mode.
Over ``ROUNDS`` rounds k = 1..R with the exponential schedule density_k = rho^{k/R}:

    R(theta) = 1^T f(1; |theta| (.) m)   (the all-ones input),
    score    = |theta (.) dR/dtheta|     at the masked weights,
    m        = keep the top density_k of the scores (global or per layer),

so pruned weights (score 0) stay pruned.  The SpODE authors run it with 100 rounds."""

from __future__ import annotations

import torch

from ...spode import final_masks

#: Pruning rounds (the authors' ``--prn_epochs 100``).
ROUNDS = 100


def prune(context) -> dict:
    model = context.model.double().eval()
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.abs_()
    params = dict(model.named_parameters())
    weights = {n: params[n].detach() for n in context.weights}
    masks = {n: torch.ones_like(w, dtype=torch.bool) for n, w in weights.items()}
    ones = torch.ones((1, *context.in_shape), dtype=torch.float64, device=next(iter(weights.values())).device)
    for k in context.progress(range(1, ROUNDS + 1), ROUNDS, "synflow rounds"):
        masked = {n: (w * masks[n]).requires_grad_() for n, w in weights.items()}
        flow = torch.func.functional_call(model, masked, (ones,), strict=False).sum()
        grads = torch.autograd.grad(flow, list(masked.values()))
        scores = {n: (w.detach() * g).abs() for (n, w), g in zip(masked.items(), grads)}
        masks = final_masks(scores, context.density ** (k / ROUNDS), scope=context.config.scope)
    return masks
