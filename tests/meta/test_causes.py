"""Every cause of contract §7, each shown by an implementation with exactly that defect or convention
(``meta.defects``): the oracle rejects it and names that cause (and convention) for every
failing case, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from sparsity_oracle import reference
from sparsity_oracle.oracle import CAUSES, CONVENTIONS, Case, check, find_case, run_checks
from sparsity_oracle.oracle.causes import Diagnosis
from meta import defects
from meta.defects import EXPECTED

#: sap_prune_count has ~470 hard cases; every 4th of them shows the defect as well.
STRIDE = {"sap_prune_count": 4}


def failures_of(impl, function, generated=10):
    return run_checks(impl, functions=(function,), generated=generated, hard_stride=STRIDE.get(function, 1)).failures


@pytest.mark.parametrize("defect", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_each_defect_is_rejected_with_its_cause(defect):
    function, cause, conventions = EXPECTED[defect]
    found = failures_of(defect(), function)
    assert found, f"the oracle passed {defect.__name__}"
    labels = {(f.cause, f.conventions) for f in found}
    assert labels == {(cause, conventions)}, [(f.case_id, f.cause, f.conventions, f.reason) for f in found
                                              if (f.cause, f.conventions) != (cause, conventions)][:5]


def test_every_cause_and_convention_is_shown():
    shown = {cause for _, cause, _ in EXPECTED.values()} | {"overflow", "underflow"}
    assert shown == set(CAUSES)
    named = {c for _, cause, conventions in EXPECTED.values() if cause == "convention" for c in conventions}
    assert named == set(CONVENTIONS)


def test_unscaled_norms_overflow_on_a_realistic_layer_and_underflow_on_small_weights():
    """The paper's PQI through unscaled float32 norms: ||w||_0.1 of Gaussian(0, 0.05) weights
    at 20 000 entries is 5e41 > 3.4e38; |w|^4 of 1e-30 weights is 0 in float32."""
    impl = defects.UnscaledNorms32()
    overflow = check(impl, find_case("pq_index/gaussian-0-0.05-20000-entries/p=0.1,q=1.0"))
    assert overflow.cause == "overflow" and "||w||_0.1" in overflow.reason
    underflow = check(impl, find_case("pq_index/small-normal-1e-30/p=2.0,q=4.0"))
    assert underflow.cause == "underflow"
    assert {f.cause for f in failures_of(impl, "pq_index", generated=0)} == {"overflow", "underflow"}


def test_gini_with_an_epsilon_is_caught_by_the_hard_cases_alone():
    found = failures_of(defects.GiniEpsilon(), "gini", generated=0)
    assert {f.case_id for f in found} >= {"gini/small-normal-1e-6", "gini/laplace-0-0.001-10000-entries"}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_nan_entry_is_invalid_input_and_a_value_error_on_valid_input_too():
    assert check(defects.NoFiniteCheck(), find_case("gini/inf-entry")).cause == "invalid-input"

    class RejectsSingleEntries(defects.NumpyImpl):
        def gini(self, w):
            if len(w) < 2:
                raise ValueError("need two entries")
            return super().gini(w)

    failure = check(RejectsSingleEntries(), find_case("gini/single-entry"))
    assert failure.cause == "invalid-input" and "valid input" in failure.reason


def test_accepted_conventions_pass_and_are_counted():
    report = run_checks(defects.SampleGini(), functions=("gini",), generated=5, accept=("sample-gini",))
    assert not report.failures
    assert len(report.accepted) == report.functions["gini"].count("accepted") > 0
    other = run_checks(defects.SampleGini(), functions=("gini",), generated=5, accept=("tie-order",))
    assert other.failures and not other.accepted


def test_ambiguous_failures_take_the_implementation_s_consistent_explanation():
    """A count that both ceil and counting masked entries give is named after the explanation
    that fits the implementation's other failures."""
    found = failures_of(defects.MaskedEntriesCounted(), "sap_masks")
    assert any(f.alternatives for f in found)
    assert {f.conventions for f in found} == {("masked-entries-counted",)}


