r"""``sparsity-oracle pqi``: PQI, Gini, PQI-bounds and SAP prune counts of a checkpoint (contract §6).

    sparsity-oracle pqi PATH [--p P] [--q Q] [--scope global|layer|neuron]
                             [--eta-r E] [--gamma G] [--beta B] [--dps N]
                             [--include PATTERN]... [--exclude PATTERN]...
                             [--certified | --fast] [--device auto|cpu|cuda]
                             [--json | --csv [--per-group]] [--plot FILE.png]
    sparsity-oracle pqi --example OUT.npz

PATH: a folder or ``*.index.json`` of a sharded checkpoint (``save_pretrained``'s layout), or one
``.safetensors``, ``.pt``/``.pth``/``.bin``, ``.npz`` or ``.npy`` file (``sparsity_oracle.weights_io``);
bfloat16, float16, float32 and float64 tensors.  Reported: the prunable tensors (floating,
ndim >= 2, contract §6) whose names match an ``--include`` glob pattern (all, if none is given)
and no ``--exclude`` pattern (``fnmatch``: ``--include '*mlp*' --exclude '*embed*'``); the
others are listed as skipped.  Every entry counts as unmasked (a file holds no masks).

Per tensor and for all of them together ("global"): the entry count, the PQ Index
I_{p,q} = 1 - d^{1/q-1/p} ||w||_p/||w||_q and the Gini index (null / "-" for an all-zero
tensor).  SAP groups follow ``--scope`` (default ``layer``): for each group the PQI-bound r_t
and the SAP count c_t = floor(d_t min(gamma (1 - r_t/d_t), beta)).  A row reports the number
of groups it covers (``groups``), the sum of their PQI-bounds (``pqi_bound``; over the groups
with a non-zero entry; null if none) and of their counts (``prune``).  With ``--scope global``
the only group is the global row's, so tensor rows carry ``groups`` 0 and null bound/count;
with ``neuron`` a tensor row sums over its neurons (rows along axis 0).

Two paths (``sparsity_oracle.pqi_compute``):

* certified (``--certified``; the default up to ``AUTO_CERTIFIED_ENTRIES`` prunable entries):
  the mpmath reference, reals correct to ``--dps`` significant digits (default 20), counts
  exact; every selected tensor is held in memory;
* fast (``--fast``; the default above that, or when ``--device`` is given): gpu_impl (torch)
  on ``--device`` (``auto``: CUDA when available), streamed one block of rows at a time, reals
  in float64 (within the oracle's float64 error budgets of the reference values; neuron rows
  within the float32 ones), counts exact unless the real lies within float64 rounding of an
  integer.  Peak memory: the largest tensor plus about 0.5 GiB at most (a .safetensors tensor
  is read in 32 MiB blocks into four reused buffers, so bfloat16/float16 safetensors
  checkpoints need that fixed amount only; torch maps a .pt/.bin file whole, and its pages
  once read count as resident, though the kernel can reclaim them); float32/float64 tensors
  add their sorted distinct magnitudes (up to 3x the largest such tensor).

Numbers: p, q, eta_r, gamma and beta are read as exact decimals or fractions ("0.1" is 1/10,
"1/3" is one third), unlike the Python API, where a float is its binary value.  The table
shows 6 digits.

JSON (``--json``), reals as decimal strings (``dps`` digits, or a float64's shortest repr on
the fast path, where ``dps`` is null), exact integers as ints::

    {"file": str, "p": str, "q": str, "eta_r": str, "gamma": str, "beta": str,
     "scope": str, "dps": int|null, "method": "certified"|"fast", "device": str|null,
     "tensors": [{"name": str, "shape": [int], "entries": int, "pqi": str|null,
                  "gini": str|null, "groups": int, "pqi_bound": str|null, "prune": int|null}],
     "global": {... the same keys, "name": "(global)", "shape": null ...},
     "skipped": [str], "notes": [str]}

CSV (``--csv``): the columns ``tensor, neuron, shape, entries, pqi, gini, groups, pqi_bound,
prune``, one row per tensor and the global row; with ``--scope neuron --per-group`` each tensor
row is followed by one row per neuron (``neuron`` = its index, ``groups`` 1).  ``--plot FILE``
draws PQI and Gini per tensor along the depth of the network (the layer number in the names).
A progress bar over the bytes read goes to stderr when it is a terminal.

Exit status 0; 2 with one ``sparsity-oracle pqi: error: ...`` line on stderr for a file that
cannot be read (naming the file and tensor: corrupt, a shard missing, a NaN or inf weight, an
empty tensor), no prunable tensor, or invalid parameters.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np

from .gpu_impl import unavailable
from .pqi_compute import certified_report, fast_report
from .reference import MAX_DPS, SCOPES, sap_parameters
from .weights_io import PRUNABLE_DTYPES, is_prunable, open_checkpoint

HELP = (
    "PQI, Gini and SAP prune counts of a checkpoint (a sharded safetensors folder or index, "
    ".safetensors/.pt/.bin/.npz/.npy), read one tensor at a time; --example OUT.npz writes a file to try it on."
)

#: Up to this many prunable entries the default path is the certified one.
AUTO_CERTIFIED_ENTRIES = 10**6
#: Skipped names printed under the table before "... and N more".
_SKIPPED_SHOWN = 12


class _Exact(Fraction):
    """An exact parameter (decimal or fraction) that prints as the user typed it, so that an
    error message quotes the user's text (``p must be > 0, got p=0``)."""

    def __new__(cls, text: str):
        self = super().__new__(cls, text)
        self.text = text
        return self

    def __repr__(self) -> str:
        return self.text


