"""The fuzzer tests what each property states: every generated transformation is the property's
(direction, bounds, untouched entries), a violation is reported exactly when the decided order is
not the required one, and the decision margins sit where properties/predicates.py says."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings

from sparsity_oracle.properties import PROPERTIES
from sparsity_oracle.properties.check import cases
from sparsity_oracle.properties.predicates import (
    EQUALITY_DIGITS,
    P1_ALPHA_SHIFTS,
    P1_BETA_POWERS,
    PREDICATES,
    START_DIGITS,
    Comparison,
    ExactJudge,
    FloatJudge,
    Reject,
)

#: the order S(after) must have against S(before), and whether it is strict
REQUIRED = {"D1": -1, "D2": 0, "D3": -1, "D4": 0, "P1": 1, "P2": 1}


class Spy:
    """A judge that records each comparison and answers ``order``."""

    def __init__(self, order):
        self.order = order
        self.calls = []

    def compare(self, x, y, *, strict=True):
        self.calls.append((tuple(Fraction(v) for v in x), tuple(Fraction(v) for v in y), strict))
        return Comparison(self.order, "S(after)", "S(before)", "spy")


def _check_d1(case, after, before):
    c = [Fraction(v) for v in case["c"]]
    i, j = case["i"], case["j"]
    rich, poor = (i, j) if c[i] > c[j] else (j, i)
    alpha = before[rich] - after[rich]
    assert 0 < alpha < (c[rich] - c[poor]) / 2, "the transfer must be 0 < alpha < (c_i - c_j)/2"
    assert after[poor] - before[poor] == alpha, "what the richer loses, the poorer gains"
    assert after[rich] > after[poor], "the richer stays richer"
    assert alpha == case["t"] * (c[rich] - c[poor]) / 2
    assert all(after[k] == before[k] for k in range(len(c)) if k not in (i, j))


def _check_d2(case, after, before):
    assert case["alpha"] > 0 and after == tuple(case["alpha"] * v for v in before)


def _check_d3(case, after, before):
    assert case["alpha"] > 0 and after == tuple(v + case["alpha"] for v in before)
    assert len(set(before)) > 1, "a constant vector is outside D3's domain"


def _check_d4(case, after, before):
    assert case["copies"] >= 2 and after == before * case["copies"]


def _check_p1(case, after, before):
    i, c = case["i"], [Fraction(v) for v in case["c"]]
    beta, alpha = before[i] - c[i], after[i] - before[i]
    assert beta > 0 and alpha > 0, "P1 grows entry i by beta, then by alpha more"
    assert all(after[k] == before[k] == c[k] for k in range(len(c)) if k != i)
    top = max(c)
    assert beta / top in {Fraction(4) ** k for k in P1_BETA_POWERS}
    assert alpha / beta in {Fraction(2) ** s for s in P1_ALPHA_SHIFTS}


def _check_p2(case, after, before):
    assert after == before + (0,)


CHECKS = {"D1": _check_d1, "D2": _check_d2, "D3": _check_d3, "D4": _check_d4, "P1": _check_p1, "P2": _check_p2}


@pytest.mark.parametrize("float64_exact", [False, True], ids=["exact", "float64"])
@pytest.mark.parametrize("prop", PROPERTIES)
def test_generated_changes_are_the_property(prop, float64_exact):
    """Whatever the judge answers, every comparison a predicate asks for is S(after) vs S(before)
    with ``after`` the property's change of ``before`` (the spy answers 'violated', so P1 tries
    every beta, each at its first alpha)."""
    violated = -1 if REQUIRED[prop] >= 0 else 1

    @settings(max_examples=40, deadline=None)
    @given(cases(prop, float64_exact=float64_exact, max_size=12))
    def run(case):
        spy = Spy(violated)
        try:
            counterexample = PREDICATES[prop](spy, **case)
        except Reject:
            return
        assert spy.calls and counterexample is not None
        for after, before, strict in spy.calls:
            assert strict == (REQUIRED[prop] != 0)
            CHECKS[prop](case, after, before)
        assert counterexample.property == prop
        assert tuple(Fraction(v) for v in counterexample.after) == spy.calls[-1][0]

    run()


@pytest.mark.parametrize("prop", PROPERTIES)
def test_a_violation_is_reported_exactly_when_the_order_is_not_the_required_one(prop):
    case = {"D1": {"c": [3.0, 1.0, 2.0], "i": 1, "j": 0, "t": Fraction(1, 2)},
            "D2": {"c": [3.0, 1.0, 2.0], "alpha": Fraction(1, 3)},
            "D3": {"c": [3.0, 1.0, 2.0], "alpha": Fraction(1, 3)},
            "D4": {"c": [3.0, 1.0, 2.0], "copies": 3},
            "P1": {"c": [3.0, 1.0, 2.0], "i": 1},
            "P2": {"c": [3.0, 1.0, 2.0]}}[prop]
    for order in (-1, 0, 1, None):
        instance = PREDICATES[prop](Spy(order), **case)
        if order is None:
            assert instance.status == "undecided", f"{prop}: an undecided comparison is no verdict"
        elif order == REQUIRED[prop]:
            assert instance.status == "holds", f"{prop}: order {order} is no violation"
            assert instance.observed == instance.relation
        else:
            assert instance.status == "fails", f"{prop}: order {order} is a violation"
            assert instance.observed != instance.relation


# --- decision margins ------------------------------------------------------------------------


def _two_valued(gap_in_margins: float):
    """A 'measure' with S((1,)) = 1 and S((2,)) = 1 + gap, gap = ``gap_in_margins`` x the
    ExactJudge's margin 10**(1 - dps) (|S(x)| + |S(y)|) at every dps."""

    def measure(w, *, dps):
        with mpmath.workdps(dps + 20):
            one = mpmath.mpf(1)
            if w == [1.0]:
                return one
            margin = mpmath.mpf(10) ** (1 - dps) * 2 / (1 - gap_in_margins * mpmath.mpf(10) ** (1 - dps))
            return one + gap_in_margins * margin

    return measure


