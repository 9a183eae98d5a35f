"""Differential tests: the selected implementations (``--impl``, ``$SPARSITY_ORACLE_IMPL``,
default gpu_impl on the CPU in float64) against ``reference``, on the fixed hard cases and on
hypothesis-generated inputs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparsity_oracle.oracle import FUNCTIONS, check, hard_cases
from sparsity_oracle.oracle.cases import cases
from sparsity_oracle.oracle.pytest_plugin import require

#: hypothesis examples per function (the ``thorough`` profile raises it)
EXAMPLES = max(25, settings.default.max_examples if settings.default.max_examples > 100 else 0)


def assert_no_failures(failures):
    failures = [f for f in failures if f is not None]
    assert not failures, f"{len(failures)} failure(s); first:\n\n" + "\n\n".join(map(str, failures[:3]))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_hard_cases(oracle_impl, function):
    impl = require(oracle_impl, function)
    assert_no_failures(check(impl, case) for case in hard_cases(function))


@pytest.mark.parametrize("function", FUNCTIONS)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_cases(oracle_impl, function, data):
    impl = require(oracle_impl, function)
    assert_no_failures([check(impl, data.draw(cases(function), label="case"))])