def test_a_dead_neuron_crash_names_the_exception():
    failure = check(defects.DeadNeuronCrash(), find_case(
        "fixed_ratio_masks/conv-and-linear-dead-neuron-and-layer/scope=neuron,amount=0.2"))
    assert failure.cause == "crash" and "IndexError" in failure.returned


class PqIndexDShifted(defects.NumpyImpl):
    """PQI with d + ``shift`` in place of d in the factor d^(1/q - 1/p)."""

    shift = -1

    def pq_index(self, w, p, q):
        c = self._magnitudes(w)
        log_r = (1 / q - 1 / p) * np.log(len(c) + self.shift) + self._log_scaled_sum(c, p) / p \
            - self._log_scaled_sum(c, q) / q
        return float(-np.expm1(log_r))


class PqIndexDPlusOne(PqIndexDShifted):
    shift = 1


@pytest.mark.parametrize("impl, variant, value", [
    # I_n = 1 - (n/d)^(1/q - 1/p) (1 - I): with 1/q - 1/p = -1, (1 - I) 4/3 and (1 - I) 4/5
    (PqIndexDShifted(), "d-minus-one", -0.20795956567213203),
    (PqIndexDPlusOne(), "d-plus-one", 0.2752242605967208),
])
def test_a_pq_index_with_d_one_off_is_named_after_its_variant(impl, variant, value):
    """[3, -1, 0.5, 2], p = 0.5, q = 1: I = 0.0940.. under the contract."""
    failure = check(impl, Case("pq_index", {"w": np.array([3.0, -1.0, 0.5, 2.0]), "p": 0.5, "q": 1.0}, "four entries"))
    assert _report(failure) == ("off-by-one", (variant,), f"the reference with {variant} gives {value!r}",
                                "absolute error over budget")
    assert abs(float(failure.returned) - value) < 1e-15


TINY_ONE_HOT = Case("gini", {"w": np.array([0.0, 0.0, 0.0, 2.0**-1070])}, "one-hot, subnormal")


def test_a_result_saturated_at_one_names_the_range_problem_first():
    """The sample Gini of a one-hot vector is 1 exactly (N/(N-1) x (1 - 1/N)); at 2^-1070 the
    unscaled N sum |w| = 4 x 2^-1070 underflows, and a result saturated at 1 is what an underflow
    gives, so underflow comes first and the convention is the other explanation."""
    failure = check(defects.SampleGini(), TINY_ONE_HOT)
    assert (failure.reference, failure.returned) == ("0.75", "1.0")
    assert _report(failure) == ("underflow", (), "sum |w|^1 x 4 = 2^-1068 is below float64's normal range (2.23e-308)",
                                "absolute error over budget")
    sample = Diagnosis("convention", ("sample-gini",), "the reference under sample-gini gives 1.0")
    assert failure.alternatives == (sample, NO_EXPLANATION)
    chosen = failure.explained_by(sample)  # as run_checks does when it fits the other failures
    assert _report(chosen) == ("convention", ("sample-gini",), "the reference under sample-gini gives 1.0",
                               "absolute error over budget")
    assert chosen.alternatives == (failure.diagnosis, NO_EXPLANATION) and not chosen.unexplained
    assert chosen.accepted(("sample-gini",)) and not failure.accepted(("sample-gini",))


def test_a_bound_from_a_pqi_that_rounds_to_one_is_cancellation_amplified_without_limit():
    """One-hot, d = 100, p = 0.1, q = 2: 1 - I = 100^-9.5 rounds away (I = 1.0 as a double), the
    bound d (1 - I)^(qp/(q-p)) = 1 becomes 0."""
    case = Case("pqi_bound", {"w": np.eye(100)[0], "p": 0.1, "q": 2.0, "eta_r": 0.0}, "one-hot, d = 100")
    failure = check(defects.BoundFromPqi(), case)
    assert (failure.reference, failure.returned) == ("1.0", "0.0")
    assert _report(failure) == ("cancellation", (), "r formed from 1 - I with I = 1.0: the subtraction amplifies "
                                "I's error by 1/(1 - I) = inf", "relative-budget error over budget")


