"""Benchmark: the reference's cost against the exponent q and against dps (issue 12, item 5).

Measures, in one run:
* ``pq_index(w, 0.5, q)`` on n float32 entries (N(0, 0.05^2), seed 0) for q = 2, 100, 1000,
  1e300 and 10^1000 (an exact Fraction), plain (dps = 50) and certified (dps = 30): best of
  ``--repeat`` wall times and the ratio to q = 2 (the target: within 2x at q = 1000 and 1e300);
* ``pq_index(w, 0.1, 3, dps=D)`` on the first ``--dps-n`` entries as float64 for D = 20, 100,
  1000, 3000 and ``reference.MAX_DPS``: one wall time each and the time per entry.

Usage:  python benchmarks/bench_exponents.py [--n 10000] [--repeat 3] [--dps-n 1000]
Prints markdown tables.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np

from sparsity_oracle import reference

EXPONENTS = [("2", 2), ("100", 100), ("1000", 1000), ("1e300", 1e300), ("10^1000 (Fraction)", Fraction(10**1000))]


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dps-n", type=int, default=1000)
    args = parser.parse_args()
    w = (np.random.default_rng(0).standard_normal(args.n) * 0.05).astype(np.float32)

    print(f"pq_index(w, 0.5, q), n = {args.n} float32 entries, best of {args.repeat}\n")
    print("| q | plain, dps 50 | ratio to q = 2 | certified, dps 30 | ratio to q = 2 |")
    print("|---|---:|---:|---:|---:|")
    base = None
    for label, q in EXPONENTS:
        plain = _best(lambda: reference.pq_index(w, 0.5, q, dps=50), args.repeat)
        certified = _best(lambda: reference.pq_index(w, 0.5, q, dps=30, certified=True), args.repeat)
        base = base or (plain, certified)
        print(f"| {label} | {plain:.3f} s | {plain / base[0]:.2f} | {certified:.3f} s | {certified / base[1]:.2f} |")

    x = w[: args.dps_n].astype(np.float64)
    print(f"\npq_index(w, 0.1, 3, dps=D), first {len(x)} entries as float64, one run each\n")
    print("| dps | time | per entry |")
    print("|---:|---:|---:|")
    for dps in (20, 100, 1000, 3000, reference.MAX_DPS):
        t = _best(lambda: reference.pq_index(x, 0.1, 3, dps=dps), 1)
        print(f"| {dps} | {t:.2f} s | {t / len(x) * 1e3:.3f} ms |")


if __name__ == "__main__":
    main()
