"""What the oracle feeds an implementation, what it accepts as an answer, and what its failure
report says: the reproduction snippet reproduces, the input is bit-exact, malformed answers and
wrong exceptions are failures."""

from __future__ import annotations

import contextlib
import io
from types import SimpleNamespace

import numpy as np
import pytest

from sparsity_oracle import reference
from sparsity_oracle.oracle import Case, as_implementation, check, find_case, load_implementation
from sparsity_oracle.oracle.checks import prepare
from sparsity_oracle.oracle.evaluations import digest
from meta.numpy_impl import NumpyImpl

torch = pytest.importorskip("torch")


class Answers:
    """Every function answers ``value`` (or raises it, if it is an exception)."""

    DTYPE = "float64"

    def __init__(self, value):
        self.value = value

    def _answer(self, *args, **kwargs):
        if isinstance(self.value, BaseException):
            raise self.value
        return self.value

    pq_index = gini = pqi_bound = sap_prune_count = sap_masks = fixed_ratio_masks = pruning_limit = _answer


W = np.array([3.0, -1.0, 0.5, 2.0])
PQ = Case("pq_index", {"w": W, "p": 0.5, "q": 1.0}, "four entries")
MASKS = {"weights": {"a": np.arange(1.0, 7.0).reshape(2, 3)}, "masks": {"a": np.ones((2, 3), dtype=bool)}, "scope": "layer"}
FIXED = Case("fixed_ratio_masks", {**MASKS, "amount": 0.5}, "six entries")
LIMIT = Case("pruning_limit", {"magnitudes": np.array([4.0, 3.0, 2.0, 1.0]), "spectrum": np.ones(4), "eps": 0.5}, "k* = 3")
SAP = Case("sap_prune_count", {"w": W, "p": 0.5, "q": 1.0, "eta_r": 0.0, "gamma": 1.0, "beta": 0.9}, "four entries")


# --- bfloat16 / float16 inputs ----------------------------------------------------------------


def test_inputs_are_rounded_to_the_dtype_as_torch_rounds_them():
    """Round to nearest, ties to even (bfloat16: 8 significant bits), subnormals included."""
    values = np.array([1 + 2.0**-8, 1 + 3 * 2.0**-8, 1 + 2.0**-9, 1 + 2.0**-8 + 2.0**-20, -(1 + 2.0**-8),
                       1 + 2.0**-11, 1 + 3 * 2.0**-11, 0.1, 2.0**-25 * 3, 2.0**-14 * 0.7, 1.0e4])
    large = np.array([1.0e-40, 3.0e37, 1 + 2.0**-8])
    for dtype, cases in (("float16", [values]), ("bfloat16", [values, large])):
        for w in cases:
            expected = torch.from_numpy(w).to(getattr(torch, dtype)).double().numpy()
            assert np.array_equal(prepare(Case("gini", {"w": w}), dtype)["w"], expected), dtype


@pytest.mark.parametrize("dtype, top", [("float32", 2.0**125), ("float16", 2.0**14), ("bfloat16", 2.0**125)])
def test_scale_free_cases_are_scaled_into_the_dtype_by_a_power_of_two(dtype, top):
    w = np.array([2.0**1020, 3 * 2.0**1017, 2.0**1000])  # exact in every dtype once scaled
    for function in ("pq_index", "gini", "pqi_bound", "sap_prune_count"):
        scaled = prepare(Case(function, {"w": w}), dtype)["w"]
        assert top <= np.max(scaled) < 2 * top  # the largest magnitude takes the exponent of top
        assert np.array_equal(scaled, w * (scaled[0] / w[0])) and np.log2(scaled[0] / w[0]) % 1 == 0
    limit = prepare(Case("pruning_limit", {"magnitudes": np.array([1e30, 1.0]), "spectrum": np.ones(2), "eps": 1.0}), dtype)
    assert limit["magnitudes"][1] == 1.0  # not scale-free: not scaled (1e30 may overflow float16)
    small = prepare(Case("gini", {"w": np.array([3.0, 1.0])}), dtype)["w"]
    assert small.tolist() == [3.0, 1.0]  # nothing to scale


