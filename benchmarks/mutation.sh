#!/usr/bin/env bash
# Mutation testing of the core modules (docs/testing.md): mutmut and the planted mutants of
# benchmarks/mutation_planted.py, each module against its own tests, at the lowest CPU
# priority.  Not part of CI (hours on two cores).
#
#   bash benchmarks/mutation.sh [GROUP...]     groups (one per core module): reference.sap, oracle.checks, ... (--help)
#   bash benchmarks/mutation.sh --sample 37 GROUP   mutmut: only the mutants numbered *3 and *7 (a fifth)
#   TOOL=mutmut|planted|both (default both), JOBS=mutmut workers (default 2)
#
# Writes .mutation/results/GROUP-TOOL.json and the table .mutation/table.md
# (python benchmarks/mutation.py --table prints it again, --survivors lists what survived).
set -euo pipefail
cd "$(dirname "$0")/.."
# 8 GB of address space per process: a mutant that allocates without bound (reference/gini.py's
# negative rank weights) fails its test with MemoryError instead of exhausting the machine
ulimit -v "${MUTATION_MEMORY_KB:-8000000}"
exec nice -n 19 python benchmarks/mutation.py --tool "${TOOL:-both}" --max-children "${JOBS:-2}" "$@"
