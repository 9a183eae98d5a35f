"""The claims ledger: well formed, covering the four papers, consistent with what proofs/ and the
property table establish, and docs/errata.md generated from it."""

import json
import re
from pathlib import Path

import pytest

from sparsity_oracle import cli, claims, proofs
from sparsity_oracle.claims.cli import cited_counterexamples, counts
from sparsity_oracle.claims.errata import render
from sparsity_oracle.properties.cli import label

ROOT = Path(__file__).resolve().parents[2]
LEDGER = claims.load()


@pytest.fixture(scope="module")
def statuses():
    """The status sympy establishes now for each obligation the ledger cites."""
    cited = {key for claim in LEDGER for key in claim.obligations}
    return {ob.id: ob.check().status for ob in proofs.OBLIGATIONS if ob.id in cited}


def test_every_paper_has_claims_and_every_claim_a_known_paper():
    assert {c.paper for c in LEDGER} == set(claims.PAPERS)
    assert len({c.id for c in LEDGER}) == len(LEDGER)
    assert all(c.verdict in claims.VERDICTS for c in LEDGER)


def test_cited_obligations_have_the_cited_status(statuses):
    known = {ob.id for ob in proofs.OBLIGATIONS}
    for claim in LEDGER:
        for key, status in claim.obligations.items():
            assert key in known, f"{claim.id} cites unknown obligation {key}"
            assert statuses[key] == status, f"{claim.id}: {key} is {statuses[key]}, the ledger says {status}"


def _table_cells():
    """(row label, property) -> ✓/✗/? from docs/properties.md's table."""
    lines = (ROOT / "docs" / "properties.md").read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| measure |"))
    properties = [cell.strip() for cell in lines[header].strip("|").split("|")][1:]
    cells = {}
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        row = [cell.strip() for cell in line.strip("|").split("|")]
        cells.update({(row[0], prop): cell[0] for prop, cell in zip(properties, row[1:])})
    return cells


def test_cited_property_cells_match_the_table():
    cells = _table_cells()
    symbol = {True: "✓", False: "✗", "undecided": "?"}
    for claim in LEDGER:
        for cell in claim.properties:
            row = label(cell["measure"], cell["params"])
            assert (row, cell["property"]) in cells, f"{claim.id}: no row {row} in docs/properties.md"
            assert cells[row, cell["property"]] == symbol[cell["holds"]], (claim.id, row, cell["property"])


def _slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_cited_runs_name_sections_of_the_docs():
    for claim in LEDGER:
        for run in claim.runs:
            path, _, anchor = run.partition("#")
            text = (ROOT / path).read_text(encoding="utf-8")
            slugs = {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
            assert anchor in slugs, f"{claim.id}: no section #{anchor} in {path}"


def test_errata_file_is_generated_from_the_ledger():
    expected = render(LEDGER, cited_counterexamples(LEDGER))
    committed = (ROOT / "docs" / "errata.md").read_text(encoding="utf-8")
    assert committed == expected, "docs/errata.md is stale: sparsity-oracle claims --errata > docs/errata.md"
    for claim in LEDGER:
        assert (f"### {claim.id} " in committed) == (claim.verdict in ("refuted", "not reproduced"))


def test_claims_json(capsys):
    assert cli.main(["claims", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["id"] for entry in listed] == [c.id for c in LEDGER]
    for entry in listed:
        assert {"id", "paper", "location", "claim", "verdict", "evidence", "command"} <= set(entry)
        assert set(entry["evidence"]) == {"summary", "obligations", "properties", "runs"}
    assert cli.main(["claims"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith(", ".join(f"{n} {v}" for v, n in counts(LEDGER).items()))


def test_a_malformed_entry_is_named(tmp_path, monkeypatch):
    from sparsity_oracle.claims import ledger

    with pytest.raises(ledger.LedgerError, match="must cite obligations or property cells"):
        ledger._claim("x.toml", "x.txt", {"id": "a", "location": "l", "claim": "c", "verdict": "proved",
                                          "command": "c", "summary": "s"})
    with pytest.raises(ledger.LedgerError, match="verdict must be one of"):
        ledger._claim("x.toml", "x.txt", {"id": "a", "location": "l", "claim": "c", "verdict": "true",
                                          "command": "c", "summary": "s"})
