"""check_measure finds counterexamples in broken measures and none where the property is proved."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import Verbosity, find, settings
from hypothesis.errors import NoSuchExample

from sparsity_oracle import proofs
from sparsity_oracle.properties import PROPERTIES, check_measure
from sparsity_oracle.properties.check import cases
from sparsity_oracle.properties.cli import PQ_GRID
from sparsity_oracle.reference import gini, pq_index
from sparsity_oracle.reference.measures import MEASURES

#: Examples per property: a quarter of the active profile's budget (25 under ci/dev, 500 thorough).
EXAMPLES = max(10, settings.default.max_examples // 4)
SIZE = 12


def run(measure, **kwargs):
    return check_measure(measure, max_examples=EXAMPLES, max_size=SIZE, **kwargs)


# --- deliberately broken measures (exact: they take dps) ---------------------------------


def gini_unbiased(w, *, dps=50):
    """Gini rescaled by N/(N-1) (a common 'normalisation'): breaks cloning; babies only as an
    equality (U(c||0) - U(c) = (N - 1 - N G)/(N (N-1)), zero on one-hot c), which this measure,
    having no exact form, cannot prove: undecided."""
    n = len(w)
    return gini(w, dps=dps) * n / (n - 1)


def pqi_without_d(w, p=0.5, q=1.0, *, dps=50):
    """1 - ||w||_p / ||w||_q, the d^{1/q-1/p} factor forgotten."""
    with mpmath.workdps(dps + 10):
        c = [abs(mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator) for v in w]
        return 1 - mpmath.fsum(x**p for x in c) ** (1 / mpmath.mpf(p)) / mpmath.fsum(x**q for x in c) ** (1 / mpmath.mpf(q))


def raw_l1(w, *, dps=50):
    """sum |w| with the wrong orientation (larger = denser)."""
    return -MEASURES["neg_l1"](w, dps=dps)


def pqi_nonzero_only(w, *, dps=50):
    """PQI over the non-zero entries only (d = number of non-zeros): blind to zeros."""
    return pq_index([v for v in w if v], dps=dps)


@pytest.mark.parametrize(
    "measure, fails, undecided",
    [
        (gini_unbiased, {"D4"}, {"P2"}),
        (pqi_without_d, {"D4", "P2"}, set()),
        (raw_l1, {"D2", "D4"}, {"D1", "P2"}),
        (MEASURES["neg_l1"], {"D1", "D2", "D4", "P1", "P2"}, set()),
        (pqi_nonzero_only, {"P2"}, set()),
    ],
    ids=["gini*N/(N-1)", "pqi-without-d", "raw-l1", "neg_l1", "pqi-nonzero-only"],
)
def test_broken_measures_are_caught(measure, fails, undecided):
    """Decided violations are 'fails'.  l1 is unchanged by Robin Hood and by appending 0: for the
    reference's neg_l1 its exact form proves the equality (fails); the same values from a measure
    without an exact form (raw_l1) agree to every digit tried but are not proved equal: undecided,
    never 'holds'."""
    report = run(measure, seed=0, properties=sorted(fails | undecided))
    assert {p for p, r in report.results.items() if r.status == "fails"} == fails
    assert {p for p, r in report.results.items() if r.status == "undecided"} == undecided
    for prop in fails | undecided:
        result = report[prop]
        cx = result.counterexample
        assert cx.property == prop and cx.observed != cx.relation
        assert cx.status == result.status and (result.holds is None) == (prop in undecided)
    for prop in undecided:
        assert "no exact form" in report[prop].reason and report[prop].undecided >= 1


def test_equalities_are_proved_by_the_exact_form():
    """neg_l1's Robin Hood and Babies cases are equal; the exact form proves it (rationals)."""
    report = run(MEASURES["neg_l1"], seed=0, properties=("D1", "P2"))
    for prop in ("D1", "P2"):
        cx = report[prop].counterexample
        assert cx.observed == "S(after) = S(before)" and cx.exact
        assert cx.decision == "exact rationals: S(x) - S(y) = 0"


def test_counterexample_is_shrunk_and_reverified():
    cx = run(raw_l1, seed=0, properties=("D2",))["D2"].counterexample
    assert len(cx.vector) <= 3
    before, after = raw_l1(list(cx.before), dps=80), raw_l1(list(cx.after), dps=80)
    assert before != after
    assert cx.to_json()["transform"]["alpha"] == float(cx.transform["alpha"])


def test_gini_has_all_six():
    report = run(gini, seed=0)
    assert report.holds, report.to_json()
    assert all(report[p].examples >= EXAMPLES for p in PROPERTIES)


def test_pq_index_default_has_all_six():
    report = run(pq_index, seed=1)
    assert report.holds, report.to_json()


def _proved(obligation_id: str) -> bool:
    return {o.id: o.expected for o in proofs.OBLIGATIONS}[obligation_id] == proofs.PROVED


