"""``sparsity-oracle properties``: fuzz sparsity measures against D1-D4, P1, P2 (contract §6)."""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction

HELP = "fuzz sparsity measures against the Hurley-Rickard properties D1-D4, P1, P2"

#: PropertyResult.status -> table cell, and -> one-character progress mark
CELLS = {"holds": "yes", "fails": "NO", "undecided": "?"}
MARKS = {"holds": "+", "fails": "-", "undecided": "?"}

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
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    output.add_argument("--markdown", action="store_true",
                        help="print a Markdown table (examples, backing proof obligations) and the counterexamples")
    parser.add_argument("--max-examples", type=int, default=100,
                        help="hypothesis examples per property, at least 1 (default 100)")
    parser.add_argument("--max-size", type=int, default=64, help="longest vector drawn, at least 2 (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0: reproducible)")


def default_measures(names) -> list[tuple[str, dict]]:
    """Every measure with its default parameters, then pq_index on ``PQ_GRID``."""
    return [(name, {}) for name in names] + [("pq_index", {"p": p, "q": q}) for p, q in PQ_GRID]


def run(args) -> int:
    from sparsity_oracle.properties import MIN_SIZE, check_measure
    from sparsity_oracle.reference.measures import MEASURES

    selected = args.measure or default_measures(MEASURES)
    unknown = sorted({name for name, _ in selected} - set(MEASURES))
    problems = [f"unknown measure(s) {', '.join(unknown)}; known: {', '.join(MEASURES)}"] if unknown else []
    if args.max_examples < 1:
        problems.append(f"--max-examples must be at least 1, got {args.max_examples}")
    if args.max_size < MIN_SIZE:
        problems.append(f"--max-size must be at least {MIN_SIZE} (the properties compare vectors of {MIN_SIZE} "
                        f"or more entries), got {args.max_size}")
    problems += [problem for name, params in selected if name in MEASURES
                 for problem in [parameter_problem(name, MEASURES[name], params)] if problem]
    if problems:
        print(f"sparsity-oracle properties: error: {problems[0]}", file=sys.stderr)
        return 2
    reports = []
    for k, (name, params) in enumerate(selected, start=1):
        print(f"[{k}/{len(selected)}] {label(name, params)} ...", file=sys.stderr, end="", flush=True)
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
    elif args.markdown:
        print(render_markdown([r.to_json() for r in reports]))
    else:
        print(render_table(reports))
    return 0


def measure_parameters(measure) -> tuple[str, ...]:
    """The parameters ``--measure NAME:k=v`` may set: the keywords after the vector, less the
    precision the judge chooses (``dps``) and ``certified``."""
    import inspect

    return tuple(name for name in list(inspect.signature(measure).parameters)[1:] if name not in ("dps", "certified"))


#: The vector on which ``--measure`` parameters are checked before any fuzzing.
PROBE = (1, 2)


def parameter_problem(name: str, measure, params: dict) -> str | None:
    """Why ``measure`` cannot be fuzzed with ``params`` (None if it can): a parameter it does not
    take, or a value it refuses (its own ``ValueError`` on ``PROBE``)."""
    allowed = measure_parameters(measure)
    foreign = [k for k in params if k not in allowed]
    if foreign:
        takes = f"its parameters are {', '.join(allowed)}" if allowed else "it takes none"
        return f"{name} has no parameter {foreign[0]} ({takes})"
    try:
        measure(list(PROBE), **params, dps=15)
    except ValueError as error:
        return f"{label(name, params)}: {error}"
    return None


def label(name: str, params: dict) -> str:
    """``name(k=v, ...)``: a measure with its parameters."""
    return name + (f"({', '.join(f'{k}={v}' for k, v in params.items())})" if params else "")


def verdict_line(report) -> str:
    """``D1+ D2+ D3- ...``: + holds, - fails (decided), ? undecided."""
    return " ".join(f"{p}{MARKS[r.status]}" for p, r in report.results.items())


