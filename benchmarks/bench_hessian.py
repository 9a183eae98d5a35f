"""Benchmark of gpu_impl.hessian on the digits models (CPU, one thread unless --threads; or --device).

    python benchmarks/bench_hessian.py [--repeats 5] [--threads 1] [--device cpu|cuda] [--quick]

1. one Hessian-vector product against one gradient of the same loss on the same batch (the
   whole training set, 1347 samples, one batch), float32 and float64, for the linear model, the
   MLP and the CNN, the two timed alternately, minimum over the repeats (target: HVP <= 3 x
   gradient);
2. SLQ with m = 100 Lanczos steps and 10 probes on the digits MLP (D = 43 520, float64, whole
   training set): wall time, and peak resident memory above the resident memory before it
   (a fresh process; the kernel's peak counter VmHWM is reset just before, through
   /proc/self/clear_refs);
3. the exact spectrum of the linear model (D = 640): the dense Hessian and all its eigenvalues.
The trained weights do not matter for the timings, so the models are at their seeded
initialisation.  On CUDA every timed call is closed by ``torch.cuda.synchronize()`` and the SLQ
row gives the peak device memory (``torch.cuda.max_memory_allocated``) above that before it.
``--quick``: one repeat, no CNN, SLQ with m = 10 and 2 probes.  Prints a markdown table (with the
device) and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch

from sparsity_oracle.gpu_impl import hessian
from sparsity_oracle.gpu_impl.experiments.data import load_dataset
from sparsity_oracle.gpu_impl.experiments.models import build_model, prunable_names


def _operator(name, dtype, data):
    torch.manual_seed(0)
    model = build_model(name, data.in_shape, data.classes).to(data.x_train.device).eval()
    return hessian.LossHessian(model, prunable_names(model), data.x_train, data.y_train, batch_size=2048, dtype=dtype)


def _sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def _best_interleaved(functions, repeats, device="cpu"):
    """The minimum time of each function over ``repeats`` rounds, the functions alternating
    within a round (so a change of the machine's load hits all of them alike)."""
    for fn in functions:
        fn()
    best = [math.inf] * len(functions)
    for _ in range(repeats):
        for i, fn in enumerate(functions):
            _sync(device)
            start = time.perf_counter()
            fn()
            _sync(device)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def _status_bytes(field: str) -> int:
    """A memory field of /proc/self/status (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith(field + ":"))
    return int(line.split()[1]) * 1024


def _slq_child() -> None:
    """Run in a fresh process: SLQ on the digits MLP, print JSON (seconds, peak bytes above start)."""
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    device = torch.device(os.environ.get("BENCH_DEVICE", "cpu"))
    steps, probes = (int(n) for n in os.environ.get("BENCH_SLQ", "100,10").split(","))
    data = load_dataset("digits", device=device)
    op = _operator("mlp", torch.float64, data)
    op.hvp(torch.zeros(op.size, dtype=torch.float64, device=device))  # allocator warm-up, counted in the baseline
    _sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
    else:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current resident size
        before = _status_bytes("VmRSS")
    start = time.perf_counter()
    spectrum = hessian.stochastic_lanczos_quadrature(op.hvp, op.size, steps=steps, probes=probes, seed=0,
                                                      device=device)
    _sync(device)
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else _status_bytes("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_above_start": peak - before, "nodes": spectrum.nodes.numel(),
                      "d": op.size, "steps": steps, "probes": probes}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timings are the minimum of this many runs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N")
    parser.add_argument("--quick", action="store_true", help="tiny: check that it runs")
    parser.add_argument("--slq-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.slq_child:
        _slq_child()
        return 0
    if args.quick:
        args.repeats = 1
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    data = load_dataset("digits", device=device)
    print(f"{where}; load before: {os.getloadavg()}, torch {torch.__version__}, {args.threads} thread(s)\n")
    print(f"| model | D | dtype | gradient, {where} | HVP, {where} | HVP / gradient |")
    print("|---|---:|---|---:|---:|---:|")
    for name in ("linear", "mlp") if args.quick else ("linear", "mlp", "cnn"):
        for dtype in (torch.float32, torch.float64):
            op = _operator(name, dtype, data)
            v = torch.randn(op.size, dtype=dtype, generator=torch.Generator().manual_seed(0)).to(device)
            repeats = args.repeats if name != "cnn" else max(2, args.repeats // 2)
            gradient, product = _best_interleaved([op.gradient, lambda: op.hvp(v)], repeats, device)
            print(f"| {name} | {op.size} | {str(dtype)[6:]} | {gradient * 1e3:.1f} ms | {product * 1e3:.1f} ms "
                  f"| {product / gradient:.2f}x |")
    child = subprocess.run([sys.executable, __file__, "--slq-child"], capture_output=True, text=True, check=True,
                           env={**os.environ, "BENCH_THREADS": str(args.threads), "BENCH_DEVICE": str(device),
                                "BENCH_SLQ": "10,2" if args.quick else "100,10"})
    slq = json.loads(child.stdout)
    op = _operator("linear", torch.float64, data)
    _sync(device)
    start = time.perf_counter()
    matrix = op.matrix()
    _sync(device)
    built = time.perf_counter() - start
    values = hessian.eigenvalues(matrix)
    _sync(device)
    total = time.perf_counter() - start
    memory = "peak device memory" if device.type == "cuda" else "peak memory"
    print(f"\n| measurement | result |\n|---|---|\n"
          f"| SLQ m={slq['steps']}, {slq['probes']} probes, digits MLP (D={slq['d']}, float64, 1347 samples), "
          f"{where} | {slq['seconds']:.1f} s, {memory} +{slq['peak_above_start'] / 2**20:.0f} MiB "
          f"({slq['nodes']} nodes) |\n"
          f"| exact spectrum, digits linear model (D={values.numel()}, float64), {where} | {total:.2f} s "
          f"(Hessian {built:.2f} s, eigvalsh {total - built:.2f} s) |")
    print(f"\nload after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