class NonzeroDCount(defects.NumpyImpl):
    """SAP with d = the number of non-zero entries in min(gamma (d - r), d beta) (r is unchanged:
    the PQI-bound does not depend on zeros)."""

    def sap_prune_count(self, w, p, q, eta_r, gamma, beta):
        c = self._magnitudes(w)
        if not np.any(c):
            return 0
        return self._count(int(np.count_nonzero(c)), self.pqi_bound(c, p, q, eta_r), gamma, beta)


@pytest.mark.parametrize("w, eta_r, gamma, beta, counts", [
    # d = 6, nonzero 4, r = 3.62..: floor(min(2.37.., 5.4)) = 2 under the contract, 0 with d = 4
    ([0.0, 1.0, 2.0, 0.0, 3.0, 0.5], 0.0, 1.0, 0.9, (2, 0)),
    # d = 6, nonzero 4, r = 0.044..: floor(min(11.9.., 6)) = 6; floor(min(7.9.., 4)) = 4
    ([0.0, 1.0, 2.0, 0.0, 3.0, 0.5], 8.0, 2.0, 1.0, (6, 4)),
    # a single non-zero entry: r = 1/4; floor(min(7.5, 4)) = 4; floor(min(1.5, 1)) = 1
    ([0.0, 0.0, 3.0, 0.0], 1.0, 2.0, 1.0, (4, 1)),
])
def test_a_count_with_d_the_nonzero_entries_is_named_nonzero_d(w, eta_r, gamma, beta, counts):
    kwargs = {"w": np.array(w), "p": 0.5, "q": 1.0, "eta_r": eta_r, "gamma": gamma, "beta": beta}
    case = Case("sap_prune_count", kwargs, "zeros")
    assert reference.sap_prune_count(**kwargs) == counts[0]
    failure = check(NonzeroDCount(), case)
    assert failure is not None and failure.returned == repr(counts[1]), failure
    assert (failure.cause, failure.conventions) == ("convention", ("nonzero-d",)), failure


# --- masks: the rejection report, group by group ---------------------------------------------


class PrunesEntries:
    """A mask implementation that prunes, from the given masks, the listed flat entries of each
    tensor (``pruned``), whatever the weights; ``revived``: the tensors returned all kept."""

    DTYPE = "float64"

    def __init__(self, pruned: dict, revived=(), as_float=()):
        self.pruned, self.revived, self.as_float = pruned, revived, as_float

    def _masks(self, weights, masks, **params):
        out = {}
        for k, mask in masks.items():
            new = np.ones(mask.shape, dtype=bool) if k in self.revived else mask.copy()
            new.reshape(-1)[self.pruned.get(k, [])] = False
            out[k] = new.astype(float) if k in self.as_float else new
        return out

    sap_masks = fixed_ratio_masks = _masks


SAP_PARAMS = {"p": 0.5, "q": 1.0, "eta_r": 0.0, "gamma": 1.0, "beta": 0.9}


def _mask_case(function, weights, scope="layer", masks=None, **params):
    weights = {k: np.array(v, dtype=float) for k, v in weights.items()}
    masks = masks or {k: np.ones(v.shape, dtype=bool) for k, v in weights.items()}
    return Case(function, {"weights": weights, "masks": masks, "scope": scope, **params}, "masks report")


def _report(failure):
    """What a user reads first: the cause, its conventions, the reason and the groups' note."""
    return failure.cause, failure.conventions, failure.reason, failure.note


NO_EXPLANATION = Diagnosis("wrong-value", reason="no known explanation", fallback=True)


def test_other_entries_among_ties_are_named_tie_order():
    """[1, 2, 2, 3], amount 0.5: the contract prunes entries 0 and 1; 0 and 2 have the same
    magnitudes."""
    failure = check(PrunesEntries({"a": [0, 2]}), _mask_case("fixed_ratio_masks", {"a": [1, 2, 2, 3]}, amount=0.5))
    assert _report(failure) == ("convention", ("tie-order",), "the right count and magnitudes, other entries among ties",
                                "group [a[0, 1, 2, 3]]: pruned 2, admitted [2] (convention)")
    assert failure.alternatives == ()


