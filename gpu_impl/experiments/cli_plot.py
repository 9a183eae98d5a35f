"""``sparsity-oracle plot``: Figure-2-style panels of pruning runs (Diao et al. 2023, Fig. 2).

Four panels against the pruning iteration t: test accuracy of the retrained weights w_t (%),
weights kept |m_t| / total (%), PQI and Gini of w_t's unmasked weights.  Runs (``OUT``
folders of ``reproduce``) whose settings (``config.json``) differ only in the seed are one
curve: the mean over seeds, with a band from the minimum to the maximum.  A curve is named by
its method (with the settings of its legend, e.g. SAP's p and q), model, dataset, scope and
epochs; curves that these leave alike (SAP at two eta_r, say) are told apart by the settings
in which they differ.  Curve labels name only what differs between curves; what is common is
the figure's title; the legend gives the number of seeds where a curve has several.  The
weights-kept panel is linear, or logarithmic once a curve falls below 10 %, and labels each
curve's last value.

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
from .run_files import create_folder, read_json, read_jsonl

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
                        help="image to write (default pruning.png; for one sweep folder: its figures/; "
                             ".png is added to a name without suffix)")
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
    lines = read_jsonl(path)
    if not lines:
        raise ValueError(f"{path} holds no completed iteration")
    return lines


def _settings(folder) -> dict:
    """The run's settings but the seed (``config.json``; empty for a folder without one)."""
    path = Path(folder) / "config.json"
    settings = read_json(path).get("settings", {}) if path.is_file() else {}
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
        base = tuple(_curve_key(lines[0]).items())
        groups.setdefault((base, json.dumps(settings, sort_keys=True)), (base, settings, []))[2].append(lines)
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


#: Line styles of the curves in drawing order: the first curves are drawn thickest and solid,
#: later ones thinner, dashed and with other markers on top, so curves that coincide (Lottery
#: ticket and One-shot keep the same fraction) still show every colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DASHES = ("-", "--", "-.", ":")


def curve_style(k: int) -> dict:
    """Matplotlib line options of the k-th curve (``MARKERS``, ``DASHES``)."""
    return {"marker": MARKERS[k % len(MARKERS)], "linestyle": DASHES[k % len(DASHES)],
            "linewidth": max(0.8, 2.6 - 0.4 * k), "markersize": max(3.0, 6.0 - 0.5 * k)}


def seeds_note(seeds: int, any_several: bool) -> str:
    """``, 4 seeds`` after a curve's label, where some curve averages several seeds."""
    return f", {seeds} seed{'s' if seeds > 1 else ''}" if any_several else ""


def output_path(output) -> Path:
    """The file ``--output`` names: ``.png`` added to a name without suffix; ``ValueError`` for
    a suffix matplotlib cannot write."""
    from matplotlib.backend_bases import FigureCanvasBase

    output = Path(output)
    if not output.suffix:
        return output.with_name(output.name + ".png")
    formats = FigureCanvasBase.get_supported_filetypes()
    if output.suffix[1:].lower() not in formats:
        raise ValueError(f"--output {output}: cannot write a {output.suffix} image; use .png (or one of "
                         f"{', '.join('.' + f for f in sorted(formats))})")
    return output


def plot_runs(folders, output, title=None) -> Path:
    """Draw the four panels for the runs in ``folders`` into the image ``output``
    (``output_path``); return the path written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

    output = output_path(output)
    curves = load_runs(folders)
    if not curves:
        raise ValueError("no run to draw")
    keys = list(curves)
    varying = [i for i in range(len(keys[0])) if len({k[i][1] for k in keys}) > 1]
    common = [v for i, (_, v) in enumerate(keys[0]) if i not in varying]
    several = any(len(runs) > 1 for runs in curves.values())
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    last_kept = {}  # the kept panel's last values, labelled at the curves' ends
    for k, (key, runs) in enumerate(curves.items()):
        label = (", ".join(key[i][1] for i in varying) or key[0][1]) + seeds_note(len(runs), several)
        length = min(len(lines) for lines in runs)
        t = np.arange(length)
        for ax, (field, _, scale) in zip(axes, PANELS):
            values = np.array(
                [[np.nan if r[field] is None else r[field] * scale for r in lines[:length]] for lines in runs]
            )
            mean = np.nanmean(values, axis=0)
            (line,) = ax.plot(t, mean, label=label, **curve_style(k))
            if len(runs) > 1:
                ax.fill_between(t, np.nanmin(values, 0), np.nanmax(values, 0), color=line.get_color(), alpha=0.2)
            if field == "kept_fraction":
                last_kept.setdefault(f"{mean[-1]:.3g} %", (t[-1], mean[-1], line.get_color()))
    for ax, (_, ylabel, _) in zip(axes, PANELS):
        ax.set_xlabel("pruning iteration t")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    kept = axes[1]
    if min(y for _, y, _ in last_kept.values()) < 10:  # below 10 %: a log scale keeps the tail readable
        kept.set_yscale("log")
        kept.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        kept.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        kept.yaxis.set_minor_formatter(NullFormatter())
    for text, (x, y, color) in last_kept.items():
        kept.annotate(text, (x, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=8, color=color,
                      annotation_clip=False)
    axes[0].legend(fontsize=8)
    fig.suptitle(title or ", ".join(common))
    fig.tight_layout()
    create_folder(output.parent, f"--output {output}")
    try:
        fig.savefig(output, dpi=110)
    finally:
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
        lines = read_jsonl(results) if results.is_file() else []
        if lines and "iteration" in lines[0]:
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
    except OSError as error:
        print(f"sparsity-oracle plot: error: cannot write {args.output or 'the figure'}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    for output in outputs:
        print(output)
    return 0
