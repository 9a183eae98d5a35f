"""Hypothesis fuzzing of the six sparsity properties D1-D4, P1, P2 (contract §4).

``check_measure(measure)`` fuzzes any callable on a vector; ``properties.strategies`` holds the
reusable hypothesis strategies; ``properties.predicates`` states each property and how a
comparison is decided without letting rounding decide it (equalities proved, tiny differences
signed through ``proofs.exact``).
"""

from .check import MIN_SIZE, PROPERTIES, PropertyReport, PropertyResult, check_measure
from .predicates import Instance

__all__ = ["MIN_SIZE", "PROPERTIES", "Instance", "PropertyReport", "PropertyResult", "check_measure"]
