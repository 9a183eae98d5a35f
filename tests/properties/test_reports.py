"""What the property fuzzer reports: counterexamples in exact JSON, which judge a measure gets,
the inputs each judge refuses, and the P1 search's record of the betas it tried."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from sparsity_oracle.properties import check_measure
from sparsity_oracle.properties.predicates import (
    FLOAT64_LIMIT,
    P1_ALPHA_SHIFTS,
    P1_BETA_POWERS,
    Comparison,
    Instance,
    ExactJudge,
    FloatJudge,
    Reject,
    bill_gates,
    encode,
    babies,
    exact_vector,
    rising_tide,
    robin_hood,
    scaling,
    takes_dps,
)
from sparsity_oracle.reference import gini
from sparsity_oracle.reference.measures import MEASURES


def test_exact_numbers_in_json():
    assert encode(Fraction(3, 4)) == 0.75 and isinstance(encode(Fraction(3, 4)), float)
    assert encode(Fraction(1, 3)) == "1/3"
    assert encode(FLOAT64_LIMIT) == f"{2**1024}/1"  # beyond float64: never rounded
    assert encode((Fraction(1, 2), 2.0, [Fraction(1, 3)])) == [0.5, 2.0, ["1/3"]]
    assert exact_vector([Fraction(1, 2), 3, Fraction(1, 3)]) == (0.5, 3.0, Fraction(1, 3))
    assert all(type(v) is float for v in exact_vector([Fraction(1, 2), 3]))


def test_counterexample_json_is_exact_and_complete():
    cx = robin_hood(ExactJudge(MEASURES["l0"]), [1.0, Fraction(1, 3)], 0, 1, Fraction(1, 2))
    data = cx.to_json()
    assert data == {
        "property": "D1",
        "vector": [1.0, "1/3"],
        "transform": {"i": 0, "j": 1, "alpha": "1/6"},
        "before": [1.0, "1/3"],
        "after": ["5/6", 0.5],
        "value_before": "0",  # l0 counts the zero entries
        "value_after": "0",
        "relation": "S(after) < S(before)",
        "observed": "S(after) = S(before)",
        "decision": "exactly equal values (integers, fractions, exact zeros or infinities)",
        "status": "fails",
        "exact": False,
    }
    json.dumps(data)


def _share(w):
    """The largest entry's share of the total, in float64."""
    return float(np.max(w) / np.sum(w))


_FLOAT_DECISION = "float64 inputs, margin atol=1e-12 + rtol=1e-09*max|S|"


def test_rising_tide_report_names_the_tide():
    assert rising_tide(ExactJudge(gini), [1.0, 2.0], Fraction(1, 3)).to_json() == {
        "property": "D3", "vector": [1.0, 2.0], "transform": {"alpha": "1/3"},
        "before": [1.0, 2.0], "after": ["4/3", "7/3"],
        "value_before": "0.1666666666666666666666667", "value_after": "0.1363636363636363636363636",
        "relation": "S(after) < S(before)", "observed": "S(after) < S(before)", "decision": "30 digits",
        "status": "holds", "exact": False}


def test_bill_gates_report_names_the_entry_and_the_alphas_it_could_not_decide():
    """P1 on (1, 2) at i = 0, beta = 2: alpha = 2 * 2**-30 moves the share by ~1.5e-10, within the
    float margin (set aside and listed); the largest alpha tried, 2**31, is the one shown."""
    assert bill_gates(FloatJudge(_share), [1.0, 2.0], 0).to_json() == {
        "property": "P1", "vector": [1.0, 2.0],
        "transform": {"beta": 2.0, "alpha": 2.0**31, "alphas_undecided": [2.0**-29], "i": 0},
        "before": [3.0, 2.0], "after": [2.0**31 + 3, 2.0],
        "value_before": "0.6", "value_after": repr((2.0**31 + 3) / (2.0**31 + 5)),
        "relation": "S(after) > S(before)", "observed": "S(after) > S(before)", "decision": _FLOAT_DECISION,
        "status": "holds", "exact": False}


@pytest.mark.parametrize("after, observed, decision", [
    (0.5, "S(after) < S(before)", _FLOAT_DECISION),
    (math.nan, "S is nan", "the measure returned nan"),
    (math.inf, "S(after) > S(before)", _FLOAT_DECISION),
    (1.0 - 1e-13, "undecided", f"within the margin in float64 ({_FLOAT_DECISION}): undecidable without the exact values"),
])
def test_float_verdicts_of_babies(after, observed, decision):
    """S(c) = 1 and S(c||0) = ``after``: a decided drop, one NaN value, an infinite value, a gap
    inside the margin."""
    instance = babies(FloatJudge(lambda w: 1.0 if len(w) == 2 else after), [1.0, 2.0])
    assert (instance.observed, instance.decision, instance.value_before) == (observed, decision, 1.0)
    assert instance.status == {"S(after) > S(before)": "holds", "undecided": "undecided"}.get(observed, "fails")


