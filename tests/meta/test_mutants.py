"""Mutation tests of the oracle: each deliberately broken implementation (``meta.defects``) must
be rejected.

A test here FAILS if the oracle passes its mutant.  ``NumpyImpl`` itself (float64 and float32)
must pass, so that the rejections are not the oracle being over-strict.
"""

from __future__ import annotations

import pytest

from sparsity_oracle.oracle import find_case, check
from sparsity_oracle.oracle.runner import run_checks
from meta import defects
from meta.defects import MUTANTS
from meta.numpy_impl import NumpyImpl


def failures(impl, function, generated=10):
    return run_checks(impl, functions=(function,), generated=generated).failures


@pytest.mark.parametrize("impl", [NumpyImpl(), defects.NumpyImpl32()], ids=["float64", "float32"])
def test_careful_numpy_implementation_passes(impl):
    report = run_checks(impl, generated=10)
    assert not report.failures, "\n\n".join(map(str, report.failures[:3]))


@pytest.mark.parametrize("mutant", list(MUTANTS), ids=lambda cls: cls.__name__)
def test_mutant_is_rejected(mutant):
    function = MUTANTS[mutant]
    found = run_checks(mutant(), functions=(function,), generated=10,
                       hard_stride=4 if function == "sap_prune_count" else 1).failures
    assert found, f"the oracle passed the mutant {mutant.__name__} on {function}"
    assert all(f.function == function and f.reproduction and f.cause for f in found)
    compile(found[0].reproduction, "<reproduction>", "exec")  # valid Python (running it may raise: that is the failure)


def test_unscaled_float32_norms_fail_on_large_magnitudes_at_p_0_1():
    failure = check(defects.UnscaledNorms32(), find_case("pq_index/huge-1e300/p=0.1,q=2.0"))
    assert failure is not None and failure.cause == "overflow"


def test_float32_sap_fails_on_the_near_integer_case():
    found = failures(defects.SapFloat32(), "sap_prune_count", generated=0)
    assert any(f.label.startswith("near-integer count") for f in found)