def _exact(text: str) -> Fraction:
    """Argparse type: a decimal or fraction string read exactly."""
    try:
        return _Exact(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _digits(text: str) -> int:
    """Argparse type: a number of digits from 1 to ``reference.MAX_DPS``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_DPS:
        raise argparse.ArgumentTypeError(f"dps must be an integer from 1 to {MAX_DPS}, got {text!r}")
    return value


def add_arguments(parser) -> None:
    parser.add_argument(
        "path", nargs="?", metavar="PATH",
        help="checkpoint folder or *.index.json (sharded safetensors), or a .safetensors, .pt, .pth, "
             ".bin, .npz or .npy file",
    )
    parser.add_argument("--p", type=_exact, default="0.5", help="PQI exponent p (default 0.5)")
    parser.add_argument("--q", type=_exact, default="1", help="PQI exponent q > p (default 1)")
    parser.add_argument("--scope", choices=SCOPES, default="layer",
                        help="SAP pruning groups (default layer)")
    parser.add_argument("--eta-r", type=_exact, default="0", help="SAP eta_r >= 0 (default 0)")
    parser.add_argument("--gamma", type=_exact, default="1", help="SAP gamma > 0 (default 1)")
    parser.add_argument("--beta", type=_exact, default="0.9", help="SAP beta in (0, 1] (default 0.9)")
    parser.add_argument("--dps", type=_digits, default=20,
                        help=f"significant digits of the reals on the certified path, at most {MAX_DPS} "
                             "(default 20)")
    parser.add_argument("--include", action="append", default=[], metavar="PATTERN",
                        help="report only prunable tensors whose name matches this glob (repeatable)")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="leave out tensors whose name matches this glob (repeatable)")
    path = parser.add_mutually_exclusive_group()
    path.add_argument("--certified", action="store_true",
                      help="the mpmath reference: --dps correct digits, everything in memory "
                           f"(default up to {AUTO_CERTIFIED_ENTRIES:.0e} prunable entries)")
    path.add_argument("--fast", action="store_true",
                      help="gpu_impl (torch), float64, one tensor at a time in 32 MiB blocks (default for "
                           "larger inputs).  Peak memory: the largest tensor plus about 0.5 GiB at most "
                           "(.safetensors: four 32 MiB read buffers, whatever the tensor size; .npz: one "
                           "tensor loaded at a time; .pt/.bin: torch maps the whole file and pages once "
                           "read count as resident, reclaimable), and for float32/float64 tensors their "
                           "sorted distinct magnitudes (up to 3x the largest such tensor)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"),
                        help="device of the fast path (default auto: cuda when available); implies --fast")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON instead of a table")
    output.add_argument("--csv", action="store_true", help="print CSV, one row per tensor")
    parser.add_argument("--per-group", action="store_true",
                        help="with --csv --scope neuron: also one CSV row per neuron")
    parser.add_argument("--plot", metavar="FILE.png", help="write PQI and Gini per layer along the depth to FILE")
    parser.add_argument("--example", metavar="OUT.npz",
                        help="write a small deterministic example weights file to OUT.npz and exit")


def write_example(path) -> None:
    """A small deterministic weights file: conv and linear layers, one with many zeros."""
    if Path(path).suffix != ".npz":
        raise ValueError(f"--example writes a .npz file, got {str(path)!r}")
    rng = np.random.default_rng(20230206)
    np.savez(
        path,
        **{
            "conv1.weight": rng.standard_normal((4, 1, 3, 3)),
            "conv1.bias": rng.standard_normal(4),
            "fc1.weight": rng.laplace(size=(8, 36)) * (rng.random((8, 36)) < 0.5),
            "fc2.weight": rng.standard_normal((3, 8)).astype(np.float32),
        },
    )


def select(entries, include, exclude):
    """(reported entries, skipped names): prunable, matching an include pattern (if any) and no
    exclude pattern."""
    def matches(name, patterns):
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)

    chosen = [e for e in entries if is_prunable(e) and (not include or matches(e.name, include))
              and not matches(e.name, exclude)]
    taken = {e.name for e in chosen}
    return chosen, [e.name for e in entries if e.name not in taken]


# --- rendering -----------------------------------------------------------------------------


def _decimal(value, digits=None):
    """A real as a decimal string: mpf with ``digits`` digits, a float as its shortest repr."""
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value) if digits is None else mpmath.nstr(mpmath.mpf(value), digits)
    return mpmath.nstr(value, digits)


_REALS = ("pqi", "gini", "pqi_bound")


def _as_json(report, args, method, device, skipped) -> dict:
    digits = args.dps if method == "certified" else None

    def row(r):
        return {**r, **{k: _decimal(r[k], digits) for k in _REALS}}

    params = {k: str(getattr(args, k)) for k in ("p", "q", "eta_r", "gamma", "beta")}
    return {
        "file": str(args.path),
        **params,
        "scope": args.scope,
        "dps": digits,
        "method": method,
        "device": device,
        "tensors": [row(r) for r in report.tensors],
        "global": row(report.whole),
        "skipped": skipped,
        "notes": report.notes,
    }


_CSV_COLUMNS = ("tensor", "neuron", "shape", "entries", "pqi", "gini", "groups", "pqi_bound", "prune")


def _write_csv(report, args, method, out) -> None:
    digits = args.dps if method == "certified" else None
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)

    def cells(name, neuron, shape, entries, values, groups, prune):
        pqi, gini, bound = ("" if values[k] is None else _decimal(values[k], digits) for k in _REALS)
        shape = "x".join(map(str, shape)) if shape is not None else ""
        return [name, neuron, shape, entries, pqi, gini, groups, bound, "" if prune is None else prune]

    for row in report.tensors:
        writer.writerow(cells(row["name"], "", row["shape"], row["entries"], row, row["groups"], row["prune"]))
        neurons = report.neurons.get(row["name"])
        if neurons is None:
            continue
        shape = row["shape"][1:]
        entries = row["entries"] // row["shape"][0]
        for i, prune in enumerate(neurons.prune):
            values = {"pqi": neurons.pqi[i], "gini": neurons.gini[i], "pqi_bound": neurons.pqi_bound[i]}
            writer.writerow(cells(row["name"], i, shape, entries, values, 1, prune))
    whole = report.whole
    writer.writerow(cells(whole["name"], "", None, whole["entries"], whole, whole["groups"], whole["prune"]))


_COLUMNS = (
    ("tensor", "name"),
    ("shape", "shape"),
    ("entries", "entries"),
    ("PQI", "pqi"),
    ("Gini", "gini"),
    ("groups", "groups"),
    ("PQI-bound", "pqi_bound"),
    ("SAP prune", "prune"),
)


def _as_table(report, args, method, device, skipped) -> str:
    def cell(r, key):
        value = r[key]
        if value is None:
            return "-"
        if key == "shape":
            return "x".join(map(str, value))
        if key in _REALS:
            return _decimal(value, 6)
        return str(value)

    lines = [[title for title, _ in _COLUMNS]]
    lines += [[cell(r, key) for _, key in _COLUMNS] for r in [*report.tensors, report.whole]]
    widths = [max(len(line[j]) for line in lines) for j in range(len(_COLUMNS))]
    text = [
        "  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths)))
        for line in lines
    ]
    how = f"certified, {args.dps} digits" if method == "certified" else f"fast, float64, {device}"
    header = (
        f"{args.path}: p={args.p} q={args.q} scope={args.scope} "
        f"eta_r={args.eta_r} gamma={args.gamma} beta={args.beta} ({how})"
    )
    footer = []
    if skipped:
        shown = ", ".join(skipped[:_SKIPPED_SHOWN])
        more = f" and {len(skipped) - _SKIPPED_SHOWN} more" if len(skipped) > _SKIPPED_SHOWN else ""
        footer.append(f"skipped (not prunable or filtered out): {shown}{more}")
    footer += [f"note: {note}" for note in report.notes]
    return "\n".join([header, *text[:1], "-" * len(text[0]), *text[1:], *footer])


#: Words of unnumbered tensor names that sit after the numbered layers (output layers).
_HEAD_WORDS = ("head", "classifier", "output", "score")


def _depth(names):
    """Per name (in storage order): (x position along the depth, series label).  x is the first
    all-digit component of the dotted name (the layer number) and the series the name with it
    replaced by '*'; a name without one sits one step after the numbered layers if it names an
    output layer (``_HEAD_WORDS``: ``lm_head``, ``classifier``, ...) or comes after them in
    storage order, else one step before them (embeddings, stems)."""
    numbers = [next((int(part) for part in name.split(".") if part.isdigit()), None) for name in names]
    known = [n for n in numbers if n is not None]
    if not known:
        return [(i, "tensors") for i in range(len(names))]
    out, seen_numbered = [], False
    for name, number in zip(names, numbers):
        if number is None:
            head = seen_numbered or any(word in name.lower() for word in _HEAD_WORDS)
            out.append((max(known) + 1 if head else min(known) - 1, name))
            continue
        seen_numbered = True
        parts = name.split(".")
        parts[parts.index(str(number))] = "*"
        out.append((number, ".".join(parts)))
    return out


def write_plot(report, entries, path, *, title: str, pqi_label: str) -> None:
    """PQI and Gini of each tensor along the depth (``_depth`` of the ``entries`` in storage
    order), one line per kind of tensor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    by_name = {row["name"]: row for row in report.tensors}
    rows = [by_name[entry.name] for entry in sorted(entries, key=lambda e: e.location)]
    series: dict[str, list] = {}
    for (x, label), row in zip(_depth([r["name"] for r in rows]), rows):
        series.setdefault(label, []).append((x, row))
    numbered = any("*" in label for label in series)
    figure, axes = plt.subplots(2, 1, sharex=True, figsize=(11, 7), constrained_layout=True)
    for axis, key, name in ((axes[0], "pqi", pqi_label), (axes[1], "gini", "Gini")):
        for label, points in series.items():
            shown = [(x, float(r[key])) for x, r in points if r[key] is not None]
            axis.plot([x for x, _ in shown], [y for _, y in shown], marker="o", markersize=3,
                      linewidth=1, label=label)
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].set_xlabel("layer (the number in the tensor names)" if numbered else "tensor (checkpoint order)")
    axes[0].set_title(title, fontsize=9)
    if len(series) <= 20:
        axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.savefig(path, dpi=120)
    plt.close(figure)


