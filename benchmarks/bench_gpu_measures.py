"""Benchmark of gpu_impl's measures (not a test).  Prints a markdown table and the command line.

(a) PQI of a float32 vector on the CPU: ``gpu_impl.pq_index`` vs the formula as the paper's public
    code writes it (two ``torch.linalg.norm`` calls and powers), speed ratio and accuracy against
    float64; then both at p = 0.1 on large magnitudes, where the paper formula overflows.
(b) Neuron-wise PQI + SAP counts of every prunable layer of ResNet-18-shaped weights (~11M):
    one batched call per layer vs a Python loop over neurons.
(c) CUDA only: PQI of ``--gpu-size`` float32 entries, as a fraction of the measured device copy
    bandwidth (counting the input's bytes read once).

Usage: python benchmarks/bench_gpu_measures.py [--size 10000000] [--repeat 5] [--threads N]
       [--gpu-size 1000000000] [--quick]
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

from sparsity_oracle.gpu_impl import pq_index, sap_prune_count  # noqa: E402


def paper_pq_index(w: torch.Tensor, p: float = 0.5, q: float = 1.0) -> torch.Tensor:
    """The PQ Index as the paper's public code computes it."""
    d = w.numel()
    return 1 - d ** (1 / q - 1 / p) * torch.linalg.norm(w, p) / torch.linalg.norm(w, q)


def best_time(fn, repeat: int, device: str = "cpu") -> float:
    """Best wall time of ``repeat`` calls (after one warm-up), in seconds."""
    fn()
    best = math.inf
    for _ in range(repeat):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


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


def bench_neurons(repeat: int) -> list[tuple[str, str]]:
    gen = torch.Generator().manual_seed(1)
    weights = {name: torch.randn(shape, generator=gen) for name, shape in resnet18_shapes().items()}
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

    fast = best_time(batched, repeat)
    slow = best_time(looped, max(1, repeat // 3))
    neurons = sum(w.shape[0] for w in rows2d)
    return [
        (f"(b) neuron-wise PQI + SAP counts, ResNet-18 shapes ({total / 1e6:.1f}M weights, "
         f"{neurons} neurons, {len(rows2d)} layers): batched", f"{fast * 1e3:.1f} ms"),
        ("(b) same, Python loop over neurons", f"{slow * 1e3:.1f} ms"),
        ("(b) speed-up of batching", f"{slow / fast:.1f}x (target >= 20x)"),
    ]


def bench_cuda(size: int, repeat: int) -> list[tuple[str, str]]:
    w = torch.randn(size, device="cuda")
    out = torch.empty_like(w)
    copy = best_time(lambda: out.copy_(w), repeat, "cuda")
    copy_bandwidth = 2 * w.numel() * w.element_size() / copy  # bytes read + written
    ours = best_time(lambda: pq_index(w), repeat, "cuda")
    pqi_bandwidth = w.numel() * w.element_size() / ours  # the input read once
    return [
        (f"(c) CUDA PQI p=0.5 q=1, {size:.0e} float32", f"{ours * 1e3:.1f} ms"),
        ("(c) device copy bandwidth | PQI effective bandwidth",
         f"{copy_bandwidth / 1e9:.0f} GB/s | {pqi_bandwidth / 1e9:.0f} GB/s"),
        ("(c) PQI as a fraction of copy bandwidth", f"{pqi_bandwidth / copy_bandwidth:.1%}"),
        ("(c) device", torch.cuda.get_device_name()),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**7, help="entries for (a)")
    parser.add_argument("--gpu-size", type=int, default=10**9, help="entries for (c)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--quick", action="store_true", help="small sizes: check that it runs")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.quick:
        args.size, args.gpu_size, args.repeat = min(args.size, 10**5), min(args.gpu_size, 10**7), 1
    rows = bench_paper(args.size, args.repeat)
    rows += bench_neurons(args.repeat)
    if torch.cuda.is_available():
        rows += bench_cuda(args.gpu_size, args.repeat)
    else:
        rows.append(("(c) CUDA", "skipped: no CUDA device"))
    print(f"`{shlex.join([sys.executable, *sys.argv])}`  (torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads)\n")
    print("| measurement | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
