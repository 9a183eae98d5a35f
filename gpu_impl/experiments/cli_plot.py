"""``sparsity-oracle plot``: Figure-2-style panels of pruning runs (Diao et al. 2023, Fig. 2).

Four panels against the pruning iteration t: test accuracy of the retrained weights w_t (%),
weights kept |m_t| / total (%), PQI and Gini of w_t's unmasked weights.  Runs (``OUT``
folders of ``reproduce``) whose settings differ only in the seed are one curve: the mean over
seeds, with a band from the minimum to the maximum (the legend gives the number of seeds where
a curve has several).  Curve labels name only the settings that differ between curves; the
common ones are the figure's title.  The weights-kept panel is linear, or logarithmic once a
curve falls below 10 %, and labels each curve's last value.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .methods import METHODS
from .run_files import create_folder, read_jsonl

HELP = "Plot accuracy, fraction of weights kept, PQI and Gini vs iteration of reproduce runs (PNG)."

PANELS = (
    ("accuracy_retrained", "test accuracy of $w_t$ (%)", 100.0),
    ("kept_fraction", "weights kept (%)", 100.0),
    ("pqi", "PQI of $w_t$", 1.0),
    ("gini", "Gini of $w_t$", 1.0),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", metavar="OUT", help="output folders of reproduce")
    parser.add_argument("--output", default="pruning.png",
                        help="image to write (default %(default)s; .png is added to a name without suffix)")
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


def load_runs(folders) -> dict:
    """{curve key (tuple of items): [results lines of each run]}, in the order given."""
    curves = {}
    for folder in folders:
        path = Path(folder) / "results.jsonl"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: is {folder} an output folder of reproduce?")
        lines = read_jsonl(path)
        if not lines:
            raise ValueError(f"{path} holds no completed iteration")
        curves.setdefault(tuple(_curve_key(lines[0]).items()), []).append(lines)
    return curves


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


def run(args) -> int:
    try:
        output = plot_runs(args.runs, args.output, args.title)
    except (FileNotFoundError, ValueError) as error:
        print(f"sparsity-oracle plot: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"sparsity-oracle plot: error: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(output)
    return 0
