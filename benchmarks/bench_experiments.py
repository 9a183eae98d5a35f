"""Benchmark of the pruning experiments (gpu_impl.experiments).

    python benchmarks/bench_experiments.py [--repeats 3] [--device auto|cpu|cuda] [--samples 60000]
                                           [--synthetic-only]

1. wall time of the digits MLP SAP run (T=10, E=10, global scope) on CPU, one thread;
2. overhead of masked training (gradients and weights masked every step, half the weights
   pruned) over unmasked training, same model, data and epochs, on CPU (target <= 10 %);
3. on ``--device`` (auto: CUDA when present, else skipped): one epoch over a synthetic
   ``--samples``-sample (default 60 000) 28x28 dataset with the MLP and the CNN, batch 250,
   unmasked and masked: samples per second and the overhead of masking (target <= 10 %).
   Times are wall times between ``torch.cuda.synchronize()`` calls (the epoch is many kernels
   and host steps, so a wall time is what a user waits), after one warm-up epoch.
``--synthetic-only`` runs part 3 alone (benchmarks/gpu_check.sh).  Prints a markdown table and
the command line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import torch

from sparsity_oracle.gpu_impl.experiments.data import Dataset, load_dataset
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


def synthetic_rows(device: torch.device, samples: int, repeats: int) -> list[tuple[str, str, str]]:
    """Part 3: unmasked and masked epochs of the synthetic ``samples``-sample set on ``device``."""
    generator = torch.Generator().manual_seed(0)
    synthetic = Dataset(
        torch.rand(samples, 1, 28, 28, generator=generator), torch.randint(0, 10, (samples,), generator=generator),
        torch.rand(1000, 1, 28, 28, generator=generator), torch.randint(0, 10, (1000,), generator=generator), 10,
    ).to(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} thread(s)"
    rows = []
    for model in ("mlp", "cnn"):
        _train_time(model, synthetic, 1, True, device)
        plain = min(_train_time(model, synthetic, 1, False, device) for _ in range(repeats))
        masked = min(_train_time(model, synthetic, 1, True, device) for _ in range(repeats))
        rows.append((f"synthetic {samples}x28x28 {model.upper()} 1 epoch unmasked ({name})",
                     f"{plain:.3f} s", f"{samples / plain:,.0f} samples/s"))
        rows.append((f"synthetic {samples}x28x28 {model.upper()} 1 epoch masked ({name})", f"{masked:.3f} s",
                     f"{samples / masked:,.0f} samples/s; overhead {100 * (masked / plain - 1):+.1f} % (target <= 10 %)"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timings are the minimum of this many runs")
    parser.add_argument("--device", default="auto", help="device of part 3: auto (CUDA when present, else skipped), "
                                                         "cpu, cuda")
    parser.add_argument("--samples", type=int, default=60000, help="samples of part 3's synthetic epoch")
    parser.add_argument("--synthetic-only", action="store_true", help="part 3 alone")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cpu = torch.device("cpu")
    rows = []
    if args.synthetic_only:
        device = "cuda" if args.device == "auto" else args.device
        if device == "cuda" and not torch.cuda.is_available():
            print("sparsity-oracle bench_experiments: error: --device cuda, but no CUDA device", file=sys.stderr)
            return 2
        rows += synthetic_rows(torch.device(device), args.samples, args.repeats)
        _print(rows)
        return 0

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

    if args.device == "auto" and not torch.cuda.is_available():
        rows.append(("synthetic epoch (part 3)", "skipped", "no CUDA device (pass --device cpu to run it on the CPU)"))
    else:
        rows += synthetic_rows(torch.device("cuda" if args.device == "auto" else args.device), args.samples,
                               args.repeats)
    _print(rows)
    return 0


def _print(rows) -> None:
    print("| measurement | time | note |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\ncommand: python {' '.join(sys.argv)}  (torch {torch.__version__})")


if __name__ == "__main__":
    sys.exit(main())