# --- the command ---------------------------------------------------------------------------


def _fail(message: str) -> int:
    print(f"sparsity-oracle pqi: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


class _Progress:
    """A progress bar over the bytes of the selected tensors (stderr, only on a terminal)."""

    def __init__(self, entries):
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
            return
        self.bar = tqdm(total=sum(e.nbytes for e in entries), unit="B", unit_scale=True,
                        unit_divisor=1024, desc="pqi", disable=None, file=sys.stderr, leave=False)
        self.name = None

    def __call__(self, entry, nbytes) -> None:
        if self.bar is None:
            return
        if entry.name != self.name:
            self.name = entry.name
            self.bar.set_postfix_str(entry.name[-40:], refresh=False)
        self.bar.update(nbytes)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _method(args, entries) -> tuple[str, str | None]:
    """("certified" or "fast", a note for stderr or None)."""
    if args.certified:
        return "certified", None
    if args.fast or args.device is not None:
        return "fast", None
    if sum(e.size for e in entries) <= AUTO_CERTIFIED_ENTRIES:
        return "certified", None
    if unavailable():
        return "certified", f"{unavailable()}; using the certified path, which holds every tensor in memory"
    return "fast", None


def _check_options(args) -> str | None:
    """The usage error of an impossible combination of options, or None."""
    if args.example is not None and args.path is not None:
        return "give either PATH or --example OUT.npz, not both"
    if args.example is None and args.path is None:
        return "give a checkpoint PATH (or --example OUT.npz to write one)"
    if args.certified and args.device is not None:
        return "--device applies to the fast path, not --certified"
    if args.per_group and not (args.csv and args.scope == "neuron"):
        return "--per-group needs --csv and --scope neuron"
    if args.plot is not None:
        plot = Path(args.plot)
        if plot.suffix.lower() not in (".png", ".pdf", ".svg"):
            return f"--plot writes a .png, .pdf or .svg file, got {args.plot!r}"
        if not plot.parent.is_dir():
            return f"--plot {args.plot}: the folder {str(plot.parent)!r} does not exist"
    return None


def run(args) -> int:
    problem = _check_options(args)
    if problem:
        return _fail(problem)
    if args.example is not None:
        try:
            write_example(args.example)
        except (OSError, ValueError) as error:
            return _fail(error)
        print(f"wrote {args.example}; try: sparsity-oracle pqi {args.example}")
        return 0
    try:
        params = sap_parameters(args.p, args.q, args.eta_r, args.gamma, args.beta)
        checkpoint = open_checkpoint(args.path)
        entries, skipped = select(checkpoint.entries, args.include, args.exclude)
        if not entries:
            filters = " matching --include/--exclude" if args.include or args.exclude else ""
            raise ValueError(f"{checkpoint.path}: no prunable tensor ({'/'.join(PRUNABLE_DTYPES)}, "
                             f"ndim >= 2){filters}")
        for entry in entries:
            if entry.size == 0:
                raise ValueError(
                    f"{entry.file}: tensor {entry.name!r} is empty (shape {'x'.join(map(str, entry.shape))}): "
                    f"PQI and Gini need at least one entry; leave it out with --exclude '{entry.name}'"
                )
        method, note = _method(args, entries)
        if note:
            print(f"sparsity-oracle pqi: note: {note}", file=sys.stderr)
        if method == "fast" and unavailable():
            print(f"sparsity-oracle pqi: error: {unavailable()}", file=sys.stderr)
            return 1
        if method == "fast":
            from .gpu_impl import resolve_device

            device = str(resolve_device(args.device or "auto"))
        else:
            device = None
        progress = _Progress(entries)
        try:
            if method == "fast":
                report = fast_report(entries, params, scope=args.scope, device=device,
                                     per_group=args.per_group, progress=progress)
            else:
                report = certified_report(entries, params, scope=args.scope, dps=args.dps,
                                          per_group=args.per_group, progress=progress)
        finally:
            progress.close()
    except (ValueError, OSError) as error:  # OSError: a file that became unreadable while read
        return _fail(error)
    if args.json:
        print(json.dumps(_as_json(report, args, method, device, skipped), indent=2))
    elif args.csv:
        _write_csv(report, args, method, sys.stdout)
    else:
        print(_as_table(report, args, method, device, skipped))
    if args.plot is not None:
        try:
            write_plot(report, entries, args.plot, title=_as_table(report, args, method, device, skipped).splitlines()[0],
                       pqi_label=f"PQI (p={args.p}, q={args.q})")
        except (OSError, ImportError) as error:
            print(f"sparsity-oracle pqi: error: cannot write the plot {args.plot}: {error}", file=sys.stderr)
            return 1
    if args.json or args.csv:
        for note in report.notes:
            print(f"sparsity-oracle pqi: note: {note}", file=sys.stderr)
    return 0
