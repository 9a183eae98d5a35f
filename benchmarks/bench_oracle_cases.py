"""Cost of the oracle's realistic hard cases: the reference as the checks call it, per layer.

    python benchmarks/bench_oracle_cases.py [--with-runs]

For each layer of ``cases.REALISTIC_LAYERS``: the PQI (dps = 30) at each of its (p, q) pairs, the
Gini, and the certified PQI-bound that SAP counts are admitted from (dps = 20).  With
``--with-runs``: every hard case of the careful numpy implementation (tests/meta), cold (the
reference evaluated) and again for its float32 form (the reference's values reused: the
layers are float32 data).  Prints a Markdown table (wall-clock seconds) and, for the runs, the
process's CPU seconds too (the machine may be shared), and ``uptime``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sparsity_oracle import reference
from sparsity_oracle.oracle.cases import REALISTIC_LAYERS, realistic_vectors


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-runs", action="store_true", help="also time run_checks on the hard cases")
    args = parser.parse_args()
    print("| layer | entries | PQI per (p, q) [s] | Gini [s] | certified bound, p=0.5 q=1 [s] |")
    print("|---|---:|---|---:|---:|")
    for (label, w, pairs), _ in zip(realistic_vectors(), REALISTIC_LAYERS):
        pqi = ", ".join(f"({p:g}, {q:g}): {timed(lambda: reference.pq_index(w, p, q, dps=30)):.2f}" for p, q in pairs)
        gini = timed(lambda: reference.gini(w, dps=30))
        bound = timed(lambda: reference.pqi_bound(w, 0.5, 1.0, 0, dps=20, certified=True))
        print(f"| {label} | {w.size} | {pqi} | {gini:.2f} | {bound:.2f} |", flush=True)
    if args.with_runs:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from meta.defects import NumpyImpl32
        from meta.numpy_impl import NumpyImpl

        from sparsity_oracle.oracle import run_checks

        for name, impl in (("NumpyImpl, cold", NumpyImpl()), ("NumpyImpl32, reusing values", NumpyImpl32())):
            cpu = time.process_time()
            seconds = timed(lambda: run_checks(impl, generated=0))
            print(f"run_checks({name}, hard cases only): {seconds:.1f} s wall, "
                  f"{time.process_time() - cpu:.1f} s CPU", flush=True)
    print("uptime:", os.popen("uptime").read().strip())


if __name__ == "__main__":
    main()
