"""PSO (SpODE) cost: one Euler step against one training step on the same batch, and a full
prune of the digits CNN (docs/benchmarks.md, "PSO"), on the CPU or ``--device``.

    python benchmarks/bench_spode.py [--repeats 5] [--threads 1] [--full-steps 100] [--device cpu|cuda]
                                     [--quick]

* training step: forward, cross-entropy, backward of the dense model on one batch of 250 digits
  (the reproduce batch size);
* PSO step: ``methods.spode.euler_iteration`` on the same batch: the polarised forward and
  backward plus the O(D) work (G, grad G, e_perp, F, the Euler update, the next polariser, the
  regrown count);
* full prune: ``METHODS["spode"].prune`` of the (briefly trained) digits CNN to density 0.02 with
  N = ``--full-steps`` Euler steps (default 100, the paper's N).

Timings are the median of ``--repeats`` runs of ``--inner`` repetitions each, one CPU thread by
default; on CUDA each run is closed by ``torch.cuda.synchronize()`` (wall time: a PSO step has
host work between its kernels).  The device and the machine load (``os.getloadavg``) are printed
with them.  ``--quick``: 1 repeat of 2, the MLP only, N = 5.
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import statistics
import time
from fractions import Fraction

import torch

from sparsity_oracle.gpu_impl.experiments.data import load_dataset
from sparsity_oracle.gpu_impl.experiments.methods import METHODS, OneShotContext
from sparsity_oracle.gpu_impl.experiments.methods.spode import Flat, euler_iteration
from sparsity_oracle.gpu_impl.experiments.models import build_model, prunable_names
from sparsity_oracle.gpu_impl.experiments.oneshot_config import OneShotConfig
from sparsity_oracle.gpu_impl.experiments.training import (batches, epoch_generator, loss_function, make_optimizer,
                                                          train_epoch)
from sparsity_oracle.gpu_impl.spode import polarise, sparsity_index


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _median_ms(fn, repeats: int, inner: int, device) -> float:
    fn()
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        _sync(device)
        times.append((time.perf_counter() - start) / inner)
    return 1e3 * statistics.median(times)


def _trained(name, data, epochs=2):
    torch.manual_seed(0)
    model = build_model(name, data.in_shape, data.classes).to(data.x_train.device)
    optimizer, schedule = make_optimizer(model, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4,
                                         total_steps=6 * epochs)
    for e in range(epochs):
        train_epoch(model, optimizer, schedule, data.x_train, data.y_train, batch_size=250,
                    generator=epoch_generator(0, 0, e))
    return model.train()


def step_ratio(name: str, data, repeats: int, inner: int) -> dict:
    device = data.x_train.device
    model = _trained(name, data)
    x, y = data.x_train[:250], data.y_train[:250]
    params = list(model.parameters())

    def training_step():
        loss = loss_function(model(x), y)
        torch.autograd.grad(loss, params)

    names = prunable_names(model)
    weights = {n: p.detach().clone() for n, p in model.named_parameters() if n in names}
    flat = Flat(weights)
    theta = flat.join(weights.values())
    theta64 = theta.double()
    config = OneShotConfig(method="spode")
    m0 = torch.ones(theta.numel(), dtype=torch.float64, device=device)
    # a state part-way down the ODE: 30 steps from m = 1 towards 0.02
    m, kept = m0, polarise(m0, theta64, 1.0)
    for _ in range(30):
        m, kept, _ = euler_iteration(model, loss_function, flat, theta, theta64, m, kept, (x, y), 0.01, config)

    def pso_step():
        euler_iteration(model, loss_function, flat, theta, theta64, m, kept, (x, y), 0.01, config)

    train_ms = _median_ms(training_step, repeats, inner, device)
    pso_ms = _median_ms(pso_step, repeats, inner, device)
    return {"model": name, "weights": theta.numel(), "train_ms": train_ms, "pso_ms": pso_ms,
            "ratio": pso_ms / train_ms, "level": float(sparsity_index(m))}


def full_prune(data, steps: int) -> float:
    model = _trained("cnn", data)
    names = prunable_names(model)
    weights = {n: p.detach().clone() for n, p in model.named_parameters() if n in names}
    config = OneShotConfig(method="spode", model="cnn", ode_steps=steps)
    generator = torch.Generator().manual_seed(0)
    context = OneShotContext(
        config=config, density=0.02, model=copy.deepcopy(model), weights=weights,
        batches=lambda: batches(data.x_train, data.y_train, batch_size=250, generator=generator),
        loss=loss_function, generator=torch.Generator().manual_seed(1), in_shape=data.in_shape,
        record=lambda r: None, progress=lambda iterable, total, desc: iterable)
    _sync(data.x_train.device)
    start = time.perf_counter()
    masks = METHODS["spode"].prune(context)
    _sync(data.x_train.device)
    elapsed = time.perf_counter() - start
    total = sum(w.numel() for w in weights.values())
    assert sum(int(m.sum()) for m in masks.values()) == total - math.floor((1 - Fraction(0.02)) * total)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--inner", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--full-steps", type=int, default=100)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N")
    parser.add_argument("--quick", action="store_true", help="tiny: check that it runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.inner, args.full_steps = 1, 2, 5
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    data = load_dataset("digits", device=device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"{where}, torch {torch.__version__}, {args.threads} thread(s), load average before: {os.getloadavg()}")
    print(f"| model | prunable D | training step (fwd+bwd), {where} | PSO Euler step, {where} | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name in ("mlp",) if args.quick else ("mlp", "cnn"):
        r = step_ratio(name, data, args.repeats, args.inner)
        print(f"| {r['model']} | {r['weights']} | {r['train_ms']:.2f} ms | {r['pso_ms']:.2f} ms | {r['ratio']:.2f}x |")
    seconds = full_prune(data, args.full_steps)
    print(f"full PSO prune of the digits CNN to density 0.02, N = {args.full_steps}, {where}: {seconds:.1f} s "
          f"({1e3 * seconds / args.full_steps:.0f} ms per step)")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