def test_a_count_convention_with_other_entries_among_ties_names_both():
    """[1, 1, 2], amount 0.5: round(1.5) = 2 admitted; floor gives 1, and entry 1 ties entry 0."""
    failure = check(PrunesEntries({"a": [1]}), _mask_case("fixed_ratio_masks", {"a": [1, 1, 2]}, amount=0.5))
    assert _report(failure) == ("convention", ("floor-count", "tie-order"),
                                "pruned 1: floor-count admits [1], other entries among ties",
                                "group [a[0, 1, 2]]: pruned 1, admitted [2] (convention)")
    assert failure.alternatives == (Diagnosis("off-by-one", reason="pruned 1, admitted [2]"), NO_EXPLANATION)


def test_pruning_at_the_quantile_inclusive_is_named_quantile_threshold():
    """[1..5], amount 0.5: the quantile is 3 itself; |w| <= 3 prunes 3 entries, round(2.5) = 2."""
    failure = check(PrunesEntries({"a": [0, 1, 2]}), _mask_case("fixed_ratio_masks", {"a": range(1, 6)}, amount=0.5))
    assert _report(failure) == ("convention", ("quantile-threshold",), "pruned 3, the entries quantile-threshold gives",
                                "group [a[0, 1, 2, 3]...]: pruned 3, admitted [2] (convention)")
    assert failure.alternatives == (Diagnosis("off-by-one", reason="pruned 3, admitted [2]"), NO_EXPLANATION)


def test_amount_one_pruning_all_but_one_is_judged():
    """amount 1 admits every entry of the group: the threshold conventions are still judged (no
    index past the group's end); |w| < quantile(1) = max prunes all but the largest."""
    failure = check(PrunesEntries({"a": range(5)}), _mask_case("fixed_ratio_masks", {"a": range(1, 7)}, amount=1.0))
    assert _report(failure) == ("convention", ("quantile-threshold",), "pruned 5, the entries quantile-threshold gives",
                                "group [a[0, 1, 2, 3]...]: pruned 5, admitted [6] (convention)")
    assert failure.alternatives == (Diagnosis("off-by-one", reason="pruned 5, admitted [6]"), NO_EXPLANATION)


def test_one_entry_too_many_is_off_by_one_with_the_admitted_count():
    failure = check(PrunesEntries({"a": [0, 1, 2, 3]}), _mask_case("fixed_ratio_masks", {"a": range(1, 7)}, amount=0.5))
    assert _report(failure) == ("off-by-one", (), "pruned 4, admitted [3]",
                                "group [a[0, 1, 2, 3]...]: pruned 4, admitted [3] (off-by-one)")
    assert failure.alternatives == (NO_EXPLANATION,)


def test_sap_masks_with_the_ceiling_in_a_group_with_zeros_is_named_ceil_count():
    """d = 6 with two zeros: gamma (d - r) = 2.37..; the ceiling prunes 3 (d = 4 would give 0)."""
    failure = check(PrunesEntries({"a": [0, 3, 5]}),
                    _mask_case("sap_masks", {"a": [0.0, 1.0, 2.0, 0.0, 3.0, 0.5]}, **SAP_PARAMS))
    assert _report(failure) == ("convention", ("ceil-count",), "pruned 3: ceil-count admits [3]",
                                "group [a[0, 1, 2, 3]...]: pruned 3, admitted [2] (convention)")
    assert failure.alternatives == (Diagnosis("off-by-one", reason="pruned 3, admitted [2]"), NO_EXPLANATION)


def test_sap_masks_of_weights_whose_power_sum_underflows_name_underflow():
    """|w| ~ 1e-200, q = 2: sum |w|^2 ~ 2^-1324 lies below float64's normal range."""
    failure = check(PrunesEntries({"a": range(4)}),
                    _mask_case("sap_masks", {"a": [1e-200, 2e-200, 3e-200, 4e-200]}, **{**SAP_PARAMS, "p": 1.0, "q": 2.0}))
    assert _report(failure) == ("underflow", (), "sum |w|^2 = 2^-1324 is below float64's normal range (2.23e-308)",
                                "group [a[0, 1, 2, 3]]: pruned 4, admitted [0] (underflow)")


