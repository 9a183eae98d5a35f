"""``sparsity-oracle prove``: check every proof obligation with sympy (contract §5, §6)."""

from __future__ import annotations

import json

from .core import REFUTED, STATUSES

HELP = "check the PQI paper's theorems step by step with sympy (proved / refuted / open)"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true",
                        help='print a JSON list of {"id", "claim", "assumptions", "status", "counterexample", "source", "links"}')


def _table(results) -> str:
    rows = [("id", "status", "claim", "assumptions")]
    rows += [(r.id, r.status, r.claim, "; ".join(r.assumptions)) for r in results]
    width_id = max(len(row[0]) for row in rows)
    width_status = max(len(row[1]) for row in rows)
    lines = [f"{a:<{width_id}}  {b:<{width_status}}  {c}\n{'':<{width_id}}  {'':<{width_status}}  [{d}]"
             for a, b, c, d in rows]
    regressions = [r.id for r in results if r.status != r.expected]
    summary = {status: sum(r.status == status for r in results) for status in STATUSES}
    lines.append(", ".join(f"{n} {status}" for status, n in summary.items())
                 + (f"; REGRESSIONS (status != expected): {', '.join(regressions)}" if regressions else ""))
    lines += wrong_as_printed(results)
    return "\n".join(lines)


def wrong_as_printed(results) -> list[str]:
    """The closing note: each printed display or sentence that is refuted, with where it is printed
    and its counterexample."""
    wrong = [r for r in results if r.status == REFUTED and r.source is not None]
    lines = ["", f"Printed in {wrong[0].source.paper} and found wrong as printed ({len(wrong)}):"] if wrong else []
    for r in wrong:
        lines.append(f"- {r.id} ({r.source.location}): {r.source.display}")
        lines.append(f"    counterexample: {json.dumps(r.counterexample)}")
        if r.links:
            lines.append(f"    corrected / general form: {', '.join(r.links)}")
    return lines


def run(args) -> int:
    """Exit status 1 when an obligation's status differs from its recorded expected status."""
    from sparsity_oracle import proofs

    results = proofs.check_all()
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=2))
    else:
        print(_table(results))
    return int(any(r.status != r.expected for r in results))
