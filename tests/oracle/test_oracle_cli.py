"""``sparsity-oracle verify``: sections, legend, grouping by cause, JSON, --only, --accept, --case
and exit status (tiny effort)."""

from __future__ import annotations

import json

import pytest

from sparsity_oracle.cli import main
from sparsity_oracle.oracle import cli, hard_cases
from meta import defects


class SampleGiniOnly:
    """Only a Gini, the sample Gini: verify checks one function."""

    def gini(self, w):
        return defects.SampleGini().gini(w)


class CrashingGiniOnly:
    """Only a Gini, crashing on single entries and sample-Gini otherwise: two causes."""

    def gini(self, w):
        n = len(w)
        return defects.NumpyImpl().gini(w) * n / (n - 1)


SAMPLE = "oracle.test_oracle_cli:SampleGiniOnly"
CRASHING = "oracle.test_oracle_cli:CrashingGiniOnly"


@pytest.fixture(autouse=True)
def tiny(monkeypatch):
    monkeypatch.setitem(cli.MODES, "quick", {"property_examples": 2, "max_size": 4, "generated": 3})


def test_careful_implementation_passes_every_section(capsys):
    assert main(["verify", "--quick", "--impl", "meta.numpy_impl:NumpyImpl"]) == 0
    out = capsys.readouterr().out
    assert "meta.numpy_impl:NumpyImpl [DTYPE=float64]: provides pq_index" in out
    assert "== proof obligations" in out
    assert "Hurley-Rickard properties of the reference's own measures" in out
    assert "this section judges sparsity_oracle.reference, not --impl; + holds" in out
    assert "(PASS: every case agrees with the reference; FAIL: the failing cases, counted per case" in out
    assert out.rstrip().splitlines()[-1].startswith("PASS: 0 failing case(s)")


def test_failures_are_counted_per_case_and_grouped_by_cause(capsys):
    assert main(["verify", "--quick", "--only", "differential", "--impl", CRASHING]) == 1
    out = capsys.readouterr().out
    assert "== proof obligations" not in out and "Hurley-Rickard" not in out
    n = len(hard_cases("gini")) + 3
    line = next(l for l in out.splitlines() if "FAIL  " + CRASHING in l)
    failing = int(line.split("; ")[1].split()[0])
    assert f"/{n} cases agree" in line and "convention " in line and "crash 1" in line
    assert "      convention: sample-gini: " in out and "      crash: 1 case(s), 1 shown:" in out
    assert "        gini/single-entry" in out
    assert f"--impl {CRASHING} --case '" in out
    assert out.rstrip().splitlines()[-1].startswith(f"FAIL: {failing} failing case(s) (differential {failing})")


def test_json_report(capsys):
    assert main(["verify", "--quick", "--only", "differential", "--json", "--impl", CRASHING]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["sections"] == ["differential"] and report["verdict"] == "FAIL"
    (impl,) = report["differential"]
    gini = impl["functions"]["gini"]
    assert impl["functions"]["pq_index"] == {"provided": False}
    assert gini["cases"] == len(gini["case_list"]) == gini["passed"] + gini["failed"] + gini["accepted"] + gini["skipped"]
    assert gini["failures_by_cause"]["crash"] == 1 and sum(gini["failures_by_cause"].values()) == gini["failed"]
    assert gini["conventions"] == {"sample-gini": gini["failures_by_cause"]["convention"]}
    failed = [c for c in gini["case_list"] if c["outcome"] not in ("pass", "accepted", "skipped")]
    assert len(failed) == gini["failed"] == report["failing_cases"]["differential"]
    crash = next(c for c in failed if c["outcome"] == "crash")
    assert crash["id"] == "gini/single-entry" and crash["failure"]["case"]["inputs"] == {"w": ["-0x1.0000000000000p+2"]}
    assert "ZeroDivisionError" in crash["failure"]["returned"]


def test_accept_passes_a_named_convention(capsys):
    assert main(["verify", "--quick", "--only", "differential", "--accept", "sample-gini", "--impl", SAMPLE]) == 0
    out = capsys.readouterr().out
    assert "accepting sample-gini" in out and "of them under accepted conventions" in out
    assert main(["verify", "--quick", "--only", "differential", "--accept", "sample-gini", "--impl", CRASHING]) == 1


def test_case_prints_one_failure_in_full(capsys):
    assert main(["verify", "--impl", SAMPLE, "--case", "gini/one-hot"]) == 1
    out = capsys.readouterr().out
    for detail in ("cause: convention: sample-gini", "input (float.hex)", "reference: 0.8", "returned:  1.0",
                   "> budget", "reproduce:"):
        assert detail in out


@pytest.mark.parametrize("argv, message", [
    (["--impl", "no_such_module_xyz"], "cannot load --impl no_such_module_xyz"),
    (["--impl", SAMPLE, "--case", "gini/no-such-case"], "no oracle case with id 'gini/no-such-case'"),
])
def test_usage_errors(capsys, argv, message):
    assert main(["verify", "--quick", *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_unknown_convention_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_status:
        main(["verify", "--accept", "no-such-convention"])
    assert exit_status.value.code == 2 and "invalid choice" in capsys.readouterr().err
