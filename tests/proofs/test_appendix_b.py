"""Appendix B as printed: every display has its obligations, each quoting the paper verbatim, and
the witnesses of the remarks re-evaluated outside sympy; the counterexample measure for "P1 and
P2 follow from D1-D4" fuzzed."""

import re
from fractions import Fraction

import mpmath
import pytest

from sparsity_oracle import proofs
from sparsity_oracle.proofs import exact, remarks
from sparsity_oracle.properties import check_measure
from sparsity_oracle.properties.predicates import ExactJudge, babies

SOURCED = [ob for ob in proofs.OBLIGATIONS if ob.source is not None]
IDS = {ob.id for ob in proofs.OBLIGATIONS}


def test_sources_quote_the_paper(papers_dir):
    for ob in SOURCED:
        text = (papers_dir / ob.source.paper).read_text(encoding="utf-8")
        assert ob.source.display in text, (ob.id, ob.source.display)


def _appendix_b_rows(text):
    """Each row (between '\\\\' separators) of each $$ display of Appendix B."""
    appendix = text[text.index("B THEORETICAL ANALYSIS"):text.index("C EXPERIMENTAL SETUP")]
    for block in re.findall(r"\$\$(.*?)\$\$", appendix, flags=re.S):
        body = block.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
        yield from (row.strip() for row in body.split(r" \\ ") if row.strip())


def test_every_display_of_appendix_b_has_an_obligation(papers_dir):
    text = (papers_dir / proofs.core.PQI_PAPER).read_text(encoding="utf-8")
    displays = [ob.source.display for ob in SOURCED if ob.source.location.startswith("Appendix B")]
    rows = list(_appendix_b_rows(text))
    assert len(rows) >= 12
    for row in rows:
        covered = [d for d in displays if d in row or row.rstrip(". ") in d]
        assert covered, f"no obligation for the printed line {row!r}"


def test_links_name_obligations_and_appendix_lines_have_them():
    for ob in proofs.OBLIGATIONS:
        assert set(ob.links) <= IDS, ob.id
    for ob in SOURCED:
        if ob.source.location.startswith("Appendix B") and ob.id.startswith("B."):
            assert ob.source.paper == proofs.core.PQI_PAPER
            assert ob.links or ob.id.startswith(("B.T2.line1", "B.T1.reduction")), ob.id


def _ratio_without_d(w, p, q):
    return 1 - sum(x**p for x in w) ** (1 / p) / sum(x**q for x in w) ** (1 / q)


def _pqi_formula(w, p, q):
    return 1 - mpmath.mpf(len(w)) ** (1 / q - 1 / p) * sum(x**p for x in w) ** (1 / p) / sum(x**q for x in w) ** (1 / q)


FORMULAS = {"1 - ||w||_p/||w||_q": _ratio_without_d, "I_{p,q}": _pqi_formula}


@pytest.mark.parametrize("obligation_id", sorted(remarks.WITNESSES))
def test_remark_witnesses_by_mpmath(obligation_id):
    """Each Remark 2 witness violates its property when evaluated in mpmath at 50 digits."""
    example = remarks.WITNESSES[obligation_id]
    with mpmath.workdps(50):
        p, q = (mpmath.mpf(Fraction(example[k]).numerator) / Fraction(example[k]).denominator for k in ("p", "q"))
        before, after = ([mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator for x in example[k]]
                         for k in ("before", "after"))
        change = FORMULAS[example["measure"]](after, p, q) - FORMULAS[example["measure"]](before, p, q)
        required = remarks.REQUIRED[example["property"]]
        tiny = mpmath.mpf(10) ** -40
        assert (abs(change) > tiny) if required == 0 else (change * required <= tiny)


def gini_plus_constant(w, *, dps=50):
    """Hurley & Rickard's Gini plus 1 on constant vectors (T1.p1_p2_from_d1_d4), as an exact
    Fraction (the exact form of gini), so every comparison is decided exactly."""
    (value,), _ = exact.exact_form("gini", (w,))
    return value + (1 if len({abs(Fraction(v)) for v in w}) == 1 else 0)


def test_gini_plus_constant_has_d1_to_d4_and_p1_but_not_p2():
    """The counterexample to "P1 and P2 follow from D1-D4": the fuzzer finds D1-D4 and P1 holding,
    and P2 fails on every constant vector."""
    report = check_measure(gini_plus_constant, max_examples=25, max_size=12, seed=0,
                           properties=("D1", "D2", "D3", "D4", "P1"))
    assert report.holds, report.to_json()
    for c in ([1.0, 1.0], [0.5] * 5):
        instance = babies(ExactJudge(gini_plus_constant), c)
        assert instance.status == "fails" and instance.value_after < instance.value_before
