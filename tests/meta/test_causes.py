"""Every cause of contract §7, each shown by an implementation with exactly that defect or convention
(``meta.defects``): the oracle rejects it and names that cause (and convention) for every
failing case, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from sparsity_oracle import reference
from sparsity_oracle.oracle import CAUSES, CONVENTIONS, Case, check, find_case, run_checks
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
