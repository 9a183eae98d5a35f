"""Benchmark of gpu_impl's measures (not a test).  Prints a markdown table and the command line.

(a) PQI of a float32 vector on the CPU: ``gpu_impl.pq_index`` vs the formula as the paper's public
    code writes it (two ``torch.linalg.norm`` calls and powers), speed ratio and accuracy against
    float64; then both at p = 0.1 on large magnitudes, where the paper formula overflows.
(b) Neuron-wise PQI + SAP counts of every prunable layer of ResNet-18-shaped weights (~11M) on
    ``--device``: one batched call per layer vs a Python loop over neurons.
(c) PQI and Gini of ``--gpu-size`` float32 entries on ``--device``, each as a fraction of the
    measured copy bandwidth of that device (the measure counted as reading its input once; the
    copy as reading and writing it).  Gini sorts, so it is not expected to reach the PQI's
    fraction; where it runs out of device memory the row says so and it is timed on a tenth.

On CUDA every time is taken with CUDA events around the call (after a warm-up), on the CPU with
``time.perf_counter``; the best of ``--repeat``.  Every table row names the device.

Usage: python benchmarks/bench_gpu_measures.py [--device auto|cpu|cuda] [--size 10000000]
       [--repeat 5] [--threads N] [--gpu-size 1000000000] [--quick]
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sparsity_oracle.gpu_impl import gini, kernels, pq_index, sap_prune_count  # noqa: E402


def paper_pq_index(w: torch.Tensor, p: float = 0.5, q: float = 1.0) -> torch.Tensor:
    """The PQ Index as the paper's public code computes it."""
    d = w.numel()
    return 1 - d ** (1 / q - 1 / p) * torch.linalg.norm(w, p) / torch.linalg.norm(w, q)


def best_time(fn, repeat: int, device="cpu") -> float:
    """Best time of ``repeat`` calls (after one warm-up), in seconds: CUDA events recorded on the
    current stream around the call on a CUDA device, wall time on the CPU."""
    fn()
    best = math.inf
    cuda = torch.device(device).type == "cuda"
    for _ in range(repeat):
        if cuda:
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            best = min(best, start.elapsed_time(stop) / 1e3)
        else:
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return best


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"


def two_level_pqi(d: int, k: int, ratio: float, p: float, q: float) -> float:
    """Exact-to-float64 PQI of k entries of magnitude 1 and d - k of magnitude ``ratio``."""
    s_p = k + (d - k) * math.exp(p * math.log(ratio))
    s_q = k + (d - k) * math.exp(q * math.log(ratio))
    return -math.expm1((1 / q - 1 / p) * math.log(d) + math.log(s_p) / p - math.log(s_q) / q)


def resnet18_shapes() -> dict[str, tuple[int, ...]]:
    """Prunable weight shapes of a CIFAR-style ResNet-18 (3x3 stem) with a 1000-way fc."""
    shapes = {"conv1": (64, 3, 3, 3)}
    in_ch = 64
    for stage, out_ch in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            prefix = f"layer{stage}.{block}"
            shapes[f"{prefix}.conv1"] = (out_ch, in_ch, 3, 3)
            shapes[f"{prefix}.conv2"] = (out_ch, out_ch, 3, 3)
            if in_ch != out_ch:
                shapes[f"{prefix}.downsample"] = (out_ch, in_ch, 1, 1)
            in_ch = out_ch
    shapes["fc"] = (1000, 512)
    return shapes


def bench_paper(size: int, repeat: int) -> list[tuple[str, str]]:
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(size, generator=gen)
    ours = best_time(lambda: pq_index(w), repeat)
    paper = best_time(lambda: paper_pq_index(w), repeat)
    exact = pq_index(w.double()).item()
    rows = [
        (f"(a) PQI p=0.5 q=1, {size:.0e} float32, CPU: gpu_impl", f"{ours * 1e3:.1f} ms"),
        ("(a) same, paper formula (2 x linalg.norm)", f"{paper * 1e3:.1f} ms"),
        ("(a) speed-up of gpu_impl over the paper formula", f"{paper / ours:.2f}x (target >= 2x)"),
        ("(a) absolute error vs the float64 value: gpu_impl / paper formula",
         f"{abs(pq_index(w).item() - exact):.1e} / {abs(paper_pq_index(w).item() - exact):.1e}"),
    ]
    k, p, q = size // 2, 0.1, 1.0
    big = torch.full((size,), 1e29)
    big[:k] = 1e30
    ratio = float(torch.tensor(1e29)) / float(torch.tensor(1e30))
    expected = two_level_pqi(size, k, ratio, p, q)
    rows += [
        ("(a) PQI p=0.1 q=1, float32, half 1e30 and half 1e29: closed form", f"{expected:.9f}"),
        ("(a) same: gpu_impl / paper formula",
         f"{pq_index(big, p, q).item():.9f} / {paper_pq_index(big, p, q).item()}"),
    ]
    return rows