def render_table(reports) -> str:
    """Plain-text table: one row per measure, a column per property (yes / NO / ?)."""
    from sparsity_oracle.properties import PROPERTIES

    rows = [["measure", *PROPERTIES]]
    rows += [[label(r.measure, r.params), *(CELLS[r[p].status] for p in PROPERTIES)] for r in reports]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


#: PropertyResult.status -> Markdown symbol
SYMBOLS = {"holds": "✓", "fails": "✗", "undecided": "?"}

#: Measures whose properties proofs/ settles, as I_{p,q} (pq_mean = I_{p,q} - 1: PQ_MEAN.pqi).
PROVED_MEASURES = ("pq_index", "pq_mean")


def render_markdown(reports: list[dict]) -> str:
    """Markdown for ``check_measure`` reports in JSON form: a measure x property table (✓ with the
    examples tried, ✗ decided violation, ? undecided; the proof obligation that decides the
    cell where proofs/ has one), then the numbered notes: each ✗ with its counterexample and how
    it was decided, each ? with its reason, and each ✓ of a strict property whose hardest case
    only the exact form could decide (the decided sign of a difference below 30 digits)."""
    from sparsity_oracle.properties import PROPERTIES

    lines = ["| measure | " + " | ".join(PROPERTIES) + " |", "|---" * (len(PROPERTIES) + 1) + "|"]
    notes = []
    for report in reports:
        cells = []
        for prop in PROPERTIES:
            result = report["properties"][prop]
            cell = SYMBOLS[result["status"]]
            if result["status"] == "holds":
                cell += f" {result['examples']}"
            if result["counterexample"] or _strict_exact_case(result):
                notes.append((report, prop, result))
                cell += f" [{len(notes)}]"
            obligation = _obligation(report, prop)
            if obligation:
                cell += f" `{obligation}`"
            cells.append(cell)
        lines.append(f"| {label(report['measure'], report['params'])} | " + " | ".join(cells) + " |")
    lines += ["", "Notes (✗: the decided counterexample; ?: why undecided; ✓ [k]: the case only the exact form "
              "decided):", ""]
    for k, (report, prop, result) in enumerate(notes, start=1):
        lines.append(f"{k}. {label(report['measure'], report['params'])}, {prop}: {_note(result)}")
    return "\n".join(lines)


def _strict_exact_case(result: dict) -> bool:
    """A holding strict property whose hardest case only the exact form decided (a tiny sign)."""
    case = result["exact_case"]
    return case is not None and case["relation"] != "S(after) = S(before)"


def _note(result: dict) -> str:
    """One note: the instance, what was required and observed, and how it was decided."""
    if result["status"] == "holds":
        cx, head = result["exact_case"], "holds; hardest case "
    elif result["status"] == "undecided":
        cx = result["counterexample"]
        head = f"undecided ({result['undecided']} of {result['examples']} cases); shortest "
    else:
        cx, head = result["counterexample"], ""
    return (f"{head}c = {_compact(cx['vector'])}, transform {_transform(cx['transform'])}: "
            f"S(before) = {cx['value_before']}, S(after) = {cx['value_after']}; required {cx['relation']}, "
            f"observed {cx['observed']} ({cx['decision']}).")


def _obligation(report: dict, prop: str) -> str | None:
    """The proofs/ obligation deciding this cell (I_{p,q} measures only)."""
    if report["measure"] not in PROVED_MEASURES:
        return None
    import inspect

    from sparsity_oracle import proofs
    from sparsity_oracle.reference.measures import MEASURES

    defaults = {k: v.default for k, v in inspect.signature(MEASURES[report["measure"]]).parameters.items()}
    params = {**defaults, **report["params"]}
    return proofs.property_obligation(prop, Fraction(params["p"]), Fraction(params["q"]))


def _compact(values) -> str:
    """``(1.0, 2.0, 0.125 ×62)``: runs of equal entries collapsed (entries exact: repr or a/b)."""
    runs: list[list] = []
    for v in values:
        if runs and runs[-1][0] == v:
            runs[-1][1] += 1
        else:
            runs.append([v, 1])
    return "(" + ", ".join(f"{v} ×{n}" if n > 1 else f"{v}" for v, n in runs) + ")"


def _transform(transform: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in transform.items()) or "(none)"
