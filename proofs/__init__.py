"""sympy proof obligations for the PQI paper's theorems (SPEC §5)."""
