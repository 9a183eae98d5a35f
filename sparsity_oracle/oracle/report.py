"""Reports of differential checks: grouped text and machine-readable JSON (contract §7).

Text (``text_lines``): one line per (implementation, function) with the case counts; under a
failing line, one block per cause (with its conventions) giving the count and the first
``examples`` failures in a few lines each.  ``sparsity-oracle verify --impl X --case ID``
prints one failure in full, with its reproduction.

JSON: per implementation and function, the counts (``cases``, ``passed``, ``accepted``,
``skipped``, ``failed``), ``failures_by_cause``, ``conventions`` (how many failures each named
convention explains), ``skip_reasons``, and ``case_list``: every case as ``{id, label, digest,
outcome}``, with its ``failure`` (the case's inputs, the values, the cause, the
reproduction) where it failed.  ``verify --json`` and ``pytest --oracle-json`` write the same
schema (``differential_json``, ``records_json``).
"""

from __future__ import annotations

from collections import Counter

from .cases import case_order
from .causes import CAUSES
from .runner import FunctionReport, ImplementationReport

#: The legend printed above the differential lines.
LEGEND = ("PASS: every case agrees with the reference; FAIL: the failing cases, counted per case and "
          "grouped by cause (a few shown each); SKIP: not checked, with the reason")


def _function_line(impl_name: str, report: FunctionReport) -> tuple[bool | None, str]:
    if not report.provided:
        return None, f"{impl_name}: {report.function}: not provided"
    n = len(report.outcomes)
    skipped = report.count("skipped")
    if n == skipped:
        return None, f"{impl_name}: {report.function}: every case skipped (" + "; ".join(report.skip_reasons) + ")"
    failed = len(report.failures)
    parts = [f"{n - skipped - failed}/{n - skipped} cases agree"]
    accepted = report.count("accepted")
    if accepted:
        parts.append(f"{accepted} of them under accepted conventions")
    if failed:
        parts.append(f"{failed} fail: " + ", ".join(f"{k} {v}" for k, v in report.by_cause.items()))
    if skipped:
        parts.append(f"{skipped} skipped (" + "; ".join(f"{r}: {k}" for r, k in report.skip_reasons.items()) + ")")
    return (not failed), f"{impl_name}: {report.function}: " + "; ".join(parts)


def _groups(report: FunctionReport):
    """(cause label, failures) in cause order."""
    grouped: dict[str, list] = {}
    for failure in report.failures:
        grouped.setdefault(failure.cause_label, []).append(failure)
    return sorted(grouped.items(), key=lambda kv: (CAUSES.index(kv[1][0].cause), kv[0]))


def text_lines(report: ImplementationReport, examples: int = 2):
    """Yield ``(status, text, failing)``: a summary line per function (status True: pass,
    False: fail, None: skipped; ``failing``: its failing cases), each followed by its failures
    grouped by cause (status ``"detail"``)."""
    name = report.implementation.name
    for function_report in report.functions.values():
        ok, line = _function_line(name, function_report)
        yield ok, line, len(function_report.failures)
        for label, failures in _groups(function_report):
            shown = failures[:examples]
            yield "detail", f"      {label}: {len(failures)} case(s)" + (f", {len(shown)} shown:" if shown else ""), 0
            for failure in shown:
                for text in failure.summary():
                    yield "detail", "        " + text, 0
        if function_report.failures:
            first = function_report.failures[0]
            yield "detail", (f"      one failure in full, with its reproduction: sparsity-oracle verify "
                             f"--impl {name} --case '{first.case_id}'"), 0


def function_json(records: list[dict] | None) -> dict:
    """The JSON of one function from its case records (``runner.Outcome.to_json``); None: the
    function is not provided."""
    if records is None:
        return {"provided": False}
    outcomes = Counter(r["outcome"] for r in records)
    failures = [r["failure"] for r in records if "failure" in r]
    return {
        "provided": True,
        "cases": len(records),
        "passed": outcomes["pass"],
        "accepted": outcomes["accepted"],
        "skipped": outcomes["skipped"],
        "failed": sum(outcomes[c] for c in CAUSES),
        "failures_by_cause": {c: outcomes[c] for c in CAUSES if outcomes[c]},
        "conventions": dict(Counter(c for f in failures if f["cause"] == "convention" for c in f["conventions"])),
        "skip_reasons": dict(Counter(r["reason"] for r in records if r["outcome"] == "skipped")),
        "case_list": records,
    }


def differential_json(reports: list[ImplementationReport]) -> list[dict]:
    out = []
    for report in reports:
        impl, caps = report.implementation, report.implementation.capabilities
        functions = {name: function_json([o.to_json() for o in r.outcomes] if r.provided else None)
                     for name, r in report.functions.items()}
        out.append({
            "implementation": impl.name,
            "dtype": impl.dtype,
            "capabilities": {"scopes": list(caps.scopes), "max_entries": caps.max_entries,
                             "validates_inputs": caps.validates_inputs},
            "functions": functions,
            "failed": sum(f.get("failed", 0) for f in functions.values()),
        })
    return out


def records_json(records: list[dict]) -> list[dict]:
    """``differential_json``'s schema from flat records ``{implementation, dtype, function,
    ...Outcome.to_json()}`` (pytest: one per test, in whatever order xdist's workers sent them),
    each function's cases in run order (``cases.case_order``)."""
    grouped: dict[str, dict[str, list]] = {}
    dtypes = {}
    for r in sorted(records, key=lambda r: case_order(r["id"])):
        dtypes[r["implementation"]] = r["dtype"]
        case = {k: v for k, v in r.items() if k not in ("implementation", "dtype", "function")}
        grouped.setdefault(r["implementation"], {}).setdefault(r["function"], []).append(case)
    out = []
    for name, functions in grouped.items():
        by_function = {f: function_json(cases) for f, cases in functions.items()}
        out.append({"implementation": name, "dtype": dtypes[name], "functions": by_function,
                    "failed": sum(f["failed"] for f in by_function.values())})
    return out