# --- the failure report -------------------------------------------------------------------------


def _run_reproduction(snippet: str) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<reproduction>", "exec"), {})
    return out.getvalue().splitlines()


@pytest.mark.parametrize("spec, case", [
    ("meta.defects:SampleGini", Case("gini", {"w": W}, "four entries")),
    ("meta.defects:CeilCount", SAP),
])
def test_the_reproduction_reproduces(spec, case):
    impl = load_implementation(spec)
    failure = check(impl, case)
    assert failure is not None and failure.implementation == spec
    returned, expected = _run_reproduction(failure.reproduction)
    assert returned == failure.returned
    assert expected == str(getattr(reference, case.function)(**prepare(case, impl.dtype)))
    assert failure.inputs == {"w": [float(v).hex() for v in W]}
    assert [float.fromhex(h) for h in failure.inputs["w"]] == W.tolist()


def test_the_report_names_everything():
    failure = check(Answers(0.5), PQ)
    assert (failure.function, failure.label, failure.params) == ("pq_index", "four entries", {"p": 0.5, "q": 1.0})
    text = str(failure).splitlines()
    assert text[0] == f"FAIL pq_index [four entries] in {failure.implementation}"
    assert text[1] == "  cause: wrong-value (no known explanation)"
    assert text[2] == "  parameters: {'p': 0.5, 'q': 1.0}"
    assert text[3] == f"  input (float.hex): {failure.inputs}"
    assert text[4] == f"  reference: {failure.reference}" and float(failure.reference) == float(reference.pq_index(W))
    assert text[5] == "  returned:  0.5"
    assert text[6] == f"  error: {failure.error:.3e} > budget {failure.budget:.3e}"
    assert failure.error == abs(0.5 - float(reference.pq_index(W)))
    assert text[7] == "  absolute error over budget"
    assert text[8] == "  reproduce:" and all(line.startswith("    ") for line in text[9:])


def test_the_summary_shows_the_values_and_the_error_and_leaves_the_error_s_note_out():
    failure = check(Answers(0.5), PQ)
    assert failure.summary() == ["four entries {'p': 0.5, 'q': 1.0}",
                                 f"  reference 0.094030325745901; returned 0.5; error 4.060e-01 > budget {failure.budget:.3e}",
                                 "  no known explanation"]


def test_a_count_summary_shows_its_note_and_long_answers_are_cut():
    assert check(Answers(2.0), SAP).summary() == [
        "four entries {'p': 0.5, 'q': 1.0, 'eta_r': 0.0, 'gamma': 1.0, 'beta': 0.9}",
        "  reference 0; returned 2.0", "  returned a non-integer", "  admitted count 0"]
    assert check(Answers("x" * 200), PQ).summary()[1] == "  reference 0.094030325745901; returned '" + "x" * 96 + "..."


def test_the_json_report_names_everything():
    """A saturated sample Gini (test_causes): the cause, the other explanation, the values."""
    w = np.array([0.0, 0.0, 0.0, 2.0**-1070])
    failure = check(Answers(1.0), Case("gini", {"w": w}, "one-hot, subnormal"))
    assert failure.to_json() == {
        "case": {"id": "", "label": "one-hot, subnormal", "function": "gini", "params": {},
                 "inputs": {"w": ["0x0.0p+0", "0x0.0p+0", "0x0.0p+0", "0x0.0000000000010p-1022"]}},
        "cause": "underflow", "conventions": [],
        "reason": "sum |w|^1 x 4 = 2^-1068 is below float64's normal range (2.23e-308)",
        "also_explained_by": [{"cause": "convention", "conventions": ["sample-gini"],
                               "reason": "the reference under sample-gini gives 1.0"}],
        "reference": "0.75", "returned": "1.0", "error": 0.25, "budget": failure.budget,
        "note": "absolute error over budget", "reproduction": failure.reproduction,
    }
    assert 0 < failure.budget < 1e-14


