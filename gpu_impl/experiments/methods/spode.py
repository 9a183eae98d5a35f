r"""PSO, pruning by the sparsity-indexed ODE (SpODE, Mo, Shi, Pan, ICML 2023; one-shot, contract §10).

A soft mask m over all prunable weights (one global vector, module order, C order within) starts
at m_0 = 1 with theta* = the dense weights frozen, and takes N = ``ode_steps`` explicit Euler
steps down the density index G (``ode_index``: l2, as every script of the authors, or l1) from 1
to the target rho (step sizes ``ode_schedule``: exp or lin, ``gpu_impl.spode.step_sizes``).
Step k, on one fresh mini-batch (``context.batches()``, epoch after epoch):

    u    = polarise(m_k, theta*, G(m_k))           binary: the floor(G D) largest |m theta*|
    E    = loss of the model with weights u (.) theta*  (train mode: batch statistics)
    e    = -theta* (.) dE/dw  at w = u (.) theta*  (the straight-through gradient)
    g    = -grad G(m_k)
    m_k+1 = euler_step(m_k, g, e, dt_k, radius)    (relative radius, default 1.1)

Logged per step (``OUT/ode_{rho}.jsonl``): ``step`` k, ``G`` = G(m_{k+1}), ``dt`` = dt_k,
``radius``, ``loss`` = E at step k, ``grad_norm`` = ||e||, ``regrown`` = the entries kept by
P(m_{k+1}) (the top floor(G_{k+1} D)) that P(m_k) had pruned: the slides' implicit regrowing,
which a score-based method (a fixed ranking) never shows.  The final mask keeps the largest
scores |m_N (.) theta*| (the authors' score with momentum 0, every unstructured script):
``final_mask``, floor((1 - rho) D) pruned.  FC biases are not masked here (the authors mask
them): the prunable tensors are those of every other method (``models.prunable_names``).
"""

from __future__ import annotations

import itertools

import torch

from ... import validation
from ...spode import (NORMS, SCHEDULES, euler_step, final_mask, polarise, sparsity_index, sparsity_index_gradient,
                      step_sizes, update_scores)


def validate(config) -> None:
    if isinstance(config.ode_steps, bool) or not isinstance(config.ode_steps, int) or config.ode_steps < 1:
        raise ValueError(f"ode_steps must be a positive integer, got ode_steps={config.ode_steps!r}")
    if validation.real_param(config.radius, "radius") < 1:
        raise ValueError(f"radius must be >= 1 (the authors' relative radius r ||g||), got radius={config.radius!r}")
    if config.ode_index not in NORMS:
        raise ValueError(f"ode_index must be one of {NORMS}, got ode_index={config.ode_index!r}")
    if config.ode_schedule not in SCHEDULES:
        raise ValueError(f"ode_schedule must be one of {SCHEDULES}, got ode_schedule={config.ode_schedule!r}")


class Flat:
    """The prunable tensors as one vector (module order, C order within) and back."""

    def __init__(self, weights: dict):
        self.names = list(weights)
        self.shapes = [w.shape for w in weights.values()]
        self.sizes = [w.numel() for w in weights.values()]

    def join(self, tensors) -> torch.Tensor:
        return torch.cat([t.reshape(-1) for t in tensors])

    def split(self, flat: torch.Tensor) -> dict:
        return {n: part.reshape(shape) for n, part, shape in zip(self.names, flat.split(self.sizes), self.shapes)}


def euler_iteration(model, loss_fn, flat: Flat, theta, theta64, m, kept, batch, dt, config):
    """One PSO step from the soft mask ``m`` and its polarised support ``kept`` on ``batch``
    (``theta``: theta* flat in the model's dtype, ``theta64`` the same in float64): returns
    (m_{k+1}, its support, the step's log record without ``step``).  The prunable parameters of
    ``model`` (a private copy) are set to the polarised weights u theta*."""
    x, y = batch
    params = dict(model.named_parameters())
    weights = [params[n] for n in flat.names]
    with torch.no_grad():
        for w, part in zip(weights, flat.split(kept.to(theta.dtype) * theta).values()):
            w.copy_(part)
    loss = loss_fn(model(x), y)
    e = flat.join(torch.autograd.grad(loss, weights)).double().mul_(theta64).neg_()
    m = euler_step(m, sparsity_index_gradient(m, config.ode_index).neg_(), e, dt, config.radius)
    level = sparsity_index(m, config.ode_index).item()
    new_kept = polarise(m, theta64, level)
    record = {"G": level, "dt": dt, "radius": config.radius, "loss": loss.item(),
              "grad_norm": torch.sqrt((e * e).sum()).item(), "regrown": int(torch.count_nonzero(new_kept & ~kept))}
    return m, new_kept, record


def prune(context) -> dict:
    config = context.config
    flat = Flat(context.weights)
    theta = flat.join(context.weights.values())
    theta64 = theta.double()
    m = torch.ones(theta.numel(), dtype=torch.float64, device=theta.device)
    kept = polarise(m, theta64, sparsity_index(m, config.ode_index).item())
    stream = itertools.chain.from_iterable(context.batches() for _ in itertools.count())
    dts = step_sizes(context.density, config.ode_steps, config.ode_schedule).tolist()
    for k, dt in context.progress(enumerate(dts), len(dts), f"ODE to {context.density}"):
        m, kept, record = euler_iteration(context.model, context.loss, flat, theta, theta64, m, kept, next(stream),
                                          dt, config)
        context.record({"step": k, **record})
    return flat.split(final_mask(update_scores(None, m, theta64), context.density))
