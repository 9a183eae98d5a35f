"""``sparsity-oracle claims [--json | --errata]``: the claims ledger (contract §9)."""

from __future__ import annotations

import json

HELP = "the ledger of the papers' checkable claims: verdict, evidence and the command that re-checks each"


def add_arguments(parser) -> None:
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true",
                        help='print a JSON list of {"id", "paper", "location", "claim", "verdict", "evidence", "command"}')
    output.add_argument("--errata", action="store_true",
                        help="print docs/errata.md: the claims refuted or not reproduced, with their counterexamples")


def counts(claims) -> dict:
    """verdict -> number of claims, for every verdict."""
    from .ledger import VERDICTS

    return {verdict: sum(c.verdict == verdict for c in claims) for verdict in VERDICTS}


def cited_counterexamples(claims) -> dict:
    """The counterexample of each refuted obligation the errata cite (checked now with sympy)."""
    from sparsity_oracle import proofs

    from .errata import ERRATA_VERDICTS

    cited = {key for c in claims if c.verdict in ERRATA_VERDICTS for key, status in c.obligations.items()
             if status == proofs.REFUTED}
    results = (ob.check() for ob in proofs.OBLIGATIONS if ob.id in cited)
    return {r.id: r.counterexample for r in results if r.counterexample is not None}


def run(args) -> int:
    from . import load
    from .errata import render

    claims = load()
    if args.json:
        print(json.dumps([c.to_json() for c in claims], indent=1, ensure_ascii=False))
    elif args.errata:
        print(render(claims, cited_counterexamples(claims)), end="")
    else:
        width = max(len(c.id) for c in claims)
        paper = None
        for claim in claims:
            if claim.paper != paper:
                paper = claim.paper
                print(f"\n{paper}")
            print(f"  {claim.id:<{width}}  {claim.verdict:<14}  {claim.location}: {claim.claim}")
        print("\n" + ", ".join(f"{n} {verdict}" for verdict, n in counts(claims).items()))
    return 0