def test_a_small_case_is_reproduced_inline_even_with_its_id():
    impl = Answers(0.5)
    failure = check(impl, find_case("gini/single-entry"))
    assert failure.reproduction == "\n".join([
        "import numpy as np",
        "from sparsity_oracle import reference",
        "from sparsity_oracle.oracle import TorchAdapter, arguments, as_implementation, find_case, load_implementation",
        f"impl = load_implementation('{Answers.__module__}:Answers')",
        "kwargs = dict(",
        "    w=np.array([float.fromhex(h) for h in ['-0x1.0000000000000p+2']]).astype(np.float64).reshape((1,)),",
        ")",
        "print(impl.function('gini')(**kwargs))",
        "print(reference.gini(**kwargs))",
    ])


def test_a_large_case_is_shown_by_its_digest_and_reproduced_through_its_id():
    case = find_case("gini/many-zeros")
    w = case.kwargs["w"]
    assert w.size == 100
    failure = check(Answers(0.5), case)
    assert failure.inputs == {"w": {"entries": 100, "shape": [100], "sha256": digest(w),
                                    "head": [float(v).hex() for v in w[:8]]}}
    assert "kwargs = arguments(find_case('gini/many-zeros'), impl.dtype)" in failure.reproduction.splitlines()


def test_relative_budget_is_named():
    failure = check(Answers(1.0), Case("pqi_bound", {"w": W, "p": 0.5, "q": 1.0, "eta_r": 0.0}))
    assert failure.note == "relative-budget error over budget"


def test_mask_report_shows_both_masks():
    failure = check(Answers({"a": np.zeros((2, 3), dtype=bool)}), FIXED)
    assert failure.reference == str({"a": [[0, 0, 0], [1, 1, 1]]})
    assert failure.returned == str({"a": [[0, 0, 0], [0, 0, 0]]})
    assert failure.note == "group [a[0, 1, 2, 3]...]: pruned 6, admitted [3] (wrong-value)"
    assert failure.reason == "pruned 6, admitted [3]"
    assert failure.inputs == {"weights": {"a": [float(v).hex() for v in range(1, 7)]}, "masks": {"a": [True] * 6}}
    reproduction = failure.reproduction
    assert "np.array([True, True, True, True, True, True], dtype=bool).reshape((2, 3))" in reproduction


def test_a_float32_mask_reproduction_feeds_float32_weights():
    class Float32(Answers):
        DTYPE = "float32"

    reproduction = check(Float32({"a": np.zeros((2, 3), dtype=bool)}), FIXED).reproduction.splitlines()
    hexes = [float(v).hex() for v in range(1, 7)]
    assert reproduction[5] == (f"    weights={{'a': np.array([float.fromhex(h) for h in {hexes}]).astype(np.float32)"
                               ".reshape((2, 3))},")


def test_wrong_choice_of_the_admitted_count_is_reported():
    wrong = {"a": np.array([[True, False, True], [False, True, False]])}
    failure = check(Answers(wrong), FIXED)
    assert failure.note == "group [a[0, 1, 2, 3]...]: pruned 3, admitted [3] (wrong-value)"
    assert failure.reason == "pruned 3 (admitted), but not the 3 smallest magnitudes"


def test_sap_note_names_the_admitted_counts():
    assert check(Answers(3), SAP).note == f"admitted count {reference.sap_prune_count(**SAP.kwargs)}"
    near = Case("sap_prune_count", {"w": np.array([1.0] * 10 + [1e-18] + [0.0] * 5), "p": 0.5, "q": 1.0,
                                    "eta_r": 0.0, "gamma": 1.0, "beta": 0.9})

    class Float32(Answers):
        DTYPE = "float32"

    note = check(Float32(7), near).note
    assert note == "admitted counts [5, 6] (the exact real lies within rounding of an integer; reference: 5)"


# --- malformed answers --------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["0.3", None, [0.3], float("nan"), float("inf")])
def test_a_real_result_must_be_a_finite_number(answer):
    failure = check(Answers(answer), PQ)
    assert failure is not None
    if isinstance(answer, float):
        assert failure.error == float("inf")
    else:
        assert failure.reason == "returned a non-number" and failure.cause == "wrong-value"


