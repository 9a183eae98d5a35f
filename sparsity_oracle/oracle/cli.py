"""``sparsity-oracle verify [--quick | --thorough] [--impl MODULE[:ATTR]]... [--only SECTION]...
[--accept CONVENTION]... [--json] [--case ID]...`` (contract §6, §7).

Three sections, one summary, exit status 1 if any case fails:

1. proofs: ``proofs.check_all()``; a status that differs from the obligation's ``expected``
   status is a failing case;
2. properties: ``properties.check_measure`` on the reference's own main measures (this section
   judges ``reference``, not the ``--impl``); a verdict that differs from
   ``PROPERTY_VERDICTS`` is a failing case per property;
3. differential: every selected implementation (``--impl``, else ``$SPARSITY_ORACLE_IMPL``, else
   the in-repo gpu_impl adapter) on the oracle's hard cases and on reproducibly generated cases
   (``runner.run_checks``); each failing case has a cause (``causes``), and the text groups
   them by (implementation, function, cause).

``--only`` runs the named sections; ``--json`` writes the whole report as JSON on stdout
(``report``); ``--accept`` passes failures explained by the named conventions; ``--case ID``
checks only those cases and prints each failure in full.  A section whose package is not
installed is reported as "not available" (not a failure).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace

from .adapters import FUNCTIONS
from .causes import CONVENTIONS

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

SECTIONS = ("proofs", "properties", "differential")

#: Failures shown per (implementation, function, cause) in the text report.
EXAMPLES = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    effort = parser.add_mutually_exclusive_group()
    effort.add_argument("--quick", action="store_const", const="quick", dest="mode",
                        help="fewer fuzzing examples (under 2 minutes)")
    effort.add_argument("--thorough", action="store_const", const="thorough", dest="mode",
                        help="many more fuzzing examples")
    parser.add_argument("--impl", action="append", default=[], metavar="MODULE[:ATTR]",
                        help="implementation to check (repeatable; default: $SPARSITY_ORACLE_IMPL, "
                        "comma-separated, else the in-repo gpu_impl adapter)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the generated cases and of the property fuzzing (default 0)")
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only this section (repeatable; {', '.join(SECTIONS)})")
    parser.add_argument("--accept", action="append", default=[], choices=sorted(CONVENTIONS), metavar="CONVENTION",
                        help="pass failures explained by this named convention (repeatable; "
                        f"{', '.join(sorted(CONVENTIONS))})")
    parser.add_argument("--json", action="store_true", help="write the report as JSON on stdout")
    parser.add_argument("--case", action="append", default=[], metavar="ID",
                        help="check only this differential case (repeatable) and print each failure in full")
    parser.add_argument("--examples", type=int, default=EXAMPLES, metavar="N",
                        help=f"failures shown per (implementation, function, cause) (default {EXAMPLES})")


class _Report:
    """Collects the sections; prints text as it goes unless ``quiet`` (``--json``)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.failed = {}  # section -> failing cases
        self.data = {}

    def print(self, text: str = ""):
        if not self.quiet:
            print(text, flush=True)

    def section(self, name: str, title: str, legend: str = ""):
        if name in self.failed:  # already open (the differential section after an unusable gpu_impl)
            return
        self.failed[name] = 0
        self.print(f"\n== {title} ==")
        if legend:
            self.print(f"  ({legend})")

    def line(self, section: str, ok: bool | None, text: str, failing: int = 1):
        mark = {True: "PASS", False: "FAIL", None: "SKIP"}[ok]
        if ok is False:
            self.failed[section] += failing
        self.print(f"  {mark}  {text}")


def _proofs(out: _Report) -> None:
    out.section("proofs", "proof obligations (proofs.check_all)")
    try:
        from sparsity_oracle import proofs
    except ImportError as error:
        out.line("proofs", None, f"not available: {error}")
        return
    results = proofs.check_all()
    wrong = [r for r in results if r.status != r.expected]
    counts = {s: sum(r.status == s for r in results) for s in sorted({r.status for r in results})}
    out.line("proofs", not wrong, f"{len(results)} obligations: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
             failing=0)
    for r in wrong:
        out.line("proofs", False, f"{r.id}: status {r.status}, expected {r.expected} ({r.reason})")
    out.data["proofs"] = {"obligations": len(results), "statuses": counts,
                          "failing": [{"id": r.id, "status": r.status, "expected": r.expected} for r in wrong]}


def _properties(out: _Report, mode: dict, seed: int) -> None:
    out.section("properties", "Hurley-Rickard properties of the reference's own measures (properties.check_measure)",
                f"this section judges sparsity_oracle.reference, not --impl; + holds: every one of "
                f"{mode['property_examples']} examples decided in its favour, - fails: a decided counterexample, "
                f"? undecided (a failure here, with the reason)")
    try:
        from sparsity_oracle.properties import PROPERTIES, check_measure
        from sparsity_oracle.properties.cli import label, verdict_line
    except ImportError as error:
        out.line("properties", None, f"not available: {error}")
        return
    from sparsity_oracle import reference

    verdicts_json = []
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
        wrong = (found ^ failing) | set(undecided)
        expected = f"expected failing: {', '.join(sorted(failing)) or 'none'}" + (
            f"; undecided: {', '.join(undecided)}" if undecided else "")
        out.line("properties", not wrong, f"{label(name, dict(params))}: {verdict_line(report)} ({expected})",
                 failing=len(wrong))
        for prop in sorted(wrong):
            result = report[prop]
            if result.counterexample is not None:
                out.print(f"        {prop} {result.status}: {result.reason or result.counterexample.to_json()}")
        verdicts_json.append({"measure": name, "params": dict(params), "found_failing": sorted(found),
                              "undecided": undecided, "expected_failing": sorted(failing), "ok": not wrong})
    out.data["properties"] = verdicts_json


