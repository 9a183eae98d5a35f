"""Summarise the one-shot reproduction (benchmarks/run_oneshot_reproduction.sh) into the compact
files committed under docs/data/oneshot/ and the tables of docs/reproduction.md.

    python benchmarks/summarize_oneshot.py ROOT OUT

ROOT holds SET/NAME-sSEED/ run folders of ``sparsity-oracle reproduce``, or sweep folders SET/ of
the ready-made sweeps benchmarks/sweeps/spode-oneshot-SET.toml (their runs SET/runs/method=...,seed=N/,
named as the script names them: spode, mag, mag-layer, ...); for every finished run
(one results line per density) this copies ``results.jsonl`` and the PSO runs' ``ode_*.jsonl`` to
OUT/SET/NAME-sSEED/ (no checkpoints or masks), writes OUT/summary.csv (one row per set, run name
and density: the number of seeds, mean, population sd, min and max of the pruned and fine-tuned
test accuracy and of the pruned training loss, and for PSO the entries regrown over all Euler
steps), and prints, per set, a markdown table (mean (sd) over seeds, in %) and the high-sparsity
comparison of PSO with every other method.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import statistics
import sys
from collections import defaultdict
from pathlib import Path

FIELDS = ("accuracy_pruned", "accuracy_finetuned", "loss_pruned")


def _name_and_seed(folder: Path):
    """(set, run name, seed) of a run folder: SET/NAME-sSEED (the script), or a ready-made sweep's
    SET/runs/method=M[,scope=S],seed=SEED (named M or M-S, as the script names them); else None."""
    script = re.fullmatch(r"(.+)-s(\d+)", folder.name)
    if script:
        return folder.parent.name, script[1], int(script[2])
    sweep = re.fullmatch(r"method=(.+),seed=(\d+)", folder.name)
    if sweep and folder.parent.name == "runs":
        return folder.parent.parent.name, "-".join(v.partition("=")[2] or v for v in sweep[1].split(",")), int(sweep[2])
    return None


def _runs(root: Path):
    """{set: {name: {seed: (folder, lines)}}} of the finished runs."""
    found = defaultdict(lambda: defaultdict(dict))
    for folder in sorted([*root.glob("*/*-s*"), *root.glob("*/runs/*")]):
        where = _name_and_seed(folder)
        path = folder / "results.jsonl"
        config = folder / "config.json"
        if not (where and path.is_file() and config.is_file()):
            continue
        densities = json.loads(config.read_text())["settings"]["densities"]
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if len(lines) == len(densities):
            set_name, name, seed = where
            found[set_name][name][seed] = (folder, lines)
    return found


def _stats(values):
    return statistics.mean(values), statistics.pstdev(values), min(values), max(values)


def _regrown(folder: Path, density: float) -> int:
    path = folder / f"ode_{density!r}.jsonl"
    return sum(json.loads(line)["regrown"] for line in path.read_text().splitlines() if line.strip())


def summarize(root: Path, out: Path) -> list[dict]:
    rows = []
    for set_name, methods in _runs(root).items():
        for name, seeds in methods.items():
            for seed, (folder, lines) in seeds.items():
                target = out / set_name / folder.name
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(folder / "results.jsonl", target / "results.jsonl")
                for ode in folder.glob("ode_*.jsonl"):
                    shutil.copy(ode, target / ode.name)
            densities = [line["density"] for line in next(iter(seeds.values()))[1]]
            for density in densities:
                row = {"set": set_name, "run": name, "density": density, "seeds": len(seeds)}
                per_seed = [next(line for line in lines if line["density"] == density)
                            for _, lines in seeds.values()]
                for field in FIELDS:
                    mean, sd, lo, hi = _stats([line[field] for line in per_seed])
                    row.update({f"{field}_mean": mean, f"{field}_sd": sd, f"{field}_min": lo, f"{field}_max": hi})
                row["accuracy_dense_mean"] = statistics.mean(line["accuracy_dense"] for line in per_seed)
                row["kept"] = per_seed[0]["kept"]
                row["total"] = per_seed[0]["total"]
                row["regrown_total_mean"] = (statistics.mean(_regrown(folder, density) for folder, _ in seeds.values())
                                             if "ode_steps" in per_seed[0] else "")
                rows.append(row)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _table(rows: list[dict], set_name: str) -> str:
    rows = [r for r in rows if r["set"] == set_name]
    densities = sorted({r["density"] for r in rows}, reverse=True)
    names = list(dict.fromkeys(r["run"] for r in rows))
    head = "| method | " + " | ".join(f"{100 * d:g} %" for d in densities) + " |"
    lines = [head, "|---|" + "---:|" * len(densities)]
    dense = statistics.mean(r["accuracy_dense_mean"] for r in rows)
    lines.append(f"| dense | {100 * dense:.1f} |" + " |" * (len(densities) - 1))
    for name in names:
        cells = []
        for d in densities:
            r = next(r for r in rows if r["run"] == name and r["density"] == d)
            cells.append(f"{100 * r['accuracy_pruned_mean']:.1f} ({100 * r['accuracy_pruned_sd']:.1f}) / "
                         f"{100 * r['accuracy_finetuned_mean']:.1f} ({100 * r['accuracy_finetuned_sd']:.1f})")
        lines.append(f"| {name} (n={rows[[r['run'] for r in rows].index(name)]['seeds']}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _comparison(rows: list[dict], set_name: str, pso: str = "spode") -> str:
    """Per density: PSO's mean minus the best other method's mean (pruned and fine-tuned), and
    whether PSO's worst seed beats every other method's best seed."""
    rows = [r for r in rows if r["set"] == set_name]
    out = ["| density | field | PSO mean | best other (mean) | PSO - best | PSO min > others' max |",
           "|---:|---|---:|---:|---:|---|"]
    for d in sorted({r["density"] for r in rows}, reverse=True):
        at = [r for r in rows if r["density"] == d]
        mine = next((r for r in at if r["run"] == pso), None)
        if mine is None:
            continue
        others = [r for r in at if r["run"] != pso]
        for field in ("accuracy_pruned", "accuracy_finetuned"):
            best = max(others, key=lambda r: r[f"{field}_mean"])
            separated = all(mine[f"{field}_min"] > r[f"{field}_max"] for r in others)
            out.append(f"| {100 * d:g} % | {field.split('_')[1]} | {100 * mine[f'{field}_mean']:.1f} | "
                       f"{100 * best[f'{field}_mean']:.1f} ({best['run']}) | "
                       f"{100 * (mine[f'{field}_mean'] - best[f'{field}_mean']):+.1f} | {'yes' if separated else 'no'} |")
    return "\n".join(out)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: summarize_oneshot.py ROOT OUT", file=sys.stderr)
        return 2
    rows = summarize(Path(argv[0]), Path(argv[1]))
    for set_name in dict.fromkeys(r["set"] for r in rows):
        print(f"\n### {set_name}: test accuracy, pruned / fine-tuned, mean (sd) over seeds, %\n")
        print(_table(rows, set_name))
        print(f"\n### {set_name}: PSO against the best other method\n")
        print(_comparison(rows, set_name))
        regrown = [r for r in rows if r["set"] == set_name and r["regrown_total_mean"] != ""]
        print("\nPSO entries regrown over all Euler steps (mean over seeds): "
              + ", ".join(f"{100 * r['density']:g} %: {r['regrown_total_mean']:.0f}" for r in regrown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
