"""The proof steps earn ``proved`` and ``refuted`` only from what sympy decides: a step sympy
cannot decide, and any lemma that is not proved, leave an obligation and its dependants open."""

from __future__ import annotations

import pytest

sp = pytest.importorskip("sympy")

from sparsity_oracle.proofs import core  # noqa: E402

x, u = sp.symbols("x u", positive=True)
#: atan(x/2) + atan(x/3) - pi/4 is exactly 0 at x = 1, and sympy can neither simplify it to 0
#: nor decide its sign there: every step about it is undecidable by sympy.
MACHIN = sp.atan(x / 2) + sp.atan(x / 3) - sp.pi / 4


def status(prover) -> core.Result:
    return core.Obligation("X", "a claim", ("none",), core.PROVED, prover).check()


def test_the_undecidable_expression_is_undecidable():
    at_one = MACHIN.subs(x, 1)
    assert at_one.is_positive is None and at_one.is_negative is None and at_one.is_zero is None
    assert abs(sp.N(at_one, 50)) < sp.Float(10) ** -45


@pytest.mark.parametrize("relation", ["<", "<=", ">", ">="])
def test_a_refutation_sympy_cannot_decide_stays_open(relation):
    with pytest.raises(core.StepFailed, match="not refuted"):
        core.false_at(MACHIN, relation, {x: 1}, "Machin")
    result = status(lambda: core.Outcome(core.REFUTED, core.false_at(MACHIN, relation, {x: 1}, "Machin"),
                                         {"x": "1"}))
    assert result.status == core.OPEN and "not refuted" in result.reason


def test_a_refutation_sympy_decides():
    """At x = 2 the expression is atan(2/3) > 0: '< 0' and '<= 0' are refuted, '> 0' and '>= 0'
    hold there and are not."""
    for relation in ("<", "<="):
        assert "fails" in core.false_at(MACHIN, relation, {x: 2}, "Machin")
    for relation in (">", ">="):
        with pytest.raises(core.StepFailed):
            core.false_at(MACHIN, relation, {x: 2}, "Machin")


def test_undecidable_identity_and_sign_stay_open():
    with pytest.raises(core.StepFailed, match="not 0"):
        core.identity(sp.atan(sp.Rational(1, 2)) + sp.atan(sp.Rational(1, 3)), sp.pi / 4, "Machin")
    for expected in ("positive", "nonnegative", "negative", "nonpositive"):
        with pytest.raises(core.StepFailed, match="cannot show"):
            core.sign(MACHIN.subs(x, 1), expected, "Machin")
    assert "nonnegative" in core.sign(MACHIN.subs(x, 2), "nonnegative", "decided")


def _undecidable_lemma():
    """A lemma whose own step sympy cannot decide (the step raises through the dependant)."""
    return core.proof(core.identity(sp.atan(sp.Rational(1, 2)) + sp.atan(sp.Rational(1, 3)), sp.pi / 4, "Machin"))


def _open_lemma():
    """A lemma checked elsewhere that came out open."""
    return core.Outcome(core.OPEN, "sympy did not establish a step: Machin")


def _refuted_lemma():
    return core.Outcome(core.REFUTED, "a counterexample", {"x": "2"})


def _proved_lemma():
    return core.proof(core.identity(x * x, x**2, "x x = x^2"))


@pytest.mark.parametrize("lemma, because", [
    (_undecidable_lemma, "Machin: simplifies to"),
    (_open_lemma, "lemma L is open"),
    (_refuted_lemma, "lemma L is refuted"),
])
def test_a_lemma_not_proved_keeps_its_dependants_from_proved(lemma, because):
    assert status(lemma).status in (core.OPEN, core.REFUTED)
    dependant = status(lambda: core.proof(core.lemma(lemma, "L"), core.identity(x, x, "x = x")))
    assert dependant.status == core.OPEN
    assert because in dependant.reason


def test_a_proved_lemma_is_used():
    dependant = status(lambda: core.proof(core.lemma(_proved_lemma, "L"), core.identity(x, x, "x = x")))
    assert dependant.status == core.PROVED and dependant.reason.startswith("by lemma L")


def test_taylor_positivity_checks_the_value_at_zero():
    """u - 1 has a positive derivative but is -1 at u = 0; u^2 - u is 0 at 0 but falls first."""
    with pytest.raises(core.StepFailed, match="derivative 0 at 0 is -1"):
        core.taylor_positive(u - 1, u, 1, "u - 1 > 0")
    with pytest.raises(core.StepFailed, match="derivative 1 at 0 is -1"):
        core.taylor_positive(u**2 - u, u, 2, "u^2 - u > 0")
    assert "derivatives 0..1 >= 0, derivative 2 positive" in core.taylor_positive(u**2 + u, u, 2, "u^2 + u > 0")
    assert "derivatives 0..0 >= 0, derivative 1 positive" in core.taylor_positive(u + 1, u, 1, "u + 1 > 0")