def test_float_margin_is_atol_plus_rtol_times_the_larger_value():
    """S = 2 against S = 4 with atol = 0, rtol = 1/2: the gap 2 is exactly the margin, so undecided."""
    judge = FloatJudge(lambda w: 2.0 * len(w) - 2.0, rtol=0.5, atol=0.0)
    assert judge.compare((1.0, 2.0), (1.0, 2.0, 0.0)).order is None
    assert judge.compare((1.0, 2.0), (1.0, 2.0, 0.0, 0.0)).order == -1  # 2 against 6: beyond 3


def test_float_equality_report_keeps_both_values():
    assert scaling(FloatJudge(_share), [1.0, 2.0], Fraction(3)).to_json() == {
        "property": "D2", "vector": [1.0, 2.0], "transform": {"alpha": 3.0}, "before": [1.0, 2.0],
        "after": [3.0, 6.0], "value_before": repr(2 / 3), "value_after": repr(6 / 9),
        "relation": "S(after) = S(before)", "observed": "S(after) = S(before)", "decision": _FLOAT_DECISION,
        "status": "holds", "exact": False}


def test_undecided_report_says_undecided():
    assert babies(FloatJudge(lambda w: 1.0), [1.0, 2.0]).to_json() == {
        "property": "P2", "vector": [1.0, 2.0], "transform": {}, "before": [1.0, 2.0], "after": [1.0, 2.0, 0.0],
        "value_before": "1.0", "value_after": "1.0", "relation": "S(after) > S(before)", "observed": "undecided",
        "decision": f"equal in float64 ({_FLOAT_DECISION}): undecidable without the exact values",
        "status": "undecided", "exact": False}


@pytest.mark.parametrize("judge", [FloatJudge(lambda w: math.nan), ExactJudge(lambda w, *, dps: mpmath.nan)],
                         ids=["float", "exact"])
def test_nan_report_says_the_measure_returned_nan(judge):
    assert babies(judge, [1.0, 2.0]).to_json() == {
        "property": "P2", "vector": [1.0, 2.0], "transform": {}, "before": [1.0, 2.0], "after": [1.0, 2.0, 0.0],
        "value_before": "nan", "value_after": "nan", "relation": "S(after) > S(before)", "observed": "S is nan",
        "decision": "the measure returned nan", "status": "fails", "exact": False}


def test_report_of_a_difference_decided_at_raised_precision():
    """S(c||0) - S(c) = 1e-50, no exact form: within the margin at 30 digits, decided at 120."""

    def babies_by_1e_50(w, *, dps):
        with mpmath.workdps(dps + 20):
            return mpmath.mpf(1) + (mpmath.mpf(10) ** -50 if len(w) == 3 else 0)

    assert babies(ExactJudge(babies_by_1e_50), [1.0, 2.0]).to_json() == {
        "property": "P2", "vector": [1.0, 2.0], "transform": {}, "before": [1.0, 2.0], "after": [1.0, 2.0, 0.0],
        "value_before": "1.0", "value_after": "1.0", "relation": "S(after) > S(before)",
        "observed": "S(after) > S(before)", "decision": "120 digits", "status": "holds", "exact": False}


def test_real_values_are_written_to_25_digits():
    with mpmath.workdps(40):
        third, two_thirds = mpmath.mpf(1) / 3, mpmath.mpf(2) / 3
    cx = Instance("P2", (1.0,), {}, (1.0,), (1.0, 0.0), third, two_thirds,
                  "S(after) > S(before)", "S(after) < S(before)", "40 digits", "fails")
    data = cx.to_json()
    assert data["value_before"] == "0.3333333333333333333333333" and data["value_after"].startswith("0.666666666")
    assert (data["decision"], data["status"], data["exact"]) == ("40 digits", "fails", False)


def test_which_judge():
    assert takes_dps(gini) and takes_dps(lambda w, *, dps=50: 0)
    assert not takes_dps(lambda w: 0) and not takes_dps(np.sum)
    assert not takes_dps(max)  # no signature: judged as a float implementation
    assert (check_measure(gini, max_examples=2, max_size=4, properties=("D2",)).judge
            == "exact inputs, 30+ digits, exact form proofs.exact.EXACT_FORMS['gini']")
    assert ExactJudge(lambda w, *, dps=50: 0).describe() == "exact inputs, 30+ digits, no exact form"
    report = check_measure(lambda w: float(np.max(w) / np.sum(w)), max_examples=2, max_size=4, properties=("D2",),
                           rtol=1e-6, atol=1e-8)
    assert report.judge == "float64 inputs, margin atol=1e-08 + rtol=1e-06*max|S|"


def test_exact_judge_refuses_what_reference_cannot_read():
    judge = ExactJudge(gini)
    with pytest.raises(Reject, match=r"^entry >= 2\*\*1024, beyond what reference reads$"):
        judge.compare((FLOAT64_LIMIT, Fraction(1)), (Fraction(1), Fraction(1)))
    assert judge.compare((FLOAT64_LIMIT - 1, Fraction(1)), (Fraction(1), Fraction(2))).order == 1