def bench_neurons(repeat: int, device: torch.device, layers: int | None = None) -> list[tuple[str, str]]:
    gen = torch.Generator().manual_seed(1)
    shapes = list(resnet18_shapes().values())[:layers]
    weights = {i: torch.randn(shape, generator=gen).to(device) for i, shape in enumerate(shapes)}
    total = sum(w.numel() for w in weights.values())
    rows2d = [w.reshape(w.shape[0], -1) for w in weights.values()]

    def batched():
        for w in rows2d:
            pq_index(w, dim=1)
            sap_prune_count(w, dim=1)

    def looped():
        for w in rows2d:
            for row in w:
                pq_index(row)
                sap_prune_count(row)

    fast = best_time(batched, repeat, device)
    slow = best_time(looped, max(1, repeat // 3), device)
    neurons = sum(w.shape[0] for w in rows2d)
    return [
        (f"(b) neuron-wise PQI + SAP counts, ResNet-18 shapes ({total / 1e6:.1f}M weights, "
         f"{neurons} neurons, {len(rows2d)} layers), {device_name(device)}: batched", f"{fast * 1e3:.1f} ms"),
        ("(b) same, Python loop over neurons", f"{slow * 1e3:.1f} ms"),
        ("(b) speed-up of batching", f"{slow / fast:.1f}x (target >= 20x)"),
    ]


def copy_seconds(w: torch.Tensor, repeat: int, device: torch.device) -> float:
    """Best time of copying ``w`` into a new tensor of its size (freed on return)."""
    out = torch.empty_like(w)
    return best_time(lambda: out.copy_(w), repeat, device)


def bench_bandwidth(size: int, repeat: int, device: torch.device) -> list[tuple[str, str]]:
    w = torch.randn(size, device=device)
    copy = copy_seconds(w, repeat, device)
    copy_bandwidth = 2 * w.numel() * w.element_size() / copy  # bytes read + written
    name = device_name(device)
    rows = [(f"(c) copy of {size:.0e} float32, {name}",
             f"{copy * 1e3:.2f} ms = {copy_bandwidth / 1e9:.3g} GB/s (read + written)")]
    measures = [("PQI p=0.5 q=1", pq_index, " (target >= 70 %)"),
                ("PQI p=0.1 q=2", lambda x: pq_index(x, 0.1, 2.0), ""),
                ("Gini", gini, "")]
    if kernels.runs_on(w):
        measures.insert(1, ("PQI p=0.5 q=1 power sums, one-pass kernel with fast_log2",
                            lambda x: kernels.one_pass_power_sums(x.view(1, -1), None, (0.5, 1.0), fast_log2=True), ""))
    for label, fn, target in measures:
        n = size
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        try:
            seconds = best_time(lambda: fn(w), repeat, device)
        except torch.OutOfMemoryError:
            seconds = None  # retried below, once the exception (and the frames it holds) is gone
        if seconds is None:
            rows.append((f"(c) {label} of {size:.0e} float32, {name}", "out of device memory"))
            torch.cuda.empty_cache()
            n = size // 10
            seconds = best_time(lambda: fn(w[:n]), repeat, device)
        bandwidth = n * w.element_size() / seconds  # the input read once
        peak = ""
        if device.type == "cuda":
            extra = torch.cuda.max_memory_allocated(device) - torch.cuda.memory_allocated(device)
            peak = f"; peak device memory +{extra / 2**30:.2f} GiB beside the input"
        rows.append((f"(c) {label} of {n:.0e} float32, {name}",
                     f"{seconds * 1e3:.2f} ms = {bandwidth / 1e9:.3g} GB/s = "
                     f"{bandwidth / copy_bandwidth:.1%} of copy bandwidth{target}{peak}"))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="device of (b) and (c): auto (CUDA when present), cpu, cuda")
    parser.add_argument("--size", type=int, default=10**7, help="entries for (a)")
    parser.add_argument("--gpu-size", type=int, default=10**9, help="entries for (c) (at most 1e8 on the CPU)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (and only the first 2 ResNet-18 layers in (b)): check that it runs")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.quick:
        args.size, args.gpu_size, args.repeat = min(args.size, 10**5), min(args.gpu_size, 10**5), 1
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(args.device)
    if device.type == "cpu" and not args.quick:
        args.gpu_size = min(args.gpu_size, 10**8)
    rows = bench_paper(args.size, args.repeat)
    rows += bench_neurons(args.repeat, device, layers=2 if args.quick else None)
    rows += bench_bandwidth(args.gpu_size, args.repeat, device)
    print(f"`{shlex.join([sys.executable, *sys.argv])}`  (torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads)\n")
    print("| measurement | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
