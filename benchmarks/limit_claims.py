"""Tables of docs/reproduction.md ("The pruning limit of a trained model") from `limit` runs.

    python benchmarks/limit_claims.py ROOT [--out benchmarks/results]

ROOT holds SET/s{seed}/ folders written by `sparsity-oracle limit` (benchmarks/run_limit.sh), or
is a sweep folder (benchmarks/sweeps/limit-digits.toml: ROOT/runs/<name>/, one set per name
without its seed).
Everything is recomputed from each run's files (limit.json, actual.jsonl, spectrum.npz,
magnitudes.npy): the prediction again with ``gpu_impl.pruning_limit``, under the other
negative policy, with the weights scaled by 2..5 and the spectrum scaled by 1/4..4, at other
eps; the actual limit by three criteria:

* ``loss``       contract §11: the largest ratio whose one-shot training objective L <= L(w*) + eps;
* ``finetuned``  the same with the fine-tuned L;
* ``accuracy``   the authors' code: the largest ratio whose one-shot test accuracy is at least
                 the dense one (theirs asks for strictly greater, undefined when no ratio beats
                 the dense model; ">=" always has ratio 0).

A set whose runs pruned at one ratio only (``--ratios 0``: the spectrum-only sets mlp-probes and
cnn-f64) gets a prediction row and no actual limit.  Writes OUT/limit_runs.csv (one row per
run) and OUT/limit_claims.json (per run and per set: mean and standard deviation over seeds),
and prints the markdown tables.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import torch

from sparsity_oracle.gpu_impl import Spectrum, hessian, pruning_limit

WEIGHT_SCALES = (1, 2, 3, 4, 5)
CURVATURE_SCALES = (0.25, 0.5, 1, 2, 4)
OTHER_EPS = (0.01, 0.03, 0.1)
#: "negative" means below -NEAR_ZERO max|lambda|, "flat" within +-NEAR_ZERO max|lambda|.
NEAR_ZERO = 1e-3
#: Bins of the magnitude histograms whose total variation distance compares two seeds' weights.
TV_BINS = 100


def _load_run(folder: Path) -> dict:
    record = json.loads((folder / "limit.json").read_text())
    lines = [json.loads(x) for x in (folder / "actual.jsonl").read_text().splitlines() if x.strip()]
    with np.load(folder / "spectrum.npz") as saved:
        if "eigenvalues" in saved:
            spectrum = torch.from_numpy(saved["eigenvalues"])
        else:
            spectrum = Spectrum(torch.from_numpy(saved["nodes"]), torch.from_numpy(saved["weights"]),
                                float(saved["zero_fraction"]))
    magnitudes = torch.from_numpy(np.load(folder / "magnitudes.npy")).to(torch.float64)
    return {"record": record, "lines": lines, "spectrum": spectrum, "magnitudes": magnitudes}


def _mapped(spectrum, fn):
    """The spectrum with every eigenvalue (node) x replaced by fn(x)."""
    if isinstance(spectrum, Spectrum):
        return Spectrum(fn(spectrum.nodes), spectrum.weights, spectrum.zero_fraction)
    return fn(spectrum)


def _largest(lines, ok):
    ratios = [x["ratio"] for x in lines if ok(x)]
    return max(ratios) if ratios else None


def analyse(folder: Path) -> dict:
    run = _load_run(folder)
    record, lines, spectrum, m = run["record"], run["lines"], run["spectrum"], run["magnitudes"]
    eps, dense, negative = record["eps"], record["loss_dense"], record["negative"]
    d = record["total"]

    def removed(magnitudes=m, spec=spectrum, e=eps, policy=negative):
        return pruning_limit(magnitudes, spec, e, negative=policy).removed_fraction

    predicted = 1 - record["kept_fraction"]
    assert abs(removed() - predicted) < 1e-12, f"{folder}: limit.json does not match its files"
    other = "zero" if negative == "abs" else "abs"
    limit = pruning_limit(m, spectrum, eps, negative=negative)
    nodes = spectrum.nodes if isinstance(spectrum, Spectrum) else spectrum
    near_zero = NEAR_ZERO * float(nodes.abs().max())
    policy = torch.abs if negative == "abs" else (lambda x: x.clamp_min(0))
    curvature_sum = hessian.spectrum_trace(_mapped(spectrum, policy), d)
    negative_mass = hessian.negative_mass(spectrum, near_zero)
    flat_mass = 1 - negative_mass - hessian.negative_mass(_mapped(spectrum, torch.neg), near_zero)
    dense_accuracy = lines[0]["test_accuracy"]
    swept = len(lines) > 1
    actual = {} if not swept else {
        "loss": record["actual_removed_fraction"],
        "finetuned": _largest(lines, lambda x: x["loss_finetuned"] is not None and x["loss_finetuned"] <= dense + eps),
        "accuracy": _largest(lines, lambda x: x["test_accuracy"] >= dense_accuracy),
    }
    by_weight = [removed(magnitudes=m * s) for s in WEIGHT_SCALES]
    by_curvature = [removed(spec=_mapped(spectrum, lambda x, c=c: x * c)) for c in CURVATURE_SCALES]
    return {
        "run": str(folder),
        "swept": swept,
        "d": d,
        "spectrum": record["spectrum"],
        "eps": eps,
        "loss_dense": dense,
        "test_accuracy_dense": dense_accuracy,
        "trace": record["trace"],
        "negative_mass": negative_mass,
        "flat_mass": flat_mass,
        "predicted_removed": predicted,
        "band_removed": [1 - record["kept_upper"] / d, 1 - record["kept_lower"] / d],
        "actual_removed": actual,
        "delta": {k: None if v is None else predicted - v for k, v in actual.items()},
        "predicted_removed_other_policy": {other: removed(policy=other)},
        "predicted_removed_weights_scaled": dict(zip(map(str, WEIGHT_SCALES), by_weight)),
        "predicted_removed_curvature_scaled": dict(zip(map(str, CURVATURE_SCALES), by_curvature)),
        "monotone": all(a > b for a, b in zip(by_weight, by_weight[1:]))
        and all(a > b for a, b in zip(by_curvature, by_curvature[1:])),
        "trace_bound_kept": limit.radius**2 * curvature_sum / (2 * eps * d),
        # |lambda| at which a direction's term lambda R^2 / (lambda R^2 + 2 eps) of F(k*) is 1/2
        "half_weight_curvature": 2 * eps / limit.radius**2,
        "other_eps": {str(e): {"predicted_removed": removed(e=e),
                               "actual_removed": _largest(lines, lambda x, e=e: x["loss"] <= dense + e) if swept else None}
                      for e in OTHER_EPS},
    }


def magnitude_tv_distance(a: np.ndarray, b: np.ndarray, bins: int = TV_BINS) -> float:
    """Total variation distance 1/2 sum_i |p_i - q_i| between the histograms of two magnitude
    vectors: ``bins`` equal-width bins of log10 |w| over the pooled range of the non-zero
    magnitudes, plus one bin for exact zeros."""
    nonzero = np.concatenate([a[a > 0], b[b > 0]])
    edges = np.linspace(np.log10(nonzero.min()), np.log10(nonzero.max()), bins + 1)

    def histogram(x):
        counts = np.histogram(np.log10(x[x > 0]), bins=edges)[0]
        return np.append(counts, np.count_nonzero(x == 0)) / x.size

    return float(np.abs(histogram(a) - histogram(b)).sum() / 2)


def _mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return {"mean": mean, "sd": sd, "n": len(values)}


def _fmt(stat, digits=3, kind="f"):
    if stat is None:
        return "—"
    return f"{stat['mean']:.{digits}{kind}} ± {stat['sd']:.{digits - (kind == 'g')}{kind}}"


def run_folders(root: Path):
    """(folder, set name) of every run under ROOT: ``SET/s{seed}/`` (run_limit.sh), or
    ``runs/<name>/`` of a sweep folder (benchmarks/sweeps/limit-digits.toml), whose set is the
    run name without its ``seed=N`` part."""
    for folder in sorted(root.glob("*/s[0-9]*")):
        yield folder, folder.parent.name
    for folder in sorted((root / "runs").glob("*")):
        yield folder, re.sub(r"(^|,)seed=\d+", "", folder.name).strip(",")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="folder with SET/s{seed}/ run folders, or a sweep folder (runs/<name>/)")
    parser.add_argument("--out", default="benchmarks/results", help="folder for limit_runs.csv, limit_claims.json")
    args = parser.parse_args(argv)
    root, out = Path(args.root), Path(args.out)
    runs = {}
    for folder, name in run_folders(root):
        if (folder / "limit.json").is_file():
            runs.setdefault(name, []).append(analyse(folder))
    tv = {}
    for name, rows in runs.items():
        magnitudes = [np.load(Path(r["run"]) / "magnitudes.npy") for r in rows]
        tv[name] = [magnitude_tv_distance(a, b) for i, a in enumerate(magnitudes) for b in magnitudes[i + 1:]]
    if not runs:
        print(f"no finished run under {root}", file=sys.stderr)
        return 1
    sets = {}
    for name, rows in runs.items():
        sets[name] = {
            "runs": len(rows),
            "swept": rows[0]["swept"],
            "d": rows[0]["d"],
            "spectrum": rows[0]["spectrum"],
            **{key: _mean_sd([r[key] for r in rows])
               for key in ("eps", "loss_dense", "test_accuracy_dense", "trace", "negative_mass", "flat_mass",
                           "predicted_removed")},
            "actual_removed": {k: _mean_sd([r["actual_removed"][k] for r in rows]) for k in rows[0]["actual_removed"]},
            "delta": {k: _mean_sd([r["delta"][k] for r in rows]) for k in rows[0]["delta"]},
            "predicted_removed_per_run": [r["predicted_removed"] for r in rows],
            "predicted_removed_other_policy": {k: _mean_sd([r["predicted_removed_other_policy"][k] for r in rows])
                                               for k in rows[0]["predicted_removed_other_policy"]},
            "predicted_removed_weights_scaled": {k: _mean_sd([r["predicted_removed_weights_scaled"][k] for r in rows])
                                                 for k in rows[0]["predicted_removed_weights_scaled"]},
            "predicted_removed_curvature_scaled": {
                k: _mean_sd([r["predicted_removed_curvature_scaled"][k] for r in rows])
                for k in rows[0]["predicted_removed_curvature_scaled"]},
            "monotone": all(r["monotone"] for r in rows),
            "half_weight_curvature": _mean_sd([r["half_weight_curvature"] for r in rows]),
            "actual_in_band": sum(r["band_removed"][0] <= r["actual_removed"]["loss"] <= r["band_removed"][1]
                                  for r in rows if r["swept"]),
            "magnitude_tv_between_seeds": _mean_sd(tv[name]),
            "bound_holds": all(1 - r["predicted_removed"] <= r["trace_bound_kept"] + 1e-12 for r in rows),
            "other_eps": {e: {k: _mean_sd([r["other_eps"][e][k] for r in rows]) for k in ("predicted_removed",
                                                                                          "actual_removed")}
                          for e in rows[0]["other_eps"]},
        }
    out.mkdir(parents=True, exist_ok=True)
    (out / "limit_claims.json").write_text(json.dumps({"sets": sets, "runs": runs}, indent=1) + "\n")
    with open(out / "limit_runs.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["set", "run", "d", "spectrum", "eps", "loss_dense", "trace", "predicted_removed",
                         "band_low", "band_high", "actual_loss", "actual_finetuned", "actual_accuracy",
                         "predicted_removed_other_policy"])
        for name, rows in runs.items():
            for r in rows:
                actual = [r["actual_removed"].get(k) for k in ("loss", "finetuned", "accuracy")]
                writer.writerow([name, r["run"], r["d"], r["spectrum"], r["eps"], r["loss_dense"], r["trace"],
                                 r["predicted_removed"], *r["band_removed"], *actual,
                                 *r["predicted_removed_other_policy"].values()])

    print("| set | D | spectrum | eps | Tr(H) | predicted removed | actual (L <= L* + eps) | Δ | "
          "actual fine-tuned | Δ | actual (accuracy) | Δ |")
    print("|---|---:|---|---|---|---|---|---|---|---|---|---|")
    swept = {name: s for name, s in sets.items() if s["swept"]}
    for name, s in swept.items():
        a, dl = s["actual_removed"], s["delta"]
        print(f"| {name} ({s['runs']} seeds) | {s['d']} | {s['spectrum']} | {_fmt(s['eps'], 2, 'g')} | {_fmt(s['trace'], 2)} "
              f"| {_fmt(s['predicted_removed'])} | {_fmt(a['loss'])} | {_fmt(dl['loss'])} | {_fmt(a['finetuned'])} "
              f"| {_fmt(dl['finetuned'])} | {_fmt(a['accuracy'])} | {_fmt(dl['accuracy'])} |")
    print("\n| set | mass < -1e-3 max|λ| | mass within ±1e-3 max|λ| | predicted removed, abs | zero | weights x2 | x3 | x4 | x5 | "
          "curvature x1/4 | x1/2 | x2 | x4 | each run decreasing in both | bound holds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, s in sets.items():
        w, c = s["predicted_removed_weights_scaled"], s["predicted_removed_curvature_scaled"]
        other = s["predicted_removed_other_policy"]
        print(f"| {name} | {_fmt(s['negative_mass'])} | {_fmt(s['flat_mass'])} | {_fmt(s['predicted_removed'])} | "
              f"{_fmt(other.get('zero', other.get('abs')))} | "
              + " | ".join(_fmt(w[k]) for k in ("2", "3", "4", "5")) + " | "
              + " | ".join(_fmt(c[k]) for k in ("0.25", "0.5", "2", "4")) + f" | {s['monotone']} | {s['bound_holds']} |")
    print("\n| set (no pruning sweep) | D | spectrum | eps | Tr(H) | predicted removed, each run |")
    print("|---|---:|---|---|---|---|")
    for name, s in sets.items():
        if not s["swept"]:
            print(f"| {name} ({s['runs']} runs) | {s['d']} | {s['spectrum']} | {_fmt(s['eps'], 4, 'g')} | {_fmt(s['trace'], 2)} | "
                  + ", ".join(f"{v:.3f}" for v in s["predicted_removed_per_run"]) + " |")
    print("\n| set | " + " | ".join(f"eps = {e}: predicted | actual" for e in OTHER_EPS) + " |")
    print("|---|" + "---|---|" * len(OTHER_EPS))
    for name, s in swept.items():
        print(f"| {name} | " + " | ".join(f"{_fmt(s['other_eps'][str(e)]['predicted_removed'])} | "
                                         f"{_fmt(s['other_eps'][str(e)]['actual_removed'])}" for e in OTHER_EPS) + " |")
    print("\n| set | band width (removed) | actual (a) inside the band | TV distance of the magnitudes between seeds |")
    print("|---|---|---|---|")
    for name, s in sets.items():
        widths = [r["band_removed"][1] - r["band_removed"][0] for r in runs[name]]
        inside = f"{s['actual_in_band']} of {s['runs']}" if s["swept"] else "—"
        print(f"| {name} | {min(widths):.3f}–{max(widths):.3f} | {inside} | {_fmt(s['magnitude_tv_between_seeds'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
