"""The formula's k* against the exact limit of the quadratic model, on tiny real problems.

    python benchmarks/limit_formula_vs_quadratic.py [--out benchmarks/results]

The problems are those of tests/gpu_impl/test_limit_vs_quadratic.py (softmax regression on
pooled digits, one home: ``tiny_problem`` is loaded from that file), plus a D = 48 one too slow
for CI.  For each eps: k* of ``gpu_impl.pruning_limit`` (the paper's formula) and of
``reference.quadratic_limit`` (the smallest k for which some vector on the k largest |w*_i|
has 1/2 (x - w*)^T H (x - w*) <= eps, exact rationals).  Writes
OUT/limit_formula_vs_quadratic.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from sparsity_oracle import reference
from sparsity_oracle.gpu_impl import pruning_limit

TEST = Path(__file__).resolve().parent.parent / "tests" / "gpu_impl" / "test_limit_vs_quadratic.py"
PROBLEMS = {"pool4-5classes": (4, 5), "pool2-3classes": (2, 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args(argv)
    spec = importlib.util.spec_from_file_location("test_limit_vs_quadratic", TEST)
    test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test)
    rows = []
    print("| problem | D | eps | k* formula | k* quadratic | gap | gap / D |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (window, classes) in PROBLEMS.items():
        w, exact_h, spectrum = test.tiny_problem(window, classes)
        d = w.size
        for eps in test.EPS:
            start = time.perf_counter()
            quadratic = reference.quadratic_limit(w, exact_h, eps)
            seconds = time.perf_counter() - start
            formula = pruning_limit(torch.from_numpy(np.abs(w)), spectrum, eps).kept
            rows.append({"problem": name, "d": d, "eps": eps, "formula": formula, "quadratic": quadratic,
                         "gap": formula - quadratic, "quadratic_seconds": seconds})
            print(f"| {name} | {d} | {eps:g} | {formula} | {quadratic} | {formula - quadratic:+d} "
                  f"| {(formula - quadratic) / d:+.3f} |")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "limit_formula_vs_quadratic.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
