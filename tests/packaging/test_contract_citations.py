"""Every section that code and documents cite ("contract §7", "contract §2") is a section of
docs/contract.md, the repository's own copy of the contract (issue 12 item 12)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {"runs", "build", "dist", "bench_out", "node_modules"}
CITATION = re.compile(r"contract §(\d+)")
OUTSIDE = re.compile(r"SPEC ?§")


def _sources():
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if path.suffix in {".py", ".md", ".toml"} and path.is_file() and not any(
                part.startswith(".") or part in SKIPPED or part.endswith(".egg-info") for part in parts):
            yield path


def test_every_cited_section_is_in_docs_contract():
    contract = (ROOT / "docs" / "contract.md").read_text()
    sections = {int(n) for n in re.findall(r"^## (\d+)\. ", contract, flags=re.M)}
    assert sections == set(range(13))
    cited = {}
    for path in _sources():
        for number in CITATION.findall(path.read_text(errors="replace")):
            cited.setdefault(int(number), path.relative_to(ROOT))
    assert len(cited) >= 10
    assert {n: where for n, where in cited.items() if n not in sections} == {}
    assert [path for path in _sources() if OUTSIDE.search(path.read_text(errors="replace"))] == []
