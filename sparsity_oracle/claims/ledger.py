"""Reading and validating the claims ledger (the package's TOML files, see ``claims``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

#: The verdicts of contract §9.
VERDICTS = ("proved", "refuted", "reproduced", "not reproduced", "open")

#: The paper files of ``../shared/papers/`` the ledger covers, in the order it lists them.
PAPERS = (
    "diao2023-pqi-sap-fulltext.txt",
    "diao2023-pqi-sap-summary.md",
    "zhang2024-pruning-limit-summary.md",
    "mo2023-spode-slides.md",
)

#: An obligation's statuses (proofs.STATUSES) and a property cell's verdicts, as cited.
_STATUSES = ("proved", "refuted", "open")
_CELLS = (True, False, "undecided")
_KEYS = {"id", "location", "claim", "verdict", "command", "summary", "obligations", "properties", "runs",
         "correction"}


class LedgerError(ValueError):
    """A ledger file that does not follow the format (the message names the file and claim)."""


@dataclass(frozen=True)
class Claim:
    """One entry of the ledger (contract §9); ``evidence()`` is its JSON evidence object."""

    id: str
    paper: str
    location: str
    claim: str
    verdict: str
    command: str
    summary: str
    obligations: dict = field(default_factory=dict)
    properties: tuple = ()
    runs: tuple = ()
    correction: str | None = None

    def evidence(self) -> dict:
        return {"summary": self.summary, "obligations": dict(self.obligations),
                "properties": [dict(cell) for cell in self.properties], "runs": list(self.runs)}

    def to_json(self) -> dict:
        entry = {"id": self.id, "paper": self.paper, "location": self.location, "claim": self.claim,
                 "verdict": self.verdict, "evidence": self.evidence(), "command": self.command}
        if self.correction:
            entry["correction"] = self.correction
        return entry


def load() -> list[Claim]:
    """Every claim of every paper file, in ``PAPERS`` order then file order (validated)."""
    claims: list[Claim] = []
    for paper in PAPERS:
        stem = paper.rsplit(".", 1)[0]
        name = f"{stem}.toml"
        data = tomllib.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))
        if data.get("paper") != paper:
            raise LedgerError(f"{name}: paper must be {paper!r}, got {data.get('paper')!r}")
        claims += [_claim(name, paper, table) for table in data.get("claim", [])]
    seen: set[str] = set()
    for claim in claims:
        if claim.id in seen:
            raise LedgerError(f"claim id {claim.id!r} appears twice")
        seen.add(claim.id)
    return claims


def _claim(name: str, paper: str, table: dict) -> Claim:
    where = f"{name}: claim {table.get('id', '(no id)')!r}"
    unknown = set(table) - _KEYS
    missing = {"id", "location", "claim", "verdict", "command", "summary"} - set(table)
    if unknown or missing:
        raise LedgerError(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if table["verdict"] not in VERDICTS:
        raise LedgerError(f"{where}: verdict must be one of {VERDICTS}, got {table['verdict']!r}")
    obligations = table.get("obligations", {})
    if any(status not in _STATUSES for status in obligations.values()):
        raise LedgerError(f"{where}: an obligation's status must be one of {_STATUSES}")
    properties = tuple(table.get("properties", ()))
    for cell in properties:
        if set(cell) != {"measure", "params", "property", "holds"} or cell["holds"] not in _CELLS:
            raise LedgerError(f"{where}: a property cell is {{measure, params, property, holds}} with holds "
                              f"true, false or \"undecided\", got {cell}")
    if table["verdict"] in ("proved", "refuted") and not (obligations or properties):
        raise LedgerError(f"{where}: a {table['verdict']} claim must cite obligations or property cells")
    if table["verdict"] in ("reproduced", "not reproduced") and not table.get("runs"):
        raise LedgerError(f"{where}: a {table['verdict']} claim must cite the runs")
    return Claim(table["id"], paper, table["location"], table["claim"], table["verdict"], table["command"],
                 table["summary"], dict(obligations), properties, tuple(table.get("runs", ())),
                 table.get("correction"))
