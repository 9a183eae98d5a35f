"""Reports of differential checks: grouped text and machine-readable JSON (SPEC §7).

Text: one line per (implementation, function) with the case counts; under a failing line, one
block per cause (with its conventions) giving the count and the first ``examples`` failures in
a few lines each.  ``sparsity-oracle verify --impl X --case ID`` prints one failure in full,
with its reproduction.

JSON (``differential_json``): per implementation and function, the counts (``cases``,
``passed``, ``accepted``, ``skipped``, ``failed``), ``failures_by_cause``, ``conventions`` (how
many failures each named convention explains), every case as ``{id, label, digest,
outcome}``, every failure with its case, and the skip reasons.
"""

from __future__ import annotations

from collections import Counter

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
    failed = len(report.failures)
    parts = [f"{n - skipped - failed}/{n - skipped} cases agree"]
    accepted = report.count("accepted")
    if accepted:
        parts.append(f"{accepted} of them accepted conventions")
    if failed:
        parts.append(f"{failed} fail: " + ", ".join(f"{k} {v}" for k, v in report.by_cause.items()))
    if skipped:
        parts.append(f"{skipped} skipped (" + "; ".join(f"{r}: {k}" for r, k in report.skip_reasons.items()) + ")")
    if n == skipped:
        return None, f"{impl_name}: {report.function}: every case skipped (" + "; ".join(report.skip_reasons) + ")"
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


def function_json(report: FunctionReport) -> dict:
    if not report.provided:
        return {"provided": False}
    failures = report.failures
    conventions = Counter(c for f in failures + report.accepted if f.cause == "convention" for c in f.conventions)
    return {
        "provided": True,
        "cases": len(report.outcomes),
        "passed": report.count("pass"),
        "accepted": report.count("accepted"),
        "skipped": report.count("skipped"),
        "failed": len(failures),
        "failures_by_cause": report.by_cause,
        "conventions": dict(conventions),
        "skip_reasons": report.skip_reasons,
        "case_list": [o.to_json() for o in report.outcomes],
        "failures": [f.to_json() for f in failures],
        "accepted_failures": [f.to_json() for f in report.accepted],
    }


def implementation_json(report: ImplementationReport) -> dict:
    impl = report.implementation
    caps = impl.capabilities
    return {
        "implementation": impl.name,
        "dtype": impl.dtype,
        "capabilities": {"scopes": list(caps.scopes), "max_entries": caps.max_entries,
                         "validates_inputs": caps.validates_inputs},
        "functions": {name: function_json(r) for name, r in report.functions.items()},
        "failed": len(report.failures),
    }


def differential_json(reports) -> list[dict]:
    return [implementation_json(r) for r in reports]