@pytest.mark.parametrize("p, q", PQ_GRID)
def test_fuzzer_agrees_with_the_proofs(p, q):
    """Where proofs/ proves a property of I_{p,q} the fuzzer finds no counterexample; where it
    refutes D1 (p > 1: D1.p_above_one; q < 1: D1.q_below_one) the fuzzer finds one, and
    reference confirms it at 80 digits."""
    assert all(_proved(name) for name in ("D2.scaling", "D3.rising_tide", "D4.cloning", "P1.bill_gates", "P2.babies"))
    d1_holds = p <= 1 <= q
    assert _proved("D1.p_le_1_le_q") and _proved("D1.fails_every_p_above_one") and _proved("D1.fails_every_q_below_one")
    params = {"p": p, "q": q}
    others = run(pq_index, params=params, seed=0, properties=("D2", "D3", "D4", "P1", "P2"))
    assert others.holds, others.to_json()
    d1 = check_measure(pq_index, params=params, properties=("D1",), seed=0, max_size=64,
                       max_examples=EXAMPLES if d1_holds else 400)["D1"]
    assert d1.status == ("holds" if d1_holds else "fails"), d1.to_json()
    if not d1_holds:
        before, after = (pq_index(list(v), p=p, q=q, dps=80) for v in (d1.counterexample.before, d1.counterexample.after))
        assert after > before


# --- float implementations: judged with a rounding margin on exactly-float64 instances -----


def gini_float(w):
    c = np.sort(np.abs(np.asarray(w, dtype=np.float64)))
    n = len(c)
    k = np.arange(1, n + 1)
    return 1 - 2 * np.sum((c / c.sum()) * (n - k + 0.5) / n)


def gini_float_descending(w):
    """Sorting the wrong way round flips the measure (larger = denser)."""
    return -gini_float(w)


def test_float_gini_has_no_rounding_counterexample():
    report = run(gini_float, seed=0)
    assert report.holds, report.to_json()
    assert report.judge.startswith("float64")


@pytest.mark.parametrize("value", [0.0, float("inf")])
def test_float_constant_measure_is_undecided_not_holding(value):
    """Issue 12: a constant measure on the float path was reported to hold everything.  Its
    values are equal in float64, which rounding could also produce: the strict properties are
    undecided (with the reason); the equalities D2, D4 hold."""
    report = run(lambda w: value, seed=0)
    assert {p: r.holds for p, r in report.results.items()} == {
        "D1": None, "D2": True, "D3": None, "D4": True, "P1": None, "P2": None}
    assert not report.holds
    for prop in ("D1", "D3", "P1", "P2"):
        assert "undecidable without the exact values" in report[prop].reason
        assert report[prop].undecided == report[prop].examples > 0
        shown = report.to_json()["properties"][prop]["counterexample"]
        assert (shown["observed"], shown["status"]) == ("undecided", "undecided")


def test_float_nan_measure_fails_everything():
    report = run(lambda w: float("nan"), seed=0)
    assert all(r.status == "fails" and r.counterexample.observed == "S is nan" for r in report.results.values())
    assert {r["counterexample"]["decision"] for r in report.to_json()["properties"].values()} == {
        "the measure returned nan"}


def test_constant_measure_with_dps_fails_the_strict_properties():
    """The same constant with a ``dps`` keyword: exact values, so S(after) = S(before) is proved."""
    report = run(lambda w, dps=50: 0, seed=0)
    assert {p for p, r in report.results.items() if r.status == "fails"} == {"D1", "D3", "P1", "P2"}


def test_float_broken_gini_is_caught():
    report = run(gini_float_descending, seed=0, properties=("D1", "P2"))
    assert {p for p, r in report.results.items() if r.status == "fails"} == {"D1", "P2"}
    cx = report["D1"].counterexample
    assert all(isinstance(v, float) for v in cx.after)


@pytest.mark.parametrize("kwargs", [{"max_examples": 0}, {"max_size": 1}])
def test_too_few_examples_or_entries_is_a_value_error(kwargs):
    with pytest.raises(ValueError, match="need max_examples >= 1 and max_size >= 2"):
        check_measure(gini, **kwargs)


def test_the_smallest_max_size_is_accepted():
    report = check_measure(gini, max_examples=1, max_size=2, properties=("P2",))
    assert report["P2"].status == "holds"


@pytest.fixture
def verbose_profile():
    """The active hypothesis profile, made verbose (it prints every example), then restored."""
    active = settings.get_current_profile_name()
    settings.register_profile("verbose-" + active, parent=settings.get_profile(active), verbosity=Verbosity.verbose)
    settings.load_profile("verbose-" + active)
    yield
    settings.load_profile(active)


def test_a_search_prints_nothing_even_when_it_finds_a_violation(verbose_profile, capsys):
    """Quiet whatever the active profile's verbosity."""
    report = run(gini_float_descending, seed=0, properties=("D1",))
    assert report["D1"].status == "fails"
    assert capsys.readouterr() == ("", "")


def test_exact_scalings_are_not_only_powers_of_two():
    """D2 for an exact judge scales by any positive rational (``strategies.scales``); only a
    float judge's cases keep to powers of two, whose products are exact in float64."""
    def power_of_two(alpha):
        return alpha.numerator & (alpha.numerator - 1) == 0 and alpha.denominator & (alpha.denominator - 1) == 0

    example = find(cases("D2", float64_exact=False), lambda kw: not power_of_two(kw["alpha"]),
                   settings=settings(database=None, derandomize=True))
    assert example["alpha"] > 0
    with pytest.raises(NoSuchExample):
        find(cases("D2", float64_exact=True), lambda kw: not power_of_two(kw["alpha"]),
             settings=settings(database=None, derandomize=True, max_examples=50))