@pytest.mark.parametrize("answer", [True, 2.0, "2", np.float64(2.0), None])
def test_a_count_must_be_an_integer(answer):
    failure = check(Answers(answer), SAP)
    assert (failure.cause, failure.reason) == ("wrong-value", "returned a non-integer")
    assert failure.reference == str(reference.sap_prune_count(**SAP.kwargs)) == "0"


def test_a_count_may_be_any_integer_type():
    count = reference.sap_prune_count(**SAP.kwargs)
    for answer in (count, np.int64(count), np.int32(count), np.array(count), torch.tensor(count)):
        assert check(Answers(answer), SAP) is None, type(answer)


@pytest.mark.parametrize("answer, problem", [
    ([], "expected a dict with keys ['a'], got list"),
    ({"b": np.ones((2, 3), dtype=bool)}, "expected a dict with keys ['a'], got dict ['b']"),
    ({"a": np.ones((3, 2), dtype=bool)}, "mask 'a': expected bool (2, 3), got bool (3, 2)"),
    ({"a": np.ones((2, 3))}, "mask 'a': expected bool (2, 3), got float64 (2, 3)"),
])
def test_a_mask_result_must_be_the_masks(answer, problem):
    failure = check(Answers(answer), FIXED)
    assert failure is not None and failure.note.rstrip() == problem


@pytest.mark.parametrize("answer", [SimpleNamespace(kept=3.0, radius=1.0), SimpleNamespace(kept=True, radius=1.0),
                                    "3", 4, 2])
def test_a_kept_count_must_be_the_admitted_integer(answer):
    failure = check(Answers(answer), LIMIT)
    assert failure is not None and failure.note.startswith("kept ")
    assert "outside the admitted 3..3" in failure.note


def test_kept_alone_or_with_its_radius():
    assert check(Answers(3), LIMIT) is None
    assert check(Answers(np.int64(3)), LIMIT) is None
    assert check(Answers(SimpleNamespace(kept=3, radius=1.0)), LIMIT) is None
    failure = check(Answers(SimpleNamespace(kept=3, radius=1.5)), LIMIT)
    assert failure.note.startswith("radius 1.5 vs exact R_3 = 1.0: error 5.000e-01 > budget")
    assert failure.reference == f"kept=3, radius={1.0!r}"
    for radius in (None, "1.0", float("nan")):
        assert check(Answers(SimpleNamespace(kept=3, radius=radius)), LIMIT) is not None, radius


# --- exceptions ------------------------------------------------------------------------------


def test_invalid_input_must_raise_value_error():
    invalid = Case("pq_index", {"w": np.array([0.0, 0.0]), "p": 0.5, "q": 1.0}, "all zero")
    assert check(Answers(ValueError("undefined")), invalid) is None
    returned = check(Answers(0.0), invalid)
    assert returned.reason == "an invalid input must raise ValueError (contract §1)" and returned.returned == "0.0"
    assert returned.cause == "invalid-input"
    wrong = check(Answers(ZeroDivisionError("division by zero")), invalid)
    assert wrong.returned == "raised ZeroDivisionError: division by zero"
    assert wrong.reference == "raises ValueError"


def test_a_valid_input_must_not_raise():
    """The report shows what the reference returns: the value of a real or a count, else its name."""
    bound = Case("pqi_bound", {"w": W, "p": 0.5, "q": 1.0, "eta_r": 0.0}, "four entries")
    expected = [(PQ, repr(float(reference.pq_index(W)))), (bound, repr(float(reference.pqi_bound(W, 0.5, 1.0, 0.0)))),
                (FIXED, "a value (reference.fixed_ratio_masks)"), (LIMIT, "a value (reference.pruning_limit)"),
                (SAP, str(reference.sap_prune_count(**SAP.kwargs)))]
    for case, shown in expected:
        failure = check(Answers(ValueError("nope")), case)
        assert failure.reason == "raised ValueError on a valid input" and failure.returned == "raised ValueError: nope"
        assert failure.reference == shown


def test_the_careful_implementation_of_every_function_passes_these_cases():
    for case in (PQ, FIXED, LIMIT, SAP):
        assert check(as_implementation(NumpyImpl()), case) is None
