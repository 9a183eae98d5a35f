"""The oracle's cases: stable ids, reproducible generation whatever the entry point and whatever
else is imported, declared capabilities, and reproductions of large cases."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sparsity_oracle.oracle import (FUNCTIONS, Capabilities, as_implementation, check, find_case, generated_cases,
                                    hard_cases, run_checks)
from sparsity_oracle.oracle.cases import REALISTIC_LAYERS
from meta import defects

TESTS = Path(__file__).resolve().parents[1]


class GiniAndTieOrder:
    """A careful Gini and fixed ratio with another tie order: passing and failing cases."""

    def gini(self, w):
        return defects.NumpyImpl().gini(w)

    def fixed_ratio_masks(self, weights, masks, *, scope, amount):
        return defects.TieOrder().fixed_ratio_masks(weights, masks, scope=scope, amount=amount)


SPEC = "oracle.test_cases:GiniAndTieOrder"
N = 6


def test_case_ids_are_unique_and_find_their_case():
    every = [c for f in FUNCTIONS for c in hard_cases(f)] + [c for f in FUNCTIONS for c in generated_cases(f, 3)]
    assert len({c.id for c in every}) == len(every)
    for case in every[::37] + every[-5:]:
        assert find_case(case.id).digest == case.digest


def test_generated_case_i_does_not_depend_on_how_many_are_drawn():
    for function in FUNCTIONS:
        assert [c.digest for c in generated_cases(function, 3)] == [c.digest for c in generated_cases(function, 7)[:3]]
    assert generated_cases("gini", 3, seed=1)[0].digest != generated_cases("gini", 3, seed=0)[0].digest


def test_realistic_layers_are_float32_weights_at_the_stated_sizes():
    for dist, scale, n, _ in REALISTIC_LAYERS:
        (case,) = [c for c in hard_cases("gini") if c.label == f"{dist}(0, {scale:g}), {n} entries"]
        w = case.kwargs["w"]
        assert w.size == n and np.array_equal(w.astype(np.float32).astype(np.float64), w)
        assert 0.5 * scale < np.median(np.abs(w)) < 2 * scale
    assert max(c.entries for c in hard_cases("pq_index")) == 1_000_000


_CONSTANTS = "CONSTANTS = [" + ", ".join(f"{1.5 + k / 997:.9f}, {k * 7919}" for k in range(400)) + "]\n"

_API = """
import json, sys
sys.path[:0] = [{tests!r}, {extra!r}]
import many_constants, torch  # loaded first: hypothesis must not draw from them
from sparsity_oracle.oracle import load_implementation, run_checks
from sparsity_oracle.oracle.report import differential_json
report = run_checks(load_implementation({spec!r}), generated={n})
print(json.dumps(differential_json([report])))
"""


def _cases(differential) -> dict:
    (impl,) = differential
    return {f: [(c["id"], c["digest"], c["outcome"]) for c in r["case_list"]]
            for f, r in impl["functions"].items() if r.get("provided")}


def test_same_seed_same_cases_from_the_cli_pytest_and_python(tmp_path):
    """Three separate processes: ``verify --json``, ``pytest --oracle-json`` (under xdist: the
    records come from the workers) and ``run_checks`` after importing a module full of
    constants (hypothesis draws such constants from loaded local modules unless the oracle's
    reproducible backend is used)."""
    (tmp_path / "many_constants.py").write_text(_CONSTANTS)
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    env.pop("SPARSITY_ORACLE_IMPL", None)

    def run(args):
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=600)
        assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    cli = _cases(json.loads(run(["-m", "sparsity_oracle", "verify", "--quick", "--only", "differential",
                                 "--json", "--impl", SPEC]))["differential"])
    run(["-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", "--pyargs", "sparsity_oracle.oracle",
         "--impl", SPEC, "--oracle-examples", "10", "--oracle-json", str(tmp_path / "pytest.json"),
         "-k", "gini or fixed_ratio_masks"])
    from_pytest = _cases(json.loads((tmp_path / "pytest.json").read_text())["differential"])
    api = _cases(json.loads(run(["-c", _API.format(tests=str(TESTS), extra=str(tmp_path), spec=SPEC, n=10)])))
    assert cli == from_pytest == api
    assert len(cli["gini"]) == len(hard_cases("gini")) + 10
    outcomes = {o for cases in cli.values() for _, _, o in cases}
    assert outcomes == {"pass", "convention"}


def test_declared_scopes_skip_the_other_cases_with_the_reason():
    report = run_checks(defects.LayerScopeOnly(), functions=("fixed_ratio_masks",), generated=5)
    function = report.functions["fixed_ratio_masks"]
    assert set(function.skip_reasons) == {"scope 'global' not in SCOPES ('layer',)",
                                          "scope 'neuron' not in SCOPES ('layer',)"}
    assert function.count("pass") > 0 and not report.failures


def test_max_entries_and_unvalidated_inputs_are_skipped_with_the_reason():
    class Small(defects.NoFiniteCheck):
        MAX_ENTRIES = 10_000
        VALIDATES_INPUTS = False

    report = run_checks(Small(), functions=("gini",), generated=0)
    reasons = report.functions["gini"].skip_reasons
    assert not report.failures
    assert reasons["20000 entries > MAX_ENTRIES 10000"] == 1 and reasons["1000000 entries > MAX_ENTRIES 10000"] == 1
    assert any("VALIDATES_INPUTS = False" in r for r in reasons)


@pytest.mark.parametrize("declared, message", [
    ({"SCOPES": ("layer", "channel")}, "SCOPES"),
    ({"SCOPES": ()}, "SCOPES"),
    ({"MAX_ENTRIES": 0}, "MAX_ENTRIES"),
])
def test_invalid_capabilities_are_rejected(declared, message):
    target = type("Declared", (), {**declared, "gini": lambda self, w: 0.0})()
    with pytest.raises(ValueError, match=message):
        as_implementation(target)
    assert Capabilities().unsupported(find_case("gini/one-hot")) is None


def test_the_reproduction_of_a_large_case_runs():
    failure = check(defects.UnscaledNorms32(), find_case("pq_index/gaussian-0-0.05-20000-entries/p=0.1,q=1.0"))
    assert "find_case('pq_index/gaussian-0-0.05-20000-entries/p=0.1,q=1.0')" in failure.reproduction
    assert failure.inputs["w"]["entries"] == 20000
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(failure.reproduction.replace("load_implementation('meta.defects:UnscaledNorms32')",
                                          "as_implementation(__import__('meta.defects').defects.UnscaledNorms32())"), {})
    returned, reference = printed.getvalue().split()
    assert float(returned) == float(failure.returned) and float(reference) == pytest.approx(float(failure.reference))
