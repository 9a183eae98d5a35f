"""``sparsity-oracle verify [--quick | --thorough] [--impl MODULE[:ATTR]]...`` (SPEC §6).

Three sections, one summary, exit status 1 if anything fails:

1. proofs: ``proofs.check_all()``; a status that differs from the obligation's ``expected``
   status is a failure;
2. properties: ``properties.check_measure`` on the reference's main measures; a verdict that
   differs from ``PROPERTY_VERDICTS`` is a failure;
3. differential: every selected implementation (``--impl``, else ``$SPARSITY_ORACLE_IMPL``, else
   the in-repo gpu_impl adapter) on the oracle's hard cases and on hypothesis-generated cases
   (``runner.run_checks``).

A section whose package is not installed is reported as "not available" (not a failure).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from .adapters import FUNCTIONS

HELP = "run the proof obligations, property fuzzing and differential checks of implementations"

#: Expected Hurley-Rickard verdicts of the main measures (docs/errata.md,
#: diao.theorem1.six_properties): properties that fail; every other property must hold.
#: (measure, params) -> failing properties.
PROPERTY_VERDICTS = {
    ("pq_index", (("p", 0.5), ("q", 1.0))): frozenset(),
    ("pq_index", (("p", 1.0), ("q", 2.0))): frozenset(),
    ("gini", ()): frozenset(),
    ("pq_index", (("p", 2.0), ("q", 4.0))): frozenset({"D1"}),  # Robin Hood fails for p > 1
}

#: Examples for a property expected to fail (at least; a found counterexample ends the search).
FAILING_EXAMPLES = 200

#: effort per mode: hypothesis examples per property, longest fuzzed vector, generated
#: differential cases per function.
MODES = {
    "quick": {"property_examples": 10, "max_size": 12, "generated": 10},
    "default": {"property_examples": 60, "max_size": 32, "generated": 40},
    "thorough": {"property_examples": 300, "max_size": 64, "generated": 300},
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    effort = parser.add_mutually_exclusive_group()
    effort.add_argument("--quick", action="store_const", const="quick", dest="mode",
                        help="fewer fuzzing examples (under 2 minutes)")
    effort.add_argument("--thorough", action="store_const", const="thorough", dest="mode",
                        help="many more fuzzing examples")
    parser.add_argument("--impl", action="append", default=[], metavar="MODULE[:ATTR]",
                        help="implementation to check (repeatable; default: $SPARSITY_ORACLE_IMPL, "
                        "comma-separated, else the in-repo gpu_impl adapter)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")


class _Summary:
    def __init__(self):
        self.failed = 0

    def section(self, title: str):
        print(f"\n== {title} ==", flush=True)

    def line(self, ok: bool | None, text: str):
        mark = {True: "PASS", False: "FAIL", None: "SKIP"}[ok]
        self.failed += ok is False
        print(f"  {mark}  {text}", flush=True)


def _proofs(out: _Summary) -> None:
    out.section("proof obligations (proofs.check_all)")
    try:
        from sparsity_oracle import proofs
    except ImportError as error:
        out.line(None, f"not available: {error}")
        return
    results = proofs.check_all()
    wrong = [r for r in results if r.status != r.expected]
    counts = {s: sum(r.status == s for r in results) for s in sorted({r.status for r in results})}
    out.line(not wrong, f"{len(results)} obligations: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for r in wrong:
        out.line(False, f"{r.id}: status {r.status}, expected {r.expected} ({r.reason})")


def _properties(out: _Summary, mode: dict, seed: int) -> None:
    out.section("Hurley-Rickard properties (properties.check_measure)")
    try:
        from sparsity_oracle.properties import PROPERTIES, check_measure
        from sparsity_oracle.properties.cli import label, verdict_line
    except ImportError as error:
        out.line(None, f"not available: {error}")
        return
    from sparsity_oracle import reference

    for (name, params), failing in PROPERTY_VERDICTS.items():
        def search(properties, examples):
            return check_measure(getattr(reference, name), params=dict(params), name=name, seed=seed,
                                 properties=properties, max_examples=examples, max_size=mode["max_size"])

        # a counterexample must be found, not just allowed: the failing ones are searched longer
        report = search([p for p in PROPERTIES if p not in failing], mode["property_examples"])
        if failing:
            longer = search(sorted(failing), FAILING_EXAMPLES).results
            report = replace(report, results={p: (longer if p in failing else report.results)[p] for p in PROPERTIES})
        found = frozenset(p for p, r in report.results.items() if r.holds is False)
        undecided = sorted(p for p, r in report.results.items() if r.holds is None)
        verdicts = verdict_line(report)
        ok = found == failing and not undecided
        out.line(ok, f"{label(name, dict(params))}: {verdicts}" + ("" if ok else
                 f" (expected failing: {sorted(failing) or 'none'}; undecided: {undecided or 'none'})"))
        for prop in sorted((found ^ failing) | set(undecided)):
            result = report[prop]
            if result.counterexample is not None:
                print(f"        {prop} {result.status}: {result.reason or result.counterexample.to_json()}")


def _differential(out: _Summary, impls, mode: dict, seed: int) -> None:
    from .runner import run_checks

    out.section("differential checks against reference")
    for impl in impls:
        report = run_checks(impl, generated=mode["generated"], seed=seed)
        for function, n in report.checked.items():
            bad = [f for f in report.failures if f.function == function]
            out.line(not bad, f"{impl.name}: {function}: {n - len(bad)}/{n} cases agree")
        for function in report.skipped:
            out.line(None, f"{impl.name}: {function}: not provided")
        for failure in report.failures:
            print("\n" + "\n".join("    " + line for line in str(failure).splitlines()))


def run(args) -> int:
    from ..gpu_impl import unavailable
    from .adapters import DEFAULT_IMPL, load_implementation, selected_specs

    mode_name = args.mode or "default"
    mode = MODES[mode_name]
    started = time.perf_counter()
    impls = []
    specs = selected_specs(args.impl)
    for spec in specs:
        try:
            impl = load_implementation(spec)
        except (ImportError, AttributeError, ValueError) as error:
            print(f"sparsity-oracle verify: cannot load --impl {spec}: {error}", file=sys.stderr)
            return 2
        if not impl.provides and spec != DEFAULT_IMPL:
            print(f"sparsity-oracle verify: --impl {spec} provides none of {', '.join(FUNCTIONS)}",
                  file=sys.stderr)
            return 2
        impls.append(impl)
    print(f"sparsity-oracle verify ({mode_name}, seed {args.seed})")
    out = _Summary()
    missing = unavailable()
    if missing:
        print(missing)
    print("implementations:")
    for impl in impls:
        print(f"  {impl.describe()}")
    if missing and DEFAULT_IMPL in specs:
        out.line(False, f"{DEFAULT_IMPL}: {missing}")
        impls = [impl for impl in impls if impl.name != DEFAULT_IMPL]
    _proofs(out)
    _properties(out, mode, args.seed)
    _differential(out, impls, mode, args.seed)
    elapsed = time.perf_counter() - started
    verdict = "FAIL" if out.failed else "PASS"
    print(f"\n{verdict}: {out.failed} failure(s) in {elapsed:.1f} s")
    return 1 if out.failed else 0
