"""Compare two sets of runs (``reproduce``, iterative or one-shot, and ``limit``) record by record.

    python benchmarks/compare_runs.py OLD NEW [--checkpoints] [--across-devices]

OLD and NEW are folders holding runs (a run folder, a set such as runs/reproduction/mlp, or a
root such as runs/reproduction): every run folder under NEW (one with ``results.jsonl`` or
``limit.json``) is paired with the one at the same relative path under OLD.  Every field of
every record both hold is compared; none is skipped.  A field is either

* exact: counts and masks, which must be equal (``EXACT``, ``EXACT_LIMIT``, ``EXACT_ACTUAL``; the per-layer
  ``kept`` / ``total``; with ``--checkpoints`` the masks ``masks``, ``next_masks`` of
  ``checkpoints/iter_t.pt`` and ``masks_<density>.pt``, and ``magnitudes.npy`` of a limit run);
* or reported: everything else (PQI, Gini, losses, accuracies of one-shot runs, the limit's
  prediction, the PSO trajectory ``ode_*.jsonl``, the spectrum ``spectrum.npz``): the number of
  values that differ and the maximum absolute and relative difference.

Records are paired by ``iteration`` (iterative runs), ``density`` (one-shot runs) or ``ratio``
(a limit run's ``actual.jsonl``).  Without ``--across-devices`` (two runs on one device, where
training is deterministic) the iterative runs' ``accuracy_retrained`` / ``accuracy_pruned`` and,
with ``--checkpoints``, the trained weights (``state_dict``, ``dense.pt``) are exact too; with it
(a CPU run against a CUDA run) they are reported, since float sums in another order give other
trained weights: the masks then agree only while those differences stay off the pruning
thresholds, and a differing mask is reported with the number of entries that differ.

Prints one row per field (exact or reported, values compared, values that differ, max abs. /
rel. difference and where the largest relative difference is), the runs that differ, and the runs
present on one side only.  Exit status 1 if an exact field differs or a run is on one side only,
else 0.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

EXACT = ("kept", "total", "pruned_count", "density")
EXACT_SAME_DEVICE = ("accuracy_retrained", "accuracy_pruned")
EXACT_LIMIT = ("total",)  # limit.json; its "kept" is the prediction, computed from the spectrum
EXACT_ACTUAL = ("ratio", "removed", "kept", "total")  # actual.jsonl: magnitude pruning of the same weights
RUN_FILES = ("results.jsonl", "limit.json")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _runs(root: Path) -> dict[str, Path]:
    folders = {p.parent for name in RUN_FILES for p in root.rglob(name)}
    return {str(p.relative_to(root)): p for p in sorted(folders)}


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class Stats:
    def __init__(self):
        self.fields: dict[str, list] = {}  # field -> [exact, compared, differing, max abs, max rel, where]
        self.differing_runs: dict[str, set] = {}

    def add(self, field: str, exact: bool, run: str, old, new, where: str = "") -> None:
        """One value of ``field`` on each side (numbers, strings, booleans, None)."""
        self.add_many(field, exact, run, 1, int(old != new), *self._diff(old, new), f"{where}: {old!r} -> {new!r}")

    @staticmethod
    def _diff(old, new) -> tuple[float, float]:
        if old == new:
            return 0.0, 0.0
        if _number(old) and _number(new):
            diff, scale = abs(new - old), max(abs(old), abs(new))
            return diff, (diff / scale if scale else math.inf)
        return math.inf, math.inf

    def add_many(self, field, exact, run, compared, differing, abs_diff, rel_diff, where) -> None:
        row = self.fields.setdefault(field, [exact, 0, 0, 0.0, 0.0, ""])
        row[0] = row[0] or exact
        row[1] += compared
        if not differing:
            return
        row[2] += differing
        self.differing_runs.setdefault(run, set()).add(field)
        if rel_diff > row[4] or not row[5]:
            row[5] = f"{run} {where}"
        row[3], row[4] = max(row[3], abs_diff), max(row[4], rel_diff)

    def add_record(self, prefix: str, exact: set, run: str, a: dict, b: dict, where: str) -> None:
        """Every field of two JSON records; nested records (``layers``) field by field."""
        for key in sorted(set(a) | set(b), key=str):
            x, y = a.get(key), b.get(key)
            if isinstance(x, dict) or isinstance(y, dict):
                for name in sorted(set(x or {}) | set(y or {})):
                    self.add_record(f"{prefix}{key}.", exact, run, (x or {}).get(name) or {},
                                    (y or {}).get(name) or {}, f"{where} {name}")
            else:
                self.add(prefix + key, key in exact, run, x, y, where)

    def add_tensors(self, field: str, exact: bool, run: str, x, y, where: str) -> None:
        """Two arrays or tensors (None when missing): entries that differ, max abs./rel. difference."""
        import torch

        if x is None or y is None or tuple(x.shape) != tuple(y.shape):
            shapes = (None if x is None else tuple(x.shape), None if y is None else tuple(y.shape))
            self.add_many(field, exact, run, 1, 1, math.inf, math.inf, f"{where}: shapes {shapes[0]} -> {shapes[1]}")
            return
        x, y = torch.as_tensor(x).cpu(), torch.as_tensor(y).cpu()
        differ = int((x != y).sum())
        if not differ:
            self.add_many(field, exact, run, x.numel(), 0, 0.0, 0.0, where)
            return
        if x.dtype == torch.bool or not x.is_floating_point():
            self.add_many(field, exact, run, x.numel(), differ, math.inf, math.inf,
                          f"{where}: {differ} of {x.numel()} entries differ")
            return
        x64, y64 = x.double(), y.double()
        diff = (x64 - y64).abs()
        scale = torch.maximum(x64.abs(), y64.abs())
        rel = torch.where(scale > 0, diff / scale, torch.zeros_like(diff))
        i = int(torch.argmax(rel.reshape(-1)))
        self.add_many(field, exact, run, x.numel(), differ, float(diff.max()), float(rel.max()),
                      f"{where}[{i}]: {x.reshape(-1)[i].item()!r} -> {y.reshape(-1)[i].item()!r}")


def _paired(stats, prefix, exact, run, old_lines, new_lines, key) -> int:
    old_by, new_by = {a.get(key): a for a in old_lines}, {b.get(key): b for b in new_lines}
    for k in old_by.keys() ^ new_by.keys():
        stats.add_many(f"{prefix}{key} (on one side only)", True, run, 1, 1, math.inf, math.inf, f"{key}={k}")
    common = [k for k in old_by if k in new_by]
    for k in common:
        stats.add_record(prefix, exact, run, old_by[k], new_by[k], f"{key}={k}")
    return len(common)


def _load(path: Path):
    import torch

    return torch.load(path, map_location="cpu", weights_only=True) if path.exists() else None


def _compare_dicts(stats, field, exact, run, x, y, where) -> None:
    for name in sorted(set(x or {}) | set(y or {})):
        stats.add_tensors(field, exact, run, (x or {}).get(name), (y or {}).get(name), f"{where} {name}")


def compare_reproduce(stats: Stats, run: str, old: Path, new: Path, checkpoints: bool, across: bool) -> int:
    old_lines, new_lines = _lines(old / "results.jsonl"), _lines(new / "results.jsonl")
    iterative = bool(old_lines and "iteration" in old_lines[0])
    exact = set(EXACT) | (set() if across or not iterative else set(EXACT_SAME_DEVICE))
    common = _paired(stats, "", exact, run, old_lines, new_lines, "iteration" if iterative else "density")
    for path in sorted(old.glob("ode_*.jsonl")):
        if (new / path.name).exists():
            _paired(stats, f"{path.stem}.", set(), run, _lines(path), _lines(new / path.name), "step")
    if not checkpoints:
        return common
    if iterative:
        for t in range(common):
            ca, cb = _load(old / "checkpoints" / f"iter_{t}.pt"), _load(new / "checkpoints" / f"iter_{t}.pt")
            for key in ("masks", "next_masks", "state_dict"):
                _compare_dicts(stats, f"checkpoint.{key}", key != "state_dict" or not across, run,
                               (ca or {}).get(key), (cb or {}).get(key), f"t={t}")
    else:
        for path in sorted(old.glob("masks_*.pt")):
            _compare_dicts(stats, "masks", True, run, _load(path), _load(new / path.name), path.stem)
        _compare_dicts(stats, "dense.pt", not across, run, _load(old / "dense.pt"), _load(new / "dense.pt"), "dense")
    return common


def compare_limit(stats: Stats, run: str, old: Path, new: Path, checkpoints: bool, across: bool) -> int:
    import numpy as np

    a, b = (json.loads((p / "limit.json").read_text()) if (p / "limit.json").exists() else {} for p in (old, new))
    stats.add_record("limit.", set(EXACT_LIMIT), run, a, b, "limit.json")
    common = 0
    if (old / "actual.jsonl").exists() and (new / "actual.jsonl").exists():
        common = _paired(stats, "actual.", set(EXACT_ACTUAL), run, _lines(old / "actual.jsonl"), _lines(new / "actual.jsonl"),
                         "ratio")
    if (old / "magnitudes.npy").exists() or (new / "magnitudes.npy").exists():
        x, y = (np.load(p / "magnitudes.npy") if (p / "magnitudes.npy").exists() else None for p in (old, new))
        stats.add_tensors("magnitudes.npy", True, run, x, y, "magnitudes")
    if (old / "spectrum.npz").exists() and (new / "spectrum.npz").exists():
        with np.load(old / "spectrum.npz") as x, np.load(new / "spectrum.npz") as y:
            for name in sorted(set(x.files) | set(y.files)):
                stats.add_tensors(f"spectrum.{name}", False, run, x[name] if name in x.files else None,
                                  y[name] if name in y.files else None, name)
    return common


def compare(old_root: Path, new_root: Path, checkpoints: bool = False, across_devices: bool = False) -> tuple[str, int]:
    """The comparison as markdown text, and the exit status (1 if an exact field differs)."""
    old_runs, new_runs = _runs(old_root), _runs(new_root)
    stats = Stats()
    records = 0
    both = sorted(set(old_runs) & set(new_runs))
    for run in both:
        old, new = old_runs[run], new_runs[run]
        kind = compare_limit if (old / "limit.json").exists() else compare_reproduce
        records += kind(stats, run, old, new, checkpoints, across_devices)
    lines = [f"{len(both)} runs in both, {records} records compared"
             f"{' (across devices: trained weights and accuracies reported, not exact)' if across_devices else ''}",
             "| field | kind | compared | differ | max abs. diff | max rel. diff | at max rel. diff |",
             "|---|---|---:|---:|---:|---:|---|"]
    for field, (exact, n, d, abs_diff, rel_diff, where) in stats.fields.items():
        where = where.replace("|", "\\|") if d else ""
        lines.append(f"| {field} | {'exact' if exact else 'reported'} | {n} | {d} | {abs_diff:.3g} | {rel_diff:.3g} "
                     f"| {where} |")
    lines += [f"differs: {run}: {', '.join(sorted(fields))}" for run, fields in sorted(stats.differing_runs.items())]
    lines += [f"only in {old_root}: {run}" for run in sorted(set(old_runs) - set(new_runs))]
    lines += [f"only in {new_root}: {run}" for run in sorted(set(new_runs) - set(old_runs))]
    failed = [field for field, row in stats.fields.items() if row[0] and row[2]]
    one_side = set(old_runs) ^ set(new_runs)
    if not both:
        lines.append("FAILED: no run folder (results.jsonl or limit.json) in both")
    elif failed or one_side:
        lines.append(f"FAILED: exact fields differ: {', '.join(failed) or 'none'}; "
                     f"runs on one side only: {len(one_side)}")
    else:
        lines.append("OK: every exact field is equal")
    return "\n".join(lines), 1 if failed or one_side or not both else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--checkpoints", action="store_true",
                        help="compare masks and weights (checkpoints, masks_*.pt, dense.pt) too")
    parser.add_argument("--across-devices", action="store_true",
                        help="the two sides ran on different devices: trained weights and iterative accuracies "
                             "are reported, not exact")
    args = parser.parse_args(argv)
    text, status = compare(args.old, args.new, args.checkpoints, args.across_devices)
    print(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