def test_float_judge_refuses_what_float64_cannot_hold():
    judge = FloatJudge(lambda w: float(np.sum(w)))
    for vector, why in (((Fraction(1, 3), 1.0), "not exactly float64"), ((float("inf"), 1.0), "not finite in float64"),
                        ((math.nan, 1.0), "not finite in float64")):
        with pytest.raises(Reject, match=f"^{why}$"):
            judge.value(vector)
    assert judge.value((1.0, 2.0)) == 3.0


def test_infinite_values_are_ordered():
    """A measure may return +-inf (e.g. a log of 0): infinities compare exactly."""

    def log_min(w, *, dps=50):
        smallest = min(w)
        return mpmath.mpf(-math.inf) if smallest == 0 else mpmath.log(smallest)

    judge = ExactJudge(log_min)
    assert judge.compare((1.0, 2.0), (0.0, 2.0)).order == 1
    assert judge.compare((0.0, 2.0), (1.0, 2.0)).order == -1
    assert judge.compare((0.0, 2.0), (0.0, 3.0)).order == 0


def test_values_are_cached_per_vector_and_precision():
    calls = []

    def counted(w, *, dps=50):
        calls.append((tuple(w), dps))
        return gini(w, dps=dps)

    judge = ExactJudge(counted)
    judge.compare((1.0, 2.0), (1.0, 3.0))
    judge.compare((1.0, 2.0), (1.0, 3.0))
    assert calls == [((1.0, 2.0), 30), ((1.0, 3.0), 30)]


def test_bill_gates_reports_every_beta_it_tried():
    never = type("Never", (), {"compare": lambda self, x, y, strict=True: Comparison(-1, 0, 1, "spy")})()
    cx = bill_gates(never, [1.0, 2.0], 0)
    assert cx.transform["betas_failed"] == [Fraction(2) * 4**k for k in P1_BETA_POWERS]
    assert cx.transform["i"] == 0 and cx.vector == (1.0, 2.0) and cx.status == "fails"
    assert "betas_undecided" not in cx.transform
    assert cx.transform["beta"] == Fraction(2) * 4**P1_BETA_POWERS[-1]  # the last refuted beta is shown
    undecided = type("Undecided", (), {"compare": lambda self, x, y, strict=True: Comparison(None, 0, 0, "spy")})()
    open_case = bill_gates(undecided, [1.0, 2.0], 0)
    assert open_case.status == "undecided" and open_case.transform["betas_failed"] == []
    assert open_case.transform["betas_undecided"] == [Fraction(2) * 4**k for k in P1_BETA_POWERS]
    # the first undecided comparison is shown: the first beta, at its first alpha
    assert (open_case.transform["beta"], open_case.transform["alpha"]) == (2.0, 2.0 * 2.0**P1_ALPHA_SHIFTS[0])
    with pytest.raises(Reject, match="^c = t e_i$"):
        bill_gates(never, [0.0, 2.0], 1)
    assert bill_gates(never, [0.0, 2.0], 0) is not None  # growing a zero entry is in the domain


def test_bill_gates_skips_an_alpha_float64_cannot_hold():
    """c = (1, 1 + 2**-30), i = 0: beta = 1 + 2**-30, and 2 + 2**-30 + beta 2**-30 needs 61 bits; that
    alpha is skipped, the larger ones decide."""
    holds = bill_gates(FloatJudge(_share), [1.0, 1 + 2.0**-30], 0)
    assert holds.status == "holds" and holds.transform["beta"] == 1 + 2.0**-30


def test_bill_gates_needs_a_representable_beta():
    judge = FloatJudge(lambda w: float(np.sum(w)))
    with pytest.raises(Reject, match="^no representable beta$"):
        bill_gates(judge, [2.0**1023, 1.0], 1)


def test_report_counts_examples_and_writes_json():
    report = check_measure(gini, max_examples=7, max_size=5, properties=("D2", "P2"), params={}, name="Gini")
    assert report.measure == "Gini" and report.holds
    assert [r.examples for r in report.results.values()] == [7, 7]
    data = report.to_json()
    assert data["measure"] == "Gini" and data["params"] == {} and data["judge"] == report.judge
    d2 = data["properties"]["D2"]
    assert {k: d2[k] for k in ("holds", "status", "counterexample", "examples", "undecided", "reason")} == {
        "holds": True, "status": "holds", "counterexample": None, "examples": 7, "undecided": 0, "reason": None}
    with_params = check_measure(MEASURES["neg_tanh"], params={"a": Fraction(1, 3)}, max_examples=2, max_size=4,
                                properties=("D2",))
    assert with_params.to_json()["params"] == {"a": "1/3"} and with_params.measure == "neg_tanh"
