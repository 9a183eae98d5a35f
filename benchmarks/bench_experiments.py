"""Benchmark of the pruning experiments (gpu_impl.experiments).

    python benchmarks/bench_experiments.py [--repeats 3]

1. wall time of the digits MLP SAP run (T=10, E=10, global scope) on CPU, one thread;
2. overhead of masked training (gradients and weights masked every step, half the weights
   pruned) over unmasked training, same model, data and epochs (target <= 10 %);
3. CUDA only (skipped without a GPU): one epoch over a synthetic 60 000-sample 28x28 dataset
   with the MLP and the CNN, batch 250, masked.
Prints a markdown table and the command line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import torch

from sparsity_oracle.gpu_impl.experiments.data import load_dataset
from sparsity_oracle.gpu_impl.experiments.models import build_model, prunable_names
from sparsity_oracle.gpu_impl.experiments.runner import ExperimentConfig, run_experiment
from sparsity_oracle.gpu_impl.experiments.training import epoch_generator, make_optimizer, train_epoch


def _masked_pairs(model, fraction_kept=0.5):
    params = dict(model.named_parameters())
    generator = torch.Generator().manual_seed(0)
    pairs = []
    for name in prunable_names(model):
        mask = (torch.rand(params[name].shape, generator=generator) < fraction_kept).to(params[name].device)
        with torch.no_grad():
            params[name].mul_(mask)
        pairs.append((params[name], mask))
    return pairs


def _train_time(model_name, data, epochs, masked, device):
    torch.manual_seed(0)
    model = build_model(model_name, data.in_shape, data.classes).to(device)
    pairs = _masked_pairs(model) if masked else None
    steps = -(-data.x_train.shape[0] // 250) * epochs
    optimizer, schedule = make_optimizer(model, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4, total_steps=steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for e in range(epochs):
        train_epoch(model, optimizer, schedule, data.x_train, data.y_train, batch_size=250,
                    generator=epoch_generator(0, 0, e), masks=pairs)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timings are the minimum of this many runs")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cpu = torch.device("cpu")
    rows = []

    times = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            run_experiment(ExperimentConfig(method="sap", model="mlp", iterations=10, epochs=10), out, progress=False)
            times.append(time.perf_counter() - start)
    rows.append(("digits MLP SAP run, T=10, E=10 (CPU, 1 thread)", f"{min(times):.2f} s", ""))

    digits = load_dataset("digits")
    for model in ("mlp", "cnn"):
        epochs = 100 if model == "mlp" else 5
        plain = min(_train_time(model, digits, epochs, False, cpu) for _ in range(args.repeats))
        masked = min(_train_time(model, digits, epochs, True, cpu) for _ in range(args.repeats))
        rows.append((f"digits {model.upper()} {epochs} epochs unmasked (CPU)", f"{plain:.3f} s", ""))
        rows.append((f"digits {model.upper()} {epochs} epochs masked (CPU)", f"{masked:.3f} s",
                     f"overhead {100 * (masked / plain - 1):+.1f} % (target <= 10 %)"))

    if torch.cuda.is_available():
        gpu = torch.device("cuda")
        generator = torch.Generator().manual_seed(0)
        synthetic = type(digits)(
            torch.rand(60000, 1, 28, 28, generator=generator), torch.randint(0, 10, (60000,), generator=generator),
            torch.rand(1000, 1, 28, 28, generator=generator), torch.randint(0, 10, (1000,), generator=generator), 10,
        ).to(gpu)
        for model in ("mlp", "cnn"):
            _train_time(model, synthetic, 1, True, gpu)
            seconds = min(_train_time(model, synthetic, 1, True, gpu) for _ in range(args.repeats))
            rows.append((f"synthetic 60000x28x28 {model.upper()} 1 epoch masked ({torch.cuda.get_device_name()})",
                         f"{seconds:.3f} s", f"{60000 / seconds:,.0f} samples/s"))
    else:
        rows.append(("CUDA section", "skipped", "no CUDA device"))

    print("| measurement | time | note |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\ncommand: python {' '.join(sys.argv)}  (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
