"""``sparsity-oracle plot``: Figure-2-style panels of pruning runs (Diao et al. 2023, Fig. 2).

Four panels against the pruning iteration t: test accuracy of the retrained weights w_t (%),
weights kept |m_t| / total (%), PQI and Gini of w_t's unmasked weights.  Runs (``OUT``
folders of ``reproduce``) whose settings (``config.json``) differ only in the seed are one
curve: the mean over seeds, with a band from the minimum to the maximum.  A curve is named by
its method (with the settings of its legend, e.g. SAP's p and q), model, dataset, scope and
epochs; curves that these leave alike (SAP at two eta_r, say) are told apart by the settings
in which they differ.  Curve labels name only what differs between curves; what is common is
the figure's title.

A sweep folder (``sparsity-oracle sweep --out DIR``, SPEC §12: its runs in ``DIR/runs/``)
stands for its runs; ``plot DIR`` alone draws the sweep's figures, one per dataset and model,
into ``DIR/figures/`` (``plot_sweep``), as the sweep itself does when it ends.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .methods import METHODS

HELP = "Plot accuracy, fraction of weights kept, PQI and Gini vs iteration of reproduce runs (PNG)."

PANELS = (
    ("accuracy_retrained", "test accuracy of $w_t$ (%)", 100.0),
    ("kept_fraction", "weights kept (%)", 100.0),
    ("pqi", "PQI of $w_t$", 1.0),
    ("gini", "Gini of $w_t$", 1.0),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", metavar="OUT",
                        help="output folders of reproduce, or sweep folders (their runs)")
    parser.add_argument("--output", default=None,
                        help="PNG file to write (default pruning.png; for one sweep folder: its figures/)")
    parser.add_argument("--title", default=None, help="figure title (default: the common settings)")


def _curve_key(first: dict) -> dict:
    entry = METHODS.get(first["method"])
    method = entry.label if entry else first["method"]
    if entry and entry.legend:
        method += " (" + ", ".join(f"{k}={first[k]:g}" for k in entry.legend) + ")"
    return {
        "method": method,
        "model": first["model"],
        "dataset": first["dataset"],
        "scope": f"{first['scope']} scope",
        "epochs": f"E={first['epochs']}",
    }


def _read_results(folder) -> list[dict]:
    path = Path(folder) / "results.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: is {folder} an output folder of reproduce?")
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"{path} holds no completed iteration")
    return lines


def _settings(folder) -> dict:
    """The run's settings but the seed (``config.json``; empty for a folder without one)."""
    path = Path(folder) / "config.json"
    settings = json.loads(path.read_text()).get("settings", {}) if path.is_file() else {}
    return {k: v for k, v in settings.items() if k != "seed"}


def _shown(name: str, value) -> str:
    return f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"


def load_runs(folders) -> dict:
    """{curve key (tuple of (name, shown value) items): [results lines of each run]}, curves in
    the order of their first run.  Runs with equal settings but the seed share a curve; the key
    is ``_curve_key``'s items, plus, where that leaves distinct curves alike, one item for each
    setting in which such curves differ (the same items on every key)."""
    groups = {}
    for folder in folders:
        lines = _read_results(folder)
        settings = _settings(folder)
        group = groups.setdefault(json.dumps(settings, sort_keys=True), (tuple(_curve_key(lines[0]).items()), settings, []))
        group[2].append(lines)
    extra = []
    for base, settings, _ in groups.values():
        for other_base, other, _ in groups.values():
            if other_base == base:
                extra.extend(k for k in {**settings, **other}
                             if settings.get(k) != other.get(k) and k not in extra)
    return {
        base + tuple((name, _shown(name, settings.get(name))) for name in extra): runs
        for base, settings, runs in groups.values()
    }


def plot_runs(folders, output, title=None) -> Path:
    """Draw the four panels for the runs in ``folders`` into the PNG ``output``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

    curves = load_runs(folders)
    if not curves:
        raise ValueError("no run to draw")
    keys = list(curves)
    varying = [i for i in range(len(keys[0])) if len({k[i][1] for k in keys}) > 1]
    common = [v for i, (_, v) in enumerate(keys[0]) if i not in varying]
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for key, runs in curves.items():
        label = ", ".join(key[i][1] for i in varying) or key[0][1]
        length = min(len(lines) for lines in runs)
        t = np.arange(length)
        for ax, (field, _, scale) in zip(axes, PANELS):
            values = np.array(
                [[np.nan if r[field] is None else r[field] * scale for r in lines[:length]] for lines in runs]
            )
            (line,) = ax.plot(t, np.nanmean(values, axis=0), marker="o", ms=3, label=f"{label} ({len(runs)} runs)")
            if len(runs) > 1:
                ax.fill_between(t, np.nanmin(values, 0), np.nanmax(values, 0), color=line.get_color(), alpha=0.2)
    for ax, (_, ylabel, _) in zip(axes, PANELS):
        ax.set_xlabel("pruning iteration t")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].set_yscale("log")
    axes[1].yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    axes[1].yaxis.set_major_formatter(FormatStrFormatter("%g"))
    axes[1].yaxis.set_minor_formatter(NullFormatter())
    axes[0].legend(fontsize=8)
    fig.suptitle(title or ", ".join(common))
    fig.tight_layout()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=110)
    plt.close(fig)
    return output


def is_sweep(folder) -> bool:
    """Whether ``folder`` is a sweep's output folder (it holds ``runs/``, no results of its own)."""
    folder = Path(folder)
    return (folder / "runs").is_dir() and not (folder / "results.jsonl").exists()


def sweep_runs(folder) -> list[Path]:
    """The run folders of a sweep folder whose results are per iteration (reproduce's pruning
    runs; runs of other kinds are not drawn here), in name order."""
    runs = []
    for run in sorted(p for p in (Path(folder) / "runs").iterdir() if p.is_dir()):
        results = run / "results.jsonl"
        first = results.read_text().partition("\n")[0] if results.is_file() else ""
        if first.strip() and "iteration" in json.loads(first):
            runs.append(run)
    return runs


def plot_sweep(folder, runs=None, title=None) -> list[Path]:
    """The figures of a sweep: its runs (``runs``, default ``sweep_runs(folder)``) drawn by
    ``plot_runs``, one figure per dataset and model, ``folder/figures/pruning-<dataset>-<model>.png``."""
    figures = {}
    for run in sweep_runs(folder) if runs is None else runs:
        first = _read_results(run)[0]
        figures.setdefault((first["dataset"], first["model"]), []).append(run)
    return [plot_runs(members, Path(folder) / "figures" / f"pruning-{dataset}-{model}.png", title)
            for (dataset, model), members in figures.items()]


def run(args) -> int:
    try:
        if len(args.runs) == 1 and args.output is None and is_sweep(args.runs[0]):
            outputs = plot_sweep(args.runs[0], title=args.title)
            if not outputs:
                raise ValueError(f"{args.runs[0]}: no run with per-iteration results in its runs/")
        else:
            folders = [run for folder in args.runs for run in (sweep_runs(folder) if is_sweep(folder) else [folder])]
            outputs = [plot_runs(folders, args.output or "pruning.png", args.title)]
    except (FileNotFoundError, ValueError) as error:
        print(f"sparsity-oracle plot: error: {error}", file=sys.stderr)
        return 2
    for output in outputs:
        print(output)
    return 0
