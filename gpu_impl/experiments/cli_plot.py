"""``sparsity-oracle plot``: panels of pruning runs.

Iterative runs (SAP, Lottery ticket, One-shot): Figure-2-style panels (Diao et al. 2023, Fig. 2),
four against the pruning iteration t: test accuracy of the retrained weights w_t (%), weights
kept |m_t| / total (%), PQI and Gini of w_t's unmasked weights.

One-shot runs (PSO and its baselines, contract §10): the slides' Figure 3 at this scale, test
accuracy against the density (fraction of weights kept, log scale, sparser to the right) before
and after fine-tuning, the dense accuracy as a dashed line; and, when PSO runs are among them,
the entries regrown at each Euler step (``ode_{rho}.jsonl``), one line per density.

Runs (``OUT`` folders of ``reproduce``) whose settings (``config.json``) differ only in the seed
are one curve: the mean over seeds, with a band from the minimum to the maximum.  A curve is
named by its method (with the settings of its legend, e.g. SAP's p and q), model, dataset,
scope and epochs (one-shot: and fine-tuning epochs); curves that these leave alike (SAP at two
eta_r, say) are told apart by the settings in which they differ.  Curve labels name only what
differs between curves; what is common is the figure's title; the legend gives the number of
seeds where a curve has several.  Iterative and one-shot runs are not mixed in one figure.  The
weights-kept panel is linear, or logarithmic once a curve falls below 10 %, and labels each
curve's last value.

A sweep folder (``sparsity-oracle sweep --out DIR``, contract §12: its runs in ``DIR/runs/``)
stands for its runs; ``plot DIR`` alone draws the sweep's figures, one per kind of run, dataset
and model, into ``DIR/figures/`` (``plot_sweep``), as the sweep itself does when it ends.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .methods import METHODS
from .oneshot_config import density_name
from .run_files import create_folder, read_json, read_jsonl

HELP = ("Plot reproduce runs (PNG): iterative: accuracy, weights kept, PQI, Gini vs iteration; "
        "one-shot: accuracy vs density and PSO's regrown entries per Euler step.")

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


def is_oneshot(lines: list[dict]) -> bool:
    """Whether results lines come from a one-shot run (one line per density)."""
    return "density" in lines[0]


def _curve_key(first: dict) -> dict:
    entry = METHODS.get(first["method"])
    method = entry.label if entry else first["method"]
    if entry and entry.legend:
        method += " (" + ", ".join(f"{k}={first[k]:g}" for k in entry.legend) + ")"
    key = {
        "method": method,
        "model": first["model"],
        "dataset": first["dataset"],
        "scope": f"{first['scope']} scope",
        "epochs": f"E={first['epochs']}",
    }
    if is_oneshot([first]):
        key["finetune"] = f"fine-tune {first['finetune_epochs']} epochs"
    return key


class _Run(list):
    """A run's results lines, and its folder."""

    folder: Path


