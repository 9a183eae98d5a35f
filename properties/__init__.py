"""Hypothesis fuzzing of the six sparsity properties D1-D4, P1, P2 (SPEC §4)."""