def test_exact_judge_decides_just_beyond_its_margin():
    decided = ExactJudge(_two_valued(1.01)).compare((2.0,), (1.0,))
    assert decided.order == 1 and not decided.exact and decided.decision == f"{START_DIGITS} digits"


def test_exact_judge_does_not_decide_within_its_margin():
    """Within the margin at every precision (a measure without an exact form): undecided at
    120 + 2 x ceil(log10 2) digits (strict), consistent at 120 digits for an equality; never a
    decided order."""
    judge = ExactJudge(_two_valued(0.99))
    tie = judge.compare((2.0,), (1.0,))
    assert (tie.order, tie.exact) == (None, False)
    assert tie.decision == "equal to 122 digits, and the measure has no exact form (proofs.exact) to prove the equality"
    equality = judge.compare((2.0,), (1.0,), strict=False)
    assert (equality.order, equality.exact, equality.decision) == (0, False, f"equal to {EQUALITY_DIGITS} digits")


def test_exact_judge_is_not_fooled_by_errors_within_the_promised_accuracy():
    """S(x) = S(y) = 1, returned with opposite errors just below 10**-dps (relative): never an
    order (undecided for a strict property, consistent for an equality)."""

    def noisy(w, *, dps):
        with mpmath.workdps(dps + 20):
            return 1 + (1 if w == [2.0] else -1) * mpmath.mpf("0.99") * mpmath.mpf(10) ** -dps

    assert ExactJudge(noisy).compare((2.0,), (1.0,)).order is None
    assert ExactJudge(noisy).compare((2.0,), (1.0,), strict=False).order == 0


def test_equality_digits_grow_with_the_inputs_range():
    """Entries spanning 20 decades: equal only to 120 + 2 x 20 digits (a change of relative
    size r can move S by r**2)."""
    measure = _two_valued(0.5)
    judge = ExactJudge(lambda w, *, dps: measure(w[:1], dps=dps))
    assert judge.compare((2.0, 1e-20), (1.0, 1e-20)).decision.startswith("equal to 162 digits,")


@pytest.mark.parametrize("scale, decided", [(1.01, True), (0.99, False)])
def test_float_judge_margin(scale, decided):
    """Defaults rtol = 1e-9, atol = 1e-12: decided just beyond atol + rtol max|S|, not within."""
    gap = scale * (1e-12 + 1e-9 * 1.0)
    judge = FloatJudge(lambda w: 1.0 if w[0] == 1.0 else 1.0 - gap)
    comparison = judge.compare((2.0,), (1.0,))
    assert comparison.order == (-1 if decided else None)
    wide = FloatJudge(lambda w: 1.0 if w[0] == 1.0 else 1.0 - gap, rtol=1e-6)
    assert wide.compare((2.0,), (1.0,)).order is None