def _read_results(folder) -> _Run:
    path = Path(folder) / "results.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: is {folder} an output folder of reproduce?")
    lines = _Run(read_jsonl(path))
    if not lines:
        raise ValueError(f"{path} holds no completed iteration or density")
    lines.folder = Path(folder)
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
    the order of their first run; each run's folder is ``lines.folder`` (a list subclass).  Runs
    with equal settings but the seed share a curve; the key is ``_curve_key``'s items, plus,
    where that leaves distinct curves alike, one item for each setting in which such curves
    differ (the same items on every key).  ValueError for iterative and one-shot runs together."""
    groups, kinds = {}, set()
    for folder in folders:
        lines = _read_results(folder)
        kinds.add(is_oneshot(lines))
        settings = _settings(folder)
        base = tuple(_curve_key(lines[0]).items())
        groups.setdefault((base, json.dumps(settings, sort_keys=True)), (base, settings, []))[2].append(lines)
    if len(kinds) > 1:
        raise ValueError("cannot plot iterative and one-shot runs in one figure: pass one kind")
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
    if is_oneshot(next(iter(curves.values()))[0]):
        return _plot_oneshot(curves, varying, title or ", ".join(common), output)
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
    return _save(fig, title or ", ".join(common), output)


def _save(fig, title: str, output) -> Path:
    """Title, lay out and write ``fig`` to the PNG ``output`` (its folder created); close it."""
    import matplotlib.pyplot as plt

    fig.suptitle(title)
    fig.tight_layout()
    create_folder(output.parent, f"--output {output}")
    try:
        fig.savefig(output, dpi=110)
    finally:
        plt.close(fig)
    return output


ONESHOT_PANELS = (
    ("accuracy_pruned", "test accuracy, pruned (%)"),
    ("accuracy_finetuned", "test accuracy, fine-tuned (%)"),
)


def _read_ode(folder: Path, density: float) -> list[int]:
    path = folder / f"ode_{density_name(density)}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (a PSO run writes one per density)")
    return [line["regrown"] for line in read_jsonl(path)]


def _plot_oneshot(curves: dict, varying: list[int], title: str, output) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    regrowing = {key: runs for key, runs in curves.items() if any("ode_steps" in lines[0] for lines in runs)}
    fig, axes = plt.subplots(1, 3 if regrowing else 2, figsize=(18 if regrowing else 12, 4.4))
    all_densities, dense = set(), []
    for key, runs in curves.items():
        label = ", ".join(key[i][1] for i in varying) or key[0][1]
        densities = sorted(set.intersection(*({r["density"] for r in lines} for lines in runs)), reverse=True)
        all_densities.update(densities)
        x = 100 * np.array(densities)
        for ax, (field, _) in zip(axes, ONESHOT_PANELS):
            values = np.array([[next(r for r in lines if r["density"] == rho)[field] * 100 for rho in densities]
                               for lines in runs])
            (line,) = ax.plot(x, values.mean(0), marker="o", ms=4, label=f"{label} ({len(runs)} runs)")
            if len(runs) > 1:
                ax.fill_between(x, values.min(0), values.max(0), color=line.get_color(), alpha=0.2)
        dense += [lines[0]["accuracy_dense"] * 100 for lines in runs]
    for ax, (_, ylabel) in zip(axes, ONESHOT_PANELS):
        ax.axhline(np.mean(dense), color="black", ls="--", lw=1, label=f"dense ({np.mean(dense):.1f} %)")
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(sorted(100 * np.array(list(all_densities)))))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.invert_xaxis()
        ax.set_xlabel("weights kept (%), log scale")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    if regrowing:
        ax = axes[2]
        for key, runs in regrowing.items():
            label = ", ".join(key[i][1] for i in varying) or key[0][1]
            densities = sorted(set.intersection(*({r["density"] for r in lines} for lines in runs)), reverse=True)
            for rho in densities:
                counts = np.array([_read_ode(lines.folder, rho) for lines in runs], dtype=float)
                ax.plot(np.arange(counts.shape[1]), counts.mean(0), lw=1,
                        label=f"{label + ', ' if len(regrowing) > 1 else ''}density {rho:g}")
        ax.set_xlabel("Euler step k")
        ax.set_ylabel("entries regrown at step k (mean over seeds)")
        ax.set_title("PSO: implicit mask regrowing", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, title, output)


def is_sweep(folder) -> bool:
    """Whether ``folder`` is a sweep's output folder (it holds ``runs/``, no results of its own)."""
    folder = Path(folder)
    return (folder / "runs").is_dir() and not (folder / "results.jsonl").exists()


def sweep_runs(folder) -> list[Path]:
    """The run folders of a sweep folder with results of ``reproduce`` (per iteration, or per
    density for the one-shot methods; runs of other commands are not drawn here), in name order."""
    runs = []
    for run in sorted(p for p in (Path(folder) / "runs").iterdir() if p.is_dir()):
        results = run / "results.jsonl"
        lines = read_jsonl(results) if results.is_file() else []
        if lines and {"iteration", "density"} & lines[0].keys():
            runs.append(run)
    return runs


def plot_sweep(folder, runs=None, title=None) -> list[Path]:
    """The figures of a sweep: its runs (``runs``, default ``sweep_runs(folder)``) drawn by
    ``plot_runs``, one figure per kind of run, dataset and model: iterative runs in
    ``folder/figures/pruning-<dataset>-<model>.png``, one-shot runs in ``oneshot-<dataset>-<model>.png``."""
    figures = {}
    for run in sweep_runs(folder) if runs is None else runs:
        lines = _read_results(run)
        kind = "oneshot" if is_oneshot(lines) else "pruning"
        figures.setdefault((kind, lines[0]["dataset"], lines[0]["model"]), []).append(run)
    return [plot_runs(members, Path(folder) / "figures" / f"{kind}-{dataset}-{model}.png", title)
            for (kind, dataset, model), members in figures.items()]


def run(args) -> int:
    try:
        if len(args.runs) == 1 and args.output is None and is_sweep(args.runs[0]):
            outputs = plot_sweep(args.runs[0], title=args.title)
            if not outputs:
                raise ValueError(f"{args.runs[0]}: no run with results of reproduce in its runs/")
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