def test_taylor_positivity_strict_or_not():
    """A derivative that is only >= 0 proves ``>= 0``, never ``> 0``."""
    flat = u - u + 0 * x
    with pytest.raises(core.StepFailed, match="is not positive"):
        core.taylor_positive(flat, u, 1, "0 > 0")
    assert "nonnegative" in core.taylor_positive(flat, u, 1, "0 >= 0", strict=False)
    with pytest.raises(core.StepFailed, match="not nonnegative"):
        core.taylor_positive(-u, u, 1, "-u >= 0", strict=False)


def test_a_step_sympy_cannot_establish_leaves_the_obligation_open_with_its_reason():
    result = status(lambda: core.proof(core.sign(MACHIN.subs(x, 1), "positive", "Machin > 0")))
    assert result.status == core.OPEN
    assert result.reason.startswith("sympy did not establish a step: Machin > 0")
    assert result.counterexample is None


@pytest.mark.parametrize("lhs, rhs", [
    ("(r*s)**a", "r**a * s**a"),   # only for r, s >= 0
    ("sqrt(r**2)", "r"),           # |r|
    ("log(r*s)", "log(r) + log(s)"),
])
def test_identities_hold_only_under_the_symbols_assumptions(lhs, rhs):
    """True for positive symbols, false for some real ones: no normal form may force a power,
    root or logarithm rule that needs positivity."""
    real = {"r": sp.Symbol("r", real=True), "s": sp.Symbol("s", real=True), "a": sp.Symbol("a", positive=True)}
    positive = {"r": sp.Symbol("r", positive=True), "s": sp.Symbol("s", positive=True), "a": real["a"]}
    with pytest.raises(core.StepFailed):
        core.identity(sp.sympify(lhs, locals=real), sp.sympify(rhs, locals=real), "for real r, s")
    assert "to 0" in core.identity(sp.sympify(lhs, locals=positive), sp.sympify(rhs, locals=positive), "r, s > 0")


def test_exponents_are_simplified_inside_powers():
    """x^((a^2 - 1)/(a - 1)) = x^(a + 1): only the normal form that simplifies each exponent
    on its own proves it."""
    a = sp.Symbol("a", positive=True)
    assert "to 0" in core.identity(x ** ((a**2 - 1) / (a - 1)), x ** (a + 1), "exponent")


def test_a_proof_is_its_steps():
    outcome = core.proof("first step", "second step")
    assert outcome == core.Outcome(core.PROVED, "first step; second step")
    assert status(lambda: outcome).reason == "first step; second step"


def test_taylor_positivity_uses_the_derivative_of_the_given_order():
    """e^u - 1 - u: value and first derivative 0 at 0, second derivative e^u > 0; sympy cannot
    show the first derivative e^u - 1 positive, so only the order-2 argument proves it."""
    assert sp.exp(u).is_positive and (sp.exp(u) - 1).is_positive is None
    assert "derivative 2 positive" in core.taylor_positive(sp.exp(u) - 1 - u, u, 2, "e^u > 1 + u")
    with pytest.raises(core.StepFailed, match="derivative 1 = exp"):
        core.taylor_positive(sp.exp(u) - 1 - u, u, 1, "e^u > 1 + u, order 1")


def test_a_refutation_states_the_value_to_20_digits():
    assert core.false_at(x - 2, ">", {x: sp.Rational(4, 3)}, "x > 2") == (
        "x > 2: at the counterexample the value is -0.66666666666666666667, so '> 0' fails")


def test_a_check_returns_the_claim_its_status_and_counterexample():
    example = {"x": "4/3"}
    obligation = core.Obligation("X.refuted", "x > 2", ("x > 0",), core.REFUTED,
                                 lambda: core.Outcome(core.REFUTED, core.false_at(x - 2, ">", {x: sp.Rational(4, 3)}, "x > 2"),
                                                      example))
    result = obligation.check()
    assert result == core.Result("X.refuted", "x > 2", ("x > 0",), core.REFUTED, core.REFUTED, result.reason, example)
    assert result.to_json() == {"id": "X.refuted", "claim": "x > 2", "assumptions": ["x > 0"], "status": "refuted",
                                "counterexample": {"x": "4/3"}, "source": None, "links": []}


def test_true_at_reports_the_value_it_evaluated():
    """The step's evidence names the exact value found at the point, to 20 digits."""
    evidence = core.true_at(x**2 - 2, ">", {x: 3}, "at x = 3")
    assert evidence == "at x = 3: the value is 7.0000000000000000000, so '> 0' holds there"
    with pytest.raises(core.StepFailed, match="at x = 1: -1 > 0 is not established"):
        core.true_at(x**2 - 2, ">", {x: 1}, "at x = 1")
