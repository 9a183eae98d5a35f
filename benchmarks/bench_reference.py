"""Benchmark: certified reference values at ResNet-18 scale (issue "Foundation").

Measures, in one run:
* certified PQI (p=0.5, q=1), PQI (p=0.1, q=1) and Gini of a 10^7-entry float32 vector with a
  relative enclosure width <= 1e-30 (dps=30), wall time each, and the process's peak memory;
* a plain per-element mpmath loop at the same working precision on the first 10^5 entries
  (sum of mpf(x)**p; for Gini, the sorted weighted sum), and the reference on the same 10^5
  entries, to give two speed ratios: same-input time, and per-entry throughput against the
  10^7 run.

Usage:  python benchmarks/bench_reference.py [--n 10000000] [--loop-n 100000]
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import resource
import time

import mpmath
import numpy as np

from sparsity_oracle import reference
from sparsity_oracle.reference._precision import bits_for_digits, endpoints, relative_width

DPS = 30


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def mpmath_loop_pqi(values, p, q):
    with mpmath.workprec(bits_for_digits(DPS) + 24):
        mp_p, mp_q = mpmath.mpf(p), mpmath.mpf(q)
        sp = sq = mpmath.mpf(0)
        for v in values.tolist():
            x = abs(mpmath.mpf(v))
            sp += x**mp_p
            sq += x**mp_q
        d = len(values)
        return 1 - mpmath.mpf(d) ** (1 / mp_q - 1 / mp_p) * sp ** (1 / mp_p) / sq ** (1 / mp_q)


def mpmath_loop_gini(values):
    with mpmath.workprec(bits_for_digits(DPS) + 24):
        c = np.sort(np.abs(values.astype(np.float64))).tolist()
        n = len(c)
        total = weighted = mpmath.mpf(0)
        for k, ck in enumerate(c, start=1):
            x = mpmath.mpf(ck)
            total += x
            weighted += x * (2 * n - 2 * k + 1)
        return 1 - weighted / (n * total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**7)
    parser.add_argument("--loop-n", type=int, default=10**5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    w = (rng.standard_normal(args.n) * 0.05).astype(np.float32)
    small = w[: args.loop_n]

    cases = [
        ("PQI p=0.5 q=1", lambda x: reference.pq_index(x, 0.5, 1.0, dps=DPS, certified=True),
         lambda x: mpmath_loop_pqi(x, 0.5, 1.0)),
        ("PQI p=0.1 q=1", lambda x: reference.pq_index(x, 0.1, 1.0, dps=DPS, certified=True),
         lambda x: mpmath_loop_pqi(x, 0.1, 1.0)),
        ("Gini", lambda x: reference.gini(x, dps=DPS, certified=True), mpmath_loop_gini),
    ]
    print(f"float32 vector, N(0, 0.05^2), seed 0; n = {args.n:.0e}; loop n = {args.loop_n:.0e}; dps = {DPS}\n")
    print("| measure | certified, n | rel. width | certified, loop n | mpmath loop, loop n "
          "| ratio (same input) | ratio (per entry) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, certified, loop in cases:
        big, t_big = _timed(lambda: certified(w))
        _, t_small = _timed(lambda: certified(small))
        loop_value, t_loop = _timed(lambda: loop(small))
        lo, hi = endpoints(certified(small))
        with mpmath.workprec(200):
            assert abs(loop_value - (lo + hi) / 2) <= mpmath.mpf(10) ** -25 * abs(loop_value), "loop disagrees"
        per_entry = (t_loop / len(small)) / (t_big / len(w))
        print(f"| {name} | {t_big:.2f} s | {mpmath.nstr(relative_width(big), 2)} | {t_small:.3f} s "
              f"| {t_loop:.2f} s | {t_loop / t_small:.0f}x | {per_entry:.0f}x |")
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\npeak resident memory of the whole run: {peak_gib:.2f} GiB")


if __name__ == "__main__":
    main()
