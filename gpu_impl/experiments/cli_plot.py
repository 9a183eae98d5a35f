"""``sparsity-oracle plot``: Figure-2-style panels of pruning runs (Diao et al. 2023, Fig. 2).

Four panels against the pruning iteration t: test accuracy of the retrained weights w_t (%),
weights kept |m_t| / total (%), PQI and Gini of w_t's unmasked weights.  Runs (``OUT``
folders of ``reproduce``) whose settings differ only in the seed are one curve: the mean over
seeds, with a band from the minimum to the maximum.  Curve labels name only the settings that
differ between curves; the common ones are the figure's title.
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
    parser.add_argument("runs", nargs="+", metavar="OUT", help="output folders of reproduce")
    parser.add_argument("--output", default="pruning.png", help="PNG file to write (default pruning.png)")
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
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if not lines:
            raise ValueError(f"{path} holds no completed iteration")
        curves.setdefault(tuple(_curve_key(lines[0]).items()), []).append(lines)
    return curves


def plot_runs(folders, output, title=None) -> Path:
    """Draw the four panels for the runs in ``folders`` into the PNG ``output``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

    curves = load_runs(folders)
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


def run(args) -> int:
    try:
        output = plot_runs(args.runs, args.output, args.title)
    except (FileNotFoundError, ValueError) as error:
        print(f"sparsity-oracle plot: error: {error}", file=sys.stderr)
        return 2
    print(output)
    return 0
