"""The tables of docs/reproduction.md (SAP, Lottery ticket, One-shot on digits), derived from the
runs' ``results.jsonl`` files.

    python benchmarks/reproduction_tables.py docs/data/reproduction            # print the tables
    python benchmarks/reproduction_tables.py --collect ROOT docs/data/reproduction

DATA holds one folder per set (``mlp``, ``mlp-long``, ``cnn-e3``, ``cnn``), each holding run
folders of ``sparsity-oracle reproduce`` (any names, any depth: a run is recognised by its
``results.jsonl``; method, p, q and seed are read from its lines).  ``--collect ROOT OUT`` first
copies ``results.jsonl`` and ``config.json`` of every run under ROOT/SET/ to OUT/SET/ (no
checkpoints), the compact files committed under docs/data/reproduction/.

Per set, printed as Markdown:

* the summary: per method, the rate (fraction of the remaining weights pruned at the end of t)
  at the first and last iteration, the weights kept and the retrained test accuracy at the last
  iteration (mean, population sd over seeds), the best mean accuracy and its t, the accuracy
  pruned without retraining (mean over t >= 1 and the seeds), the PQI at t = 0, its minimum
  (with t) and at the last iteration; and the dense network (t = 0, the same for every method
  of a seed);
* per method, every iteration: kept, rate, retrained accuracy (mean, sd, min..max over
  seeds), pruned accuracy, PQI and Gini (means).

Means are over the seeds of a set; every number in docs/reproduction.md is one of these, or is
read from the per-iteration tables.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
from collections import defaultdict
from pathlib import Path

SETS = ("mlp", "mlp-long", "cnn-e3", "cnn")
#: method key -> label, in table order
LABELS = {
    ("sap", 0.5, 1.0): "SAP (p=0.5, q=1)",
    ("sap", 1.0, 2.0): "SAP (p=1, q=2)",
    ("lt",): "Lottery ticket",
    ("oneshot",): "One-shot",
}


def method_key(line: dict) -> tuple:
    return (line["method"], line["p"], line["q"]) if line["method"] == "sap" else (line["method"],)


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_set(folder: Path) -> dict:
    """{method key: {seed: results lines}} of the runs under ``folder``."""
    runs = defaultdict(dict)
    for path in sorted(folder.rglob("results.jsonl")):
        lines = read_lines(path)
        if lines:
            runs[method_key(lines[0])][lines[0]["seed"]] = lines
    return runs


def collect(root: Path, out: Path) -> None:
    """Copy every run's results.jsonl and config.json under ROOT/SET to OUT/SET (same layout)."""
    for name in SETS:
        for path in sorted((root / name).rglob("results.jsonl")):
            target = out / name / path.parent.relative_to(root / name)
            target.mkdir(parents=True, exist_ok=True)
            for file in ("results.jsonl", "config.json"):
                shutil.copyfile(path.parent / file, target / file)


def ordered(runs: dict) -> list:
    """The method keys of ``runs`` in ``LABELS`` order (others last)."""
    return sorted(runs, key=lambda k: list(LABELS).index(k) if k in LABELS else len(LABELS))


def _mean(values) -> float:
    return statistics.fmean(values)


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def per_iteration(seeds: dict) -> list[dict]:
    """Per iteration t (over the iterations every seed completed): means and spreads."""
    length = min(len(lines) for lines in seeds.values())
    rows = []
    for t in range(length):
        at = [lines[t] for lines in seeds.values()]
        accuracy = [r["accuracy_retrained"] for r in at]
        rows.append({
            "t": t,
            "kept": _mean(r["kept_fraction"] for r in at),
            "rate": _mean(r["pruned_count"] / r["kept"] for r in at),
            "accuracy": _mean(accuracy),
            "sd": statistics.pstdev(accuracy),
            "low": min(accuracy),
            "high": max(accuracy),
            "pruned": _mean(r["accuracy_pruned"] for r in at),
            "pqi": _mean(r["pqi"] for r in at),
            "gini": _mean(r["gini"] for r in at),
        })
    return rows


def summary(name: str, runs: dict) -> list[str]:
    first = next(iter(next(iter(runs.values())).values()))[0]
    seeds = sorted({seed for by_seed in runs.values() for seed in by_seed})
    lines = [f"## {name}: {first['model']}, E = {first['epochs']}, T = "
             f"{max(len(v) for by_seed in runs.values() for v in by_seed.values())}, seeds {seeds}", ""]
    dense = {seed: by_seed[seed][0]["accuracy_retrained"] for by_seed in runs.values() for seed in by_seed}
    consistent = all(by_seed[seed][0]["accuracy_retrained"] == dense[seed] for by_seed in runs.values() for seed in by_seed)
    pqi0 = {LABELS.get(key, str(key)): per_iteration(runs[key])[0]["pqi"] for key in ordered(runs)}
    lines.append(f"dense (t = 0): accuracy {_percent(_mean(dense.values()))} "
                 f"({'the same for every method of a seed' if consistent else 'DIFFERS between methods'}); PQI "
                 + ", ".join(f"{label} {value:.3f}" for label, value in pqi0.items()))
    lines += ["", "| method | rate first → last | kept (last) | acc. (last) | best acc. (t) | "
              "acc. pruned, mean t ≥ 1 | PQI t=0 → min (t) → last |", "|---|---|---|---|---|---|---|"]
    for key in ordered(runs):
        rows = per_iteration(runs[key])
        last, best = rows[-1], max(rows, key=lambda r: r["accuracy"])
        lowest = min(rows, key=lambda r: r["pqi"])
        pruned = _mean(lines_[t]["accuracy_pruned"] for lines_ in runs[key].values() for t in range(1, len(rows)))
        lines.append(
            f"| {LABELS.get(key, key)} | {_percent(rows[0]['rate'])} → {_percent(last['rate'])} | "
            f"{_percent(last['kept'])} | {_percent(last['accuracy'])} (sd {100 * last['sd']:.1f}) | "
            f"{_percent(best['accuracy'])} ({best['t']}) | {_percent(pruned)} | "
            f"{rows[0]['pqi']:.3f} → {lowest['pqi']:.3f} ({lowest['t']}) → {last['pqi']:.3f} |"
        )
    return lines


def iterations(runs: dict) -> list[str]:
    lines = []
    for key in ordered(runs):
        lines += ["", f"{LABELS.get(key, key)} ({len(runs[key])} seeds)", "",
                  "| t | kept | rate | acc. retrained (sd; min..max) | acc. pruned | PQI | Gini |",
                  "|---|---|---|---|---|---|---|"]
        for r in per_iteration(runs[key]):
            lines.append(
                f"| {r['t']} | {100 * r['kept']:.2f} % | {_percent(r['rate'])} | {_percent(r['accuracy'])} "
                f"(sd {100 * r['sd']:.1f}; {100 * r['low']:.1f}..{100 * r['high']:.1f}) | {_percent(r['pruned'])} | "
                f"{r['pqi']:.3f} | {r['gini']:.3f} |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="folder of the sets (docs/data/reproduction)")
    parser.add_argument("--collect", type=Path, metavar="ROOT",
                        help="first copy the results.jsonl and config.json of the runs under ROOT/SET to DATA/SET")
    args = parser.parse_args()
    if args.collect:
        collect(args.collect, args.data)
    for name in SETS:
        runs = load_set(args.data / name)
        if runs:
            print("\n".join(summary(name, runs) + iterations(runs)) + "\n")


if __name__ == "__main__":
    main()
