"""docs/reproduction.md's tables are derived from committed files: the compact results in
docs/data/reproduction/ give, through benchmarks/reproduction_tables.py, the numbers printed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "docs" / "data" / "reproduction"


def _tables():
    spec = importlib.util.spec_from_file_location("reproduction_tables", ROOT / "benchmarks" / "reproduction_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(lines, header_start: str) -> dict:
    """{method: cells} of the Markdown table whose header starts with ``header_start``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def _doc_rows(section: str) -> dict:
    lines = (ROOT / "docs" / "reproduction.md").read_text().splitlines()
    at = lines.index(section)
    return _rows(lines[at:], "| method |")


def test_every_set_is_committed_with_its_results_and_settings():
    tables = _tables()
    for name in tables.SETS:
        runs = sorted((DATA / name).rglob("results.jsonl"))
        assert len(runs) >= 4, name  # every method, at least one seed
        assert all((run.parent / "config.json").is_file() for run in runs)


def test_mlp_table_is_derived_from_the_committed_results():
    tables = _tables()
    derived = _rows(tables.summary("mlp", tables.load_set(DATA / "mlp")), "| method |")
    printed = _doc_rows("## MLP, T = 10 (4 seeds)")
    for method, cells in derived.items():
        # kept, accuracy (sd), best accuracy (t) at the last iteration
        assert printed[method][1:4] == cells[1:4], method
    assert printed["SAP (p=0.5, q=1)"][0] == derived["SAP (p=0.5, q=1)"][0]


def test_cnn_table_is_derived_from_the_committed_results():
    tables = _tables()
    derived = _rows(tables.summary("cnn", tables.load_set(DATA / "cnn")), "| method |")
    printed = _doc_rows("## CNN, E = 10")
    assert len(derived) == 4
    for method, cells in derived.items():
        # kept and accuracy at the last iteration, accuracy pruned (mean t >= 1)
        assert printed[method][1:4] == [cells[1], cells[2].split(" (")[0], cells[4]], method


def _as_printed(value: float, printed: str) -> str:
    """``value`` (a fraction) in percent with as many decimals as ``printed`` (``"0.16 %"``) has."""
    decimals = len(printed.split(" ")[0].partition(".")[2])
    return f"{100 * value:.{decimals}f} %"


def test_long_mlp_table_is_derived_from_the_committed_results():
    tables = _tables()
    runs = tables.load_set(DATA / "mlp-long")
    printed = _doc_rows("## MLP, T = 30 (2 seeds): high sparsity")
    for key in tables.ordered(runs):
        last = tables.per_iteration(runs[key])[-1]
        kept, accuracy = printed[tables.LABELS[key]][:2]
        assert (kept, accuracy) == (_as_printed(last["kept"], kept), _as_printed(last["accuracy"], accuracy)), key
