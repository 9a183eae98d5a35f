"""The equivalent mutants listed in benchmarks/mutation_equivalents.toml (docs/testing.md) still
describe the code: each entry's original lines are in its file, and its mutation differs."""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the repository (its layout, not the installed one)
ENTRIES = tomllib.loads((ROOT / "benchmarks" / "mutation_equivalents.toml").read_text())["equivalent"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{e['file']}:{e.get('function', '')}:{i}" for i, e in enumerate(ENTRIES)])
def test_each_listed_equivalent_matches_the_code(entry):
    source = {line.strip() for line in (ROOT / entry["file"]).read_text().splitlines()}
    missing = [line for line in entry["original"].strip().splitlines() if line.strip() not in source]
    assert not missing, f"stale entry: {missing} not in {entry['file']} (remove it, or re-run its module)"
    assert entry["original"].strip() != entry["mutated"].strip()
    assert entry["reason"].strip()
