"""Differential tests: the selected implementations (``--impl``, ``$SPARSITY_ORACLE_IMPL``,
default gpu_impl on the CPU in float64) against ``reference``, one test per case: the fixed
hard cases and the generated cases of ``--oracle-seed`` / ``--oracle-examples`` (the same
cases as ``sparsity-oracle verify`` and ``generated_cases``).  A failure names its cause
(``sparsity_oracle.oracle.causes``) and how to reproduce it."""


def test_hard_case(oracle_impl, oracle_hard_case, oracle_check):
    oracle_check(oracle_impl, oracle_hard_case)


def test_generated_case(oracle_impl, oracle_generated_case, oracle_check):
    oracle_check(oracle_impl, oracle_generated_case)
