"""``sparsity-oracle properties``: fuzz sparsity measures against D1-D4, P1, P2 (SPEC §6)."""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction

HELP = "fuzz sparsity measures against the Hurley-Rickard properties D1-D4, P1, P2"

#: PropertyResult.status -> table cell, and -> one-character progress mark
CELLS = {"holds": "yes", "fails": "NO", "tie": "tie"}
MARKS = {"holds": "+", "fails": "-", "tie": "="}

#: (p, q) grid on which pq_index is checked besides its defaults when no --measure is given.
PQ_GRID = ((0.5, 1), (1, 2), (0.1, 1), (0.5, 2), (0.3, 0.8), (1.5, 2), (2, 4))


def parse_measure(text: str) -> tuple[str, dict]:
    """``NAME[:k=v,...]`` -> (NAME, params); a value is an int, a float or a fraction a/b."""
    name, _, rest = text.partition(":")
    params = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected k=v in --measure {text!r}, got {item!r}")
        params[key.strip()] = _number(value.strip(), text)
    return name.strip(), params


def _number(value: str, text: str):
    for kind in (int, float, Fraction):
        try:
            return kind(value)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"parameter value {value!r} in --measure {text!r} is not a number")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--measure",
        action="append",
        type=parse_measure,
        metavar="NAME[:k=v,...]",
        help="a measure of reference.MEASURES with parameters (repeatable); default: every measure "
        "with its defaults, plus pq_index on the (p, q) grid " + " ".join(f"{p},{q}" for p, q in PQ_GRID),
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--max-examples", type=int, default=100, help="hypothesis examples per property (default 100)")
    parser.add_argument("--max-size", type=int, default=64, help="longest vector drawn (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0: reproducible)")


def default_measures(names) -> list[tuple[str, dict]]:
    """Every measure with its default parameters, then pq_index on ``PQ_GRID``."""
    return [(name, {}) for name in names] + [("pq_index", {"p": p, "q": q}) for p, q in PQ_GRID]


def run(args) -> int:
    from properties import PROPERTIES, check_measure
    from reference.measures import MEASURES

    selected = args.measure or default_measures(MEASURES)
    unknown = sorted({name for name, _ in selected} - set(MEASURES))
    if unknown:
        print(f"unknown measure(s): {', '.join(unknown)}; known: {', '.join(MEASURES)}", file=sys.stderr)
        return 2
    reports = []
    for k, (name, params) in enumerate(selected, start=1):
        print(f"[{k}/{len(selected)}] {_label(name, params)} ...", file=sys.stderr, end="", flush=True)
        report = check_measure(
            MEASURES[name],
            max_examples=args.max_examples,
            seed=args.seed,
            params=params,
            name=name,
            max_size=args.max_size,
        )
        print(" " + verdict_line(report), file=sys.stderr)
        reports.append(report)
    if args.json:
        print(json.dumps([r.to_json() for r in reports], indent=1))
    else:
        print(render_table(reports))
    return 0


def _label(name: str, params: dict) -> str:
    return name + (f"({', '.join(f'{k}={v}' for k, v in params.items())})" if params else "")


def verdict_line(report) -> str:
    """``D1+ D2+ D3- ...``: + holds, - fails (proved), = tie only (undecided)."""
    return " ".join(f"{p}{MARKS[r.status]}" for p, r in report.results.items())


def render_table(reports) -> str:
    """Plain-text table: one row per measure, a column per property (yes / NO / tie)."""
    from properties import PROPERTIES

    rows = [["measure", *PROPERTIES]]
    rows += [[_label(r.measure, r.params), *(CELLS[r[p].status] for p in PROPERTIES)] for r in reports]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)
