"""The predicates decide each property at high precision on hand-made instances."""

from fractions import Fraction

import numpy as np
import pytest

from sparsity_oracle.properties.predicates import (
    ExactJudge,
    FloatJudge,
    Reject,
    babies,
    bill_gates,
    cloning,
    rising_tide,
    robin_hood,
    scaling,
)
from sparsity_oracle.reference import gini, pq_index
from sparsity_oracle.reference.measures import MEASURES


def test_errata_d1_counterexample_for_p2_q3():
    """docs/errata.md (diao.theorem1.six_properties): w = (1, 1/2, 10, 10), moving 1/10 from w_1 to w_2 raises I_{2,3}."""
    judge = ExactJudge(pq_index, {"p": 2, "q": 3})
    cx = robin_hood(judge, [1.0, 0.5, 10.0, 10.0], 0, 1, Fraction(2, 5))
    assert cx.transform["alpha"] == Fraction(1, 10)
    assert cx.after[:2] == (Fraction(9, 10), Fraction(3, 5))
    assert cx.observed == "S(after) > S(before)"


def test_tiny_but_genuine_change_is_decided():
    """Moving 1.7e-227 next to 2.4e251 changes Gini by ~1e-478: decided, not 'equal'."""
    c = [0.0, 2.433527704103375e251, 8.72176328706346e-225]
    instance = robin_hood(ExactJudge(gini), c, 2, 0, Fraction(1, 1024))
    assert instance.status == "holds" and instance.exact and instance.decision.startswith("exact rationals")


def test_an_equality_is_proved_by_the_exact_form():
    """neg_l1 of (0, 1) and (0, 1, 0) agree to every digit; the exact form proves them equal:
    a decided violation of Babies."""
    cx = babies(ExactJudge(MEASURES["neg_l1"]), [0.0, 1.0])
    assert cx.status == "fails" and cx.observed == "S(after) = S(before)" and cx.exact
    cx = babies(ExactJudge(MEASURES["l2_over_l1"]), [0.0, 1.0])
    assert cx.status == "fails" and "reduces to 0" in cx.decision


def test_without_an_exact_form_an_equality_is_undecided():
    """The same values from a measure the fuzzer has no exact form for: undecided, never a pass."""
    instance = babies(ExactJudge(lambda w, dps=50: MEASURES["neg_l1"](w, dps=dps)), [0.0, 1.0])
    assert instance.status == "undecided" and "no exact form" in instance.decision


def test_exact_values_decide_an_equality():
    """l0 returns integers: an unchanged count is a proved violation of Robin Hood."""
    cx = robin_hood(ExactJudge(MEASURES["l0"]), [1.0, 3.0], 1, 0, Fraction(1, 2))
    assert cx.status == "fails" and cx.observed == "S(after) = S(before)" and not cx.exact


def test_saturation_is_decided_by_the_exact_form():
    """-tanh changes by about e**-2000 when 1/4 moves between entries near 1000: equal to the
    30 digits tried; the exact form's interval decides that Robin Hood holds, as 1000 digits of
    the reference confirm."""
    measure = MEASURES["neg_tanh"]
    instance = robin_hood(ExactJudge(measure), [1000.0, 999.0], 0, 1, Fraction(1, 2))
    assert instance.status == "holds" and instance.exact and "interval arithmetic" in instance.decision
    assert measure(list(instance.after), dps=1000) < measure(list(instance.before), dps=1000)


def test_equalities_and_exclusions():
    judge = ExactJudge(gini)
    assert scaling(judge, [1.0, 3.0, 0.0], Fraction(1, 3)).status == "holds"
    assert cloning(judge, [1.0, 3.0, 0.0], 3).status == "holds"
    # a caller of a predicate sees why a case is outside the property's domain
    with pytest.raises(Reject, match="^constant vector$"):
        rising_tide(judge, [2.0, 2.0], Fraction(1))
    with pytest.raises(Reject, match="^c = t e_i$"):
        bill_gates(judge, [0.0, 5.0], 1)
    with pytest.raises(Reject, match="^c_i = c_j$"):
        robin_hood(judge, [2.0, 2.0], 0, 1, Fraction(1, 2))


def test_bill_gates_searches_beta():
    """Hoyer of (1, 1, 0): growing entry 3 from 0 first lowers then raises the measure."""
    assert bill_gates(ExactJudge(MEASURES["hoyer"]), [1.0, 1.0, 0.0], 2).status == "holds"
    cx = bill_gates(ExactJudge(MEASURES["neg_l1"]), [1.0, 2.0], 0)
    assert cx.status == "fails" and cx.observed == "S(after) < S(before)" and len(cx.transform["betas_failed"]) == 13


def test_float_judge_leaves_differences_within_the_margin_undecided():
    judge = FloatJudge(lambda w: float(sum(w)) * (1 + 1e-14))
    assert judge.compare((1.0, 2.0), (2.0, 1.0)).order is None
    assert judge.compare((1.0, 2.0), (2.0, 1.0), strict=False).order == 0
    with pytest.raises(Reject):
        judge.value((Fraction(1, 3), 1.0))


def test_float_judge_rejects_entries_beyond_float64():
    """Scaling a grid vector near 2**1000 by 2**60 leaves float64: the case is rejected, not an
    OverflowError (found by the thorough profile)."""
    judge = FloatJudge(lambda w: float(np.max(w) / np.sum(w)))
    with pytest.raises(Reject):
        scaling(judge, [2.0**1000, 1.0], Fraction(2) ** 60)