def _differential(out: _Report, impls, mode: dict, args) -> None:
    from .report import LEGEND, differential_json, text_lines
    from .runner import run_checks

    out.section("differential", "differential checks against reference", LEGEND)
    reports = []
    for impl in impls:
        report = run_checks(impl, generated=mode["generated"], seed=args.seed, accept=args.accept,
                            progress=_progress(impl.name))
        reports.append(report)
        for status, text, failing in text_lines(report, args.examples):
            if status == "detail":
                out.print(text)
            else:
                out.line("differential", status, text, failing=failing)
    out.data["differential"] = differential_json(reports)


def _cases(out: _Report, impls, args) -> None:
    """``--case ID``: each case on each implementation, failures in full."""
    from .cases import find_case
    from .runner import check_outcome

    out.section("differential", "selected cases")
    results = []
    for case_id in args.case:
        case = find_case(case_id)
        for impl in impls:
            outcome = check_outcome(impl, case, args.accept)
            ok = {"pass": True, "accepted": True, "skipped": None}.get(outcome.outcome, False)
            out.line("differential", ok, f"{impl.name}: {case.id}: {outcome.outcome}"
                     + (f" ({outcome.reason})" if outcome.reason else ""))
            if outcome.failure is not None:
                out.print("\n".join("    " + line for line in str(outcome.failure).splitlines()))
            results.append({"implementation": impl.name, **outcome.to_json(),
                            "failure": outcome.failure.to_json() if outcome.failure else None})
    out.data["cases"] = results


def _progress(name: str):
    """A stderr progress line per function when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(function, done, total):
        end = "\n" if done == total else ""
        print(f"\r  checking {name}: {function} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _usage_error(message: str) -> int:
    print(f"sparsity-oracle verify: error: {message}", file=sys.stderr)
    return 2


def run(args) -> int:
    from ..gpu_impl import unavailable
    from .adapters import DEFAULT_IMPL, load_implementation, selected_specs
    from .cases import find_case
    from .report import LEGEND

    mode_name = args.mode or "default"
    mode = MODES[mode_name]
    sections = args.only or list(SECTIONS)
    if args.examples < 0:
        return _usage_error(f"--examples must be >= 0, got {args.examples}")
    for case_id in args.case:
        try:
            find_case(case_id)
        except (KeyError, ValueError) as error:
            return _usage_error(f"--case {case_id}: {error.args[0]}")
    started = time.perf_counter()
    impls = []
    specs = selected_specs(args.impl)
    for spec in specs:
        try:
            impl = load_implementation(spec)
        except (ImportError, AttributeError, ValueError) as error:
            return _usage_error(f"cannot load --impl {spec}: {error}")
        if not impl.provides and spec != DEFAULT_IMPL:
            return _usage_error(f"--impl {spec} provides none of {', '.join(FUNCTIONS)}")
        impls.append(impl)
    out = _Report(quiet=args.json)
    out.print(f"sparsity-oracle verify ({mode_name}, seed {args.seed}"
              + (f", accepting {', '.join(args.accept)}" if args.accept else "") + ")")
    missing = unavailable()
    if missing:
        out.print(missing)
    out.print("implementations:")
    for impl in impls:
        out.print(f"  {impl.describe()}")
    if args.case:
        sections = ["differential"]
    if missing and DEFAULT_IMPL in specs and "differential" in sections:
        out.section("differential", "differential checks against reference", LEGEND)
        out.line("differential", False, f"{DEFAULT_IMPL}: {missing}")
        impls = [impl for impl in impls if impl.name != DEFAULT_IMPL]
    if "proofs" in sections:
        _proofs(out)
    if "properties" in sections:
        _properties(out, mode, args.seed)
    if args.case:
        _cases(out, impls, args)
    elif "differential" in sections:
        _differential(out, impls, mode, args)
    elapsed = time.perf_counter() - started
    failed = sum(out.failed.values())
    verdict = "FAIL" if failed else "PASS"
    if args.json:
        json.dump({"mode": mode_name, "seed": args.seed, "sections": sections, "accept": args.accept,
                   "implementations": [impl.name for impl in impls], **out.data,
                   "failing_cases": dict(out.failed), "verdict": verdict, "seconds": round(elapsed, 1)},
                  sys.stdout, indent=1)
        print()
    else:
        per_section = ", ".join(f"{name} {n}" for name, n in out.failed.items())
        print(f"\n{verdict}: {failed} failing case(s) ({per_section}) in {elapsed:.1f} s")
    return 1 if failed else 0
