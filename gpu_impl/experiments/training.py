"""Masked SGD training and evaluation on a device-resident dataset.

Recipe of Diao et al. (2023): SGD, lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4, cosine
learning-rate schedule, batch 250.  The cosine schedule is stepped per batch over the
iteration's E epochs (lr_k = lr/2 (1 + cos(pi k / K)), K = E x batches per epoch), so short
iterations (E = 1 to 3) still anneal.

Masking: pruned weights stay exactly zero.  After ``backward`` the gradients of the prunable
tensors are multiplied by their masks (so momentum buffers of pruned entries stay zero), and
after each optimizer step the weights are multiplied by their masks again (weight decay of a
zero weight is zero, so this only guards against any other update).  The masks live on the
model's device: no host <-> device copy per step.

Determinism: the batch order of epoch e of iteration t is a ``torch.randperm`` drawn from a
CPU generator seeded with (seed, t, e) (``epoch_generator``), so an iteration replays exactly
whether it runs in one process or after ``--resume``; there is no other randomness in
training (no dropout, no augmentation).

``l1`` (the pruning-limit experiment, contract §11) adds lambda sum |theta| to each batch's loss.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import torch
from torch.nn import functional as F


def _generator(sequence: np.random.SeedSequence) -> torch.Generator:
    state = sequence.generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def epoch_generator(seed: int, iteration: int, epoch: int) -> torch.Generator:
    """The CPU generator of the batch order of one epoch."""
    return _generator(np.random.SeedSequence([seed, iteration, epoch]))


def pruning_generator(seed: int, iteration: int) -> torch.Generator:
    """The CPU generator a pruning method may draw from at iteration ``iteration`` (a stream of
    its own, independent of the epochs' batch orders)."""
    return _generator(np.random.SeedSequence([seed, iteration], spawn_key=(1,)))


def make_optimizer(model, *, lr, momentum, nesterov, weight_decay, total_steps):
    """SGD and its per-batch cosine schedule over ``total_steps`` steps."""
    optimizer = torch.optim.SGD(
        model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: 0.5 * (1 + math.cos(math.pi * min(k, total_steps) / total_steps))
    )
    return optimizer, schedule


#: The training loss of every experiment (mean cross-entropy of the logits).
loss_function = F.cross_entropy


def l1_norm(parameters) -> torch.Tensor:
    """sum |theta| over the given tensors: the l1 term of the pruning-limit authors' training
    (their ``get_regularization_loss_my``: every weight and bias, BatchNorm's included)."""
    return sum(p.abs().sum() for p in parameters)


def batches(x, y, *, batch_size, generator):
    """One epoch of mini-batches ``(x[b], y[b])`` in the order drawn from ``generator`` (a CPU
    ``torch.Generator``, e.g. ``epoch_generator``): the experiments' data loader."""
    order = torch.randperm(x.shape[0], generator=generator).to(x.device)
    for start in range(0, x.shape[0], batch_size):
        batch = order[start : start + batch_size]
        yield x[batch], y[batch]


def train_epoch(model, optimizer, schedule, x, y, *, batch_size, generator, masks=None, l1=0.0):
    """One epoch over (x, y) in the order drawn from ``generator`` (``batches``), minimising the
    batch's ``loss_function`` plus ``l1`` * ``l1_norm(model.parameters())``.  ``masks``: a list
    of (parameter, boolean mask) pairs kept exactly zero where the mask is False, or None."""
    model.train()
    for inputs, targets in batches(x, y, batch_size=batch_size, generator=generator):
        loss = loss_function(model(inputs), targets)
        if l1:
            loss = loss + l1 * l1_norm(model.parameters())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if masks is not None:
            for param, mask in masks:
                param.grad.mul_(mask)
        optimizer.step()
        schedule.step()
        if masks is not None:
            with torch.no_grad():
                for param, mask in masks:
                    param.mul_(mask)


@torch.no_grad()
def evaluate(model, x, y, *, batch_size=1000, parameters=None) -> tuple[float, float]:
    """(mean ``loss_function``, top-1 accuracy as a fraction in [0, 1]) of ``model`` in eval mode
    on (x, y); ``parameters`` optionally overrides some parameters by name
    (``torch.func.functional_call``).  The loss is accumulated in float64."""
    model.eval()
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    loss = torch.zeros((), dtype=torch.float64, device=x.device)
    for start in range(0, x.shape[0], batch_size):
        inputs, targets = x[start : start + batch_size], y[start : start + batch_size]
        if parameters is None:
            logits = model(inputs)
        else:
            logits = torch.func.functional_call(model, parameters, (inputs,), strict=False)
        correct += (logits.argmax(1) == targets).sum()
        loss += loss_function(logits, targets, reduction="sum").to(torch.float64)
    return loss.item() / x.shape[0], correct.item() / x.shape[0]


def accuracy(model, x, y, *, batch_size=1000, parameters=None) -> float:
    """The accuracy of ``evaluate``."""
    return evaluate(model, x, y, batch_size=batch_size, parameters=parameters)[1]


# --- the one-shot protocol (contract §10): generators, fine-tuning, BatchNorm re-estimation -------

#: Streams of ``oneshot_generator``: the method's own randomness, its mini-batches, fine-tuning.
PRUNE_STREAM, BATCH_STREAM, FINETUNE_STREAM = 0, 1, 2


def oneshot_generator(seed: int, density: float, stream: int, epoch: int = 0) -> torch.Generator:
    """The CPU generator of ``stream`` (and fine-tuning ``epoch``) when pruning to ``density``:
    keyed by the density's float64 bits, not its position in the list, so a density gives the
    same results whatever else a run (or a resumed run) prunes to."""
    bits = int.from_bytes(struct.pack(">d", float(density)), "big")
    return _generator(np.random.SeedSequence([seed, bits, stream, epoch], spawn_key=(2,)))


#: Fine-tuning schedule of the SpODE authors (``WarmupCosineAnnealingLR``: 100 epochs = 20 of
#: linear warm-up from 0, cosine from the peak lr 1e-2 to 1e-6, 10 constant), scaled to any
#: length: these fractions of the steps, and the final lr as a fraction of the peak.
WARMUP_FRACTION, CONSTANT_FRACTION, FINAL_LR_FRACTION = 0.2, 0.1, 1e-4


def warmup_cosine(step: int, total_steps: int) -> float:
    """The learning-rate factor at ``step`` of ``total_steps``: (step + 1)/W during the warm-up
    W = round(0.2 total); then cosine from 1 to 1e-4 until the last round(0.1 total) steps,
    which stay at 1e-4."""
    warmup = round(WARMUP_FRACTION * total_steps)
    cosine_end = total_steps - round(CONSTANT_FRACTION * total_steps)
    if step < warmup:
        return (step + 1) / warmup
    if step >= cosine_end:
        return FINAL_LR_FRACTION
    progress = (step - warmup) / max(cosine_end - warmup, 1)
    return FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress))


def make_finetune_optimizer(model, *, lr, momentum, nesterov, total_steps):
    """SGD without weight decay (the authors' fine-tuning default) and ``warmup_cosine``."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: warmup_cosine(k, total_steps))
    return optimizer, schedule


@torch.no_grad()
def reestimate_batchnorm(model, x, *, batch_size) -> None:
    """Reset every BatchNorm's running statistics and re-estimate them as the plain average over
    one pass of ``x`` (in order) in train mode, then restore each layer's momentum.  (PSO's
    authors reset and use one batch; after pruning the dense statistics are stale.)"""
    layers = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not layers:
        return
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None
    model.train()
    for start in range(0, x.shape[0], batch_size):
        model(x[start : start + batch_size])
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum
