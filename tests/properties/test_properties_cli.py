"""``sparsity-oracle properties``."""

import json

import pytest

from sparsity_oracle.properties.cli import parse_measure
from sparsity_oracle.cli import main


def test_parse_measure():
    assert parse_measure("pq_index:p=0.5,q=2") == ("pq_index", {"p": 0.5, "q": 2})
    assert parse_measure("gini") == ("gini", {})
    assert parse_measure("pq_index:p=1/3,q=1")[1]["p"].denominator == 3


def test_json_output(capsys):
    assert main(["properties", "--measure", "neg_l1", "--measure", "gini", "--max-examples", "5", "--max-size", "6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["measure"] for r in out] == ["neg_l1", "gini"]
    assert set(out[0]["properties"]) == {"D1", "D2", "D3", "D4", "P1", "P2"}
    assert out[0]["properties"]["D2"]["holds"] is False
    assert out[0]["properties"]["D2"]["counterexample"]["relation"] == "S(after) = S(before)"
    d1 = out[1]["properties"]["D1"]
    assert (d1["holds"], d1["status"], d1["counterexample"], d1["examples"], d1["undecided"], d1["reason"]) == (
        True, "holds", None, 5, 0, None)


def test_unknown_measure_and_table(capsys):
    assert main(["properties", "--measure", "nope"]) == 2
    assert main(["properties", "--measure", "gini", "--max-examples", "3", "--max-size", "4"]) == 0
    assert "gini" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["properties", "--measure", "gini:p"])


def test_markdown_output_names_obligations_and_counterexamples(capsys):
    args = ["properties", "--measure", "pq_index:p=2,q=4", "--max-examples", "20", "--max-size", "12", "--markdown"]
    assert main(args) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| pq_index(p=2, q=4)"))
    assert "✗ [1] `D1.fails_every_p_above_one`" in row and "✓ 20 `D2.scaling`" in row
    assert "1. pq_index(p=2, q=4), D1: c = (" in out and "observed S(after) > S(before)" in out


def test_json_an_equality_is_never_holds(capsys):
    """contract §4: neg_l1 is unchanged by appending a zero; the exact form proves the equality, so
    P2 is "holds": false with the proof in the counterexample."""
    args = ["properties", "--measure", "neg_l1", "--max-examples", "10", "--max-size", "6", "--json"]
    assert main(args) == 0
    p2 = json.loads(capsys.readouterr().out)[0]["properties"]["P2"]
    assert p2["holds"] is False and p2["status"] == "fails"
    assert p2["counterexample"]["observed"] == "S(after) = S(before)"
    assert p2["counterexample"]["decision"] == "exact rationals: S(x) - S(y) = 0"