def test_groups_sharing_an_explanation_report_it_first_with_the_group_count():
    """a: [1..5] pruned 3 (quantile-threshold or off-by-one), b: [1..6] pruned 4 (off-by-one
    only): the shared off-by-one is the cause, and each group lists it first."""
    failure = check(PrunesEntries({"a": [0, 1, 2], "b": [0, 1, 2, 3]}),
                    _mask_case("fixed_ratio_masks", {"a": range(1, 6), "b": range(1, 7)}, amount=0.5))
    assert _report(failure) == ("off-by-one", (), "2 group(s): pruned 3, admitted [2]",
                                "group [a[0, 1, 2, 3]...]: pruned 3, admitted [2] (off-by-one); "
                                "group [b[0, 1, 2, 3]...]: pruned 4, admitted [3] (off-by-one)")
    assert [g.diagnosis for g in failure.groups] == [Diagnosis("off-by-one", reason="pruned 3, admitted [2]"),
                                                     Diagnosis("off-by-one", reason="pruned 4, admitted [3]")]


def test_groups_with_different_conventions_report_them_all():
    """a: tie-order alone, b: floor-count with tie-order: no explanation is shared, all are
    conventions; ``--accept`` needs both."""
    failure = check(PrunesEntries({"a": [0, 2], "b": [1]}),
                    _mask_case("fixed_ratio_masks", {"a": [1, 2, 2, 3], "b": [1, 1, 2]}, amount=0.5))
    assert _report(failure) == ("convention", ("tie-order", "floor-count"), "2 group(s) convention",
                                "group [a[0, 1, 2, 3]]: pruned 2, admitted [2] (convention); "
                                "group [b[0, 1, 2]]: pruned 1, admitted [2] (convention)")
    assert failure.alternatives == ()


def test_groups_without_a_shared_explanation_report_the_worst_and_count_each_cause():
    failure = check(PrunesEntries({"a": [0, 2], "b": [0, 2], "c": [0, 1, 2, 3]}),
                    _mask_case("fixed_ratio_masks", {"a": [1, 2, 2, 3], "b": [1, 2, 2, 3], "c": range(1, 7)}, amount=0.5))
    assert _report(failure) == ("off-by-one", (), "2 group(s) convention, 1 group(s) off-by-one",
                                "group [a[0, 1, 2, 3]]: pruned 2, admitted [2] (convention); "
                                "group [b[0, 1, 2, 3]]: pruned 2, admitted [2] (convention); "
                                "group [c[0, 1, 2, 3]...]: pruned 4, admitted [3] (off-by-one)")


def test_the_note_shows_four_groups_and_counts_the_rest():
    """Five neurons of [3k+1, 3k+2, 3k+3], amount 0.5, each pruning floor(1.5) = 1."""
    failure = check(PrunesEntries({"a": [0, 3, 6, 9, 12]}),
                    _mask_case("fixed_ratio_masks", {"a": np.arange(1.0, 16.0).reshape(5, 3)}, "neuron", amount=0.5))
    groups = [f"group [a[{3 * k}, {3 * k + 1}, {3 * k + 2}]]: pruned 1, admitted [2] (convention)" for k in range(4)]
    assert _report(failure) == ("convention", ("floor-count",), "5 group(s): pruned 1: floor-count admits [1]",
                                "; ".join(groups) + "; ... 1 more groups")
    assert len(failure.groups) == 5


def test_malformed_masks_are_reported_each_with_the_reference():
    """a returned as floats, b with its already-pruned entry 1 kept again (4 kept entries stay)."""
    weights = {"a": np.arange(1.0, 7.0).reshape(2, 3), "b": np.array([0.5, -1.5, 2.5, -3.5, 4.5])}
    masks = {"a": np.ones((2, 3), dtype=bool), "b": np.array([True, False, True, True, True])}
    case = _mask_case("fixed_ratio_masks", weights, masks=masks, amount=0.5)
    problems = "mask 'a': expected bool (2, 3), got float64 (2, 3); mask 'b': 1 already-pruned entries revived"
    failure = check(PrunesEntries({}, revived=("b",), as_float=("a",)), case)
    assert _report(failure) == ("wrong-value", (), problems, problems)
    assert failure.reference == str({k: v.astype(int).tolist() for k, v in reference.fixed_ratio_masks(**case.kwargs).items()})
