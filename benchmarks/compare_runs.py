"""Compare two sets of ``sparsity-oracle reproduce`` runs line by line.

    python benchmarks/compare_runs.py OLD NEW [--checkpoints]

OLD and NEW are folders holding runs (a run folder, a set such as runs/reproduction/mlp, or a
root such as runs/reproduction): every ``results.jsonl`` under NEW is paired with the one at
the same relative path under OLD, and the iterations both hold are compared.

* exact fields (must be equal if the masks are equal and training is deterministic):
  ``kept``, ``total``, ``pruned_count``, ``accuracy_retrained``, ``accuracy_pruned`` and the
  per-layer ``kept`` / ``total``;
* float fields (may differ in the last digits between two implementations of the measures):
  ``pqi``, ``gini`` and the per-layer ``pqi``: the maximum absolute and relative difference.

With ``--checkpoints`` the masks (``masks``, ``next_masks``) and the trained weights
(``state_dict``) of ``checkpoints/iter_t.pt`` are compared too (exact equality).

Prints one row per field (values compared, values that differ, max abs. / rel. difference
and where the largest relative difference is),
the runs that differ, and the runs present on one side only.  Exit status 1 if an exact field
(or, with --checkpoints, a mask or weight) differs, else 0.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

EXACT = ("kept", "total", "pruned_count", "accuracy_retrained", "accuracy_pruned")
FLOAT = ("pqi", "gini")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _runs(root: Path) -> dict[str, Path]:
    return {str(p.parent.relative_to(root)): p.parent for p in sorted(root.rglob("results.jsonl"))}


class Stats:
    def __init__(self):
        self.fields: dict[str, list] = {}  # field -> [compared, differing, max abs, max rel, where]
        self.differing_runs: dict[str, set] = {}

    def add(self, field: str, run: str, old, new, where: str = "") -> None:
        row = self.fields.setdefault(field, [0, 0, 0.0, 0.0, ""])
        row[0] += 1
        if old == new:
            return
        row[1] += 1
        self.differing_runs.setdefault(run, set()).add(field)
        if isinstance(old, (int, float)) and isinstance(new, (int, float)):
            diff = abs(new - old)
            scale = max(abs(old), abs(new))
            rel = diff / scale if scale else math.inf
            if rel > row[3]:
                row[4] = f"{run} {where}: {old!r} -> {new!r}"
            row[2], row[3] = max(row[2], diff), max(row[3], rel)
        else:  # None on one side
            row[2] = row[3] = math.inf
            row[4] = f"{run} {where}: {old!r} -> {new!r}"


def compare_run(stats: Stats, run: str, old: Path, new: Path, checkpoints: bool) -> int:
    old_lines, new_lines = _lines(old / "results.jsonl"), _lines(new / "results.jsonl")
    common = min(len(old_lines), len(new_lines))
    for a, b in zip(old_lines[:common], new_lines[:common]):
        where = f"t={a['iteration']}"
        for field in EXACT + FLOAT:
            stats.add(field, run, a.get(field), b.get(field), where)
        for name in sorted(set(a["layers"]) | set(b["layers"])):
            la, lb = a["layers"].get(name, {}), b["layers"].get(name, {})
            for field in ("kept", "total", "pqi"):
                stats.add(f"layers.{field}", run, la.get(field), lb.get(field), f"{where} {name}")
    if checkpoints:
        import torch

        for t in range(common):
            ca = torch.load(old / "checkpoints" / f"iter_{t}.pt", map_location="cpu")
            cb = torch.load(new / "checkpoints" / f"iter_{t}.pt", map_location="cpu")
            for key in ("masks", "next_masks", "state_dict"):
                for name in sorted(set(ca[key]) | set(cb[key])):
                    x, y = ca[key].get(name), cb[key].get(name)
                    same = x is not None and y is not None and x.shape == y.shape and torch.equal(x, y)
                    stats.add(f"checkpoint.{key}", run, True, same, f"t={t} {name}")
    return common


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--checkpoints", action="store_true", help="compare masks and weights of the checkpoints too")
    args = parser.parse_args(argv)
    old_runs, new_runs = _runs(args.old), _runs(args.new)
    stats = Stats()
    iterations = 0
    lengths = []
    for run in sorted(set(old_runs) & set(new_runs)):
        common = compare_run(stats, run, old_runs[run], new_runs[run], args.checkpoints)
        iterations += common
        lengths.append(common)
    print(f"{len(lengths)} runs in both, {iterations} iterations compared")
    print("| field | compared | differ | max abs. diff | max rel. diff | at max rel. diff |")
    print("|---|---:|---:|---:|---:|---|")
    for field, (n, d, abs_diff, rel_diff, where) in stats.fields.items():
        print(f"| {field} | {n} | {d} | {abs_diff:.3g} | {rel_diff:.3g} | {where} |")
    for run, fields in sorted(stats.differing_runs.items()):
        print(f"differs: {run}: {', '.join(sorted(fields))}")
    for run in sorted(set(old_runs) - set(new_runs)):
        print(f"only in {args.old}: {run}")
    for run in sorted(set(new_runs) - set(old_runs)):
        print(f"only in {args.new}: {run}")
    exact = set(EXACT) | {"layers.kept", "layers.total", "checkpoint.masks", "checkpoint.next_masks", "checkpoint.state_dict"}
    failed = any(stats.fields[f][1] for f in exact if f in stats.fields)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
