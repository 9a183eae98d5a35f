"""Every proof obligation reaches its recorded status; every refutation is re-checked against
the reference at 50 digits; the proved claims agree with the reference on sample vectors; the
``prove`` command's table and JSON."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import mpmath
import pytest

from sparsity_oracle import proofs
from sparsity_oracle import reference
from sparsity_oracle.proofs import core
from sparsity_oracle import cli

DPS = 50
BY_ID = {obligation.id: obligation for obligation in proofs.OBLIGATIONS}


@pytest.fixture(scope="module")
def results():
    return {result.id: result for result in proofs.check_all()}


def test_ids_are_unique_and_expected_statuses_valid():
    assert len(BY_ID) == len(proofs.OBLIGATIONS)
    assert all(ob.expected in proofs.STATUSES for ob in proofs.OBLIGATIONS)


@pytest.mark.parametrize("obligation_id", sorted(BY_ID))
def test_status_is_expected(results, obligation_id):
    result = results[obligation_id]
    assert result.status == BY_ID[obligation_id].expected, result.reason
    assert result.reason
    assert (result.counterexample is not None) == (result.status == proofs.REFUTED)


def _pqi(w, p, q):
    return reference.pq_index([Fraction(x) for x in w], Fraction(p), Fraction(q), dps=DPS)


REFUTED = sorted(ob.id for ob in proofs.OBLIGATIONS if ob.expected == proofs.REFUTED)


def _gini_plus_constant(w):
    return reference.gini(w, dps=DPS) + (1 if len(set(w)) == 1 else 0)


def _recheck_transfer(example):
    """A Robin Hood transfer of I_{p,q} (D1): the reference finds I increased."""
    before = [Fraction(x) for x in example["before"]]
    after = [Fraction(x) for x in example["after"]]
    i, j, t = example["i"], example["j"], Fraction(example["t"])
    assert before[i] > before[j] >= 0 and 0 < t < (before[i] - before[j]) / 2
    assert after[i] == before[i] - t and after[j] == before[j] + t
    assert [x for k, x in enumerate(after) if k not in (i, j)] == [x for k, x in enumerate(before) if k not in (i, j)]
    with mpmath.workdps(DPS):
        increase = _pqi(after, example["p"], example["q"]) - _pqi(before, example["p"], example["q"])
        assert increase > mpmath.mpf(10) ** -10, "Robin Hood must not increase I; here it does"


def _recheck_h_line(example):
    """h'(t) at w, t by mpmath's numerical derivative: the printed second line has the wrong sign."""
    w = [_mpf(x) for x in example["w"]]
    with mpmath.workdps(DPS):
        derivative = mpmath.diff(lambda s: sum(x ** (s - 1) for x in w) / sum(x**s for x in w), _mpf(example["t"]))
        printed = mpmath.mpf(mpmath.log(2)) / 9  # the printed line at w = (1, 2), t = 1
        assert example["printed_line2"] == "log(2)/9" and derivative < 0 < printed
        assert abs(derivative + printed) < mpmath.mpf(10) ** -40


def _recheck_spode(example):
    """The SpODE slides' printed closed form at the example (mpmath), against the reference's F:
    the printed radicand of x is negative where F exists; the printed collinear test fails on a
    collinear pair, for which the reference returns g/||g||^2."""
    exact_g, exact_e = ([Fraction(v) for v in example[k]] for k in ("g", "e"))
    g, e = [_mpf(v) for v in exact_g], [_mpf(v) for v in exact_e]
    with mpmath.workdps(DPS):
        gg, ge, ee = mpmath.fdot(g, g), mpmath.fdot(g, e), mpmath.fdot(e, e)
        if "printed_radicand" in example:
            r2 = _mpf(example["r_squared"])
            assert (r2 - 1) / (mpmath.sqrt(gg) * mpmath.sqrt(ee)) ** 2 - ge**2 < 0
            direction = reference.spode_direction(exact_g, exact_e, mpmath.sqrt(r2 / gg), dps=DPS)
            assert abs(mpmath.fdot(g, direction) - 1) < mpmath.mpf(10) ** -40  # F exists, g^T F = 1
        else:
            assert mpmath.sqrt(gg) * mpmath.sqrt(ee) != ge**2
            assert reference.spode_direction(exact_g, exact_e, 2) == tuple(v / gg for v in g)


def _recheck(obligation_id, example):
    """Re-evaluate a refutation's counterexample outside sympy (reference, mpmath)."""
    if obligation_id.startswith("SpODE."):
        _recheck_spode(example)
    elif "printed_line2" in example:
        _recheck_h_line(example)
    elif "sum_w_pow_t_minus_1" in example:
        with pytest.raises(ZeroDivisionError):  # 0^(t-1) with t < 1: no value
            mpmath.mpf(0) ** (_mpf(example["t"]) - 1)
    elif example.get("measure") == "G(c) + [c constant]":
        before, after = (_gini_plus_constant([Fraction(x) for x in example[k]]) for k in ("before", "after"))
        assert after < before  # P2 requires after > before
    else:
        assert example["property"] == "D1", obligation_id
        _recheck_transfer(example)


@pytest.mark.parametrize("obligation_id", REFUTED)
def test_refutation_rechecked_by_reference(results, obligation_id):
    _recheck(obligation_id, results[obligation_id].counterexample)


def _mpf(number):
    value = Fraction(number)
    return mpmath.mpf(value.numerator) / value.denominator


def test_derivative_sign_counterexample_by_mpmath(results):
    example = results["D1.derivative_sign"].counterexample
    p, q = _mpf(example["p"]), _mpf(example["q"])
    w = [_mpf(x) for x in example["before"]]
    a, b = w[example["i"]], w[example["j"]]
    rest = [x for k, x in enumerate(w) if k not in (example["i"], example["j"])]
    A, B = sum(x**p for x in rest), sum(x**q for x in rest)
    numerator = ((a * b) ** (p - 1) * (a + b) * (b ** (q - p) - a ** (q - p))
                 + A * (b ** (q - 1) - a ** (q - 1)) - B * (b ** (p - 1) - a ** (p - 1)))
    assert numerator > 0


PQ = [(0.5, 1), (1, 2), (0.25, 3), (2, 3), (0.1, 0.5), (1.5, 4)]


def _vectors(seed, count=15):
    rng = random.Random(seed)
    for _ in range(count):
        w = [Fraction(rng.choice([0, rng.random(), 10 * rng.random()])) for _ in range(rng.randint(2, 7))]
        if len(set(w)) > 1:
            yield w


@pytest.mark.parametrize("p, q", PQ)
def test_proved_properties_agree_with_reference(p, q):
    with mpmath.workdps(DPS):
        for w in _vectors(hash((p, q)) % 1000):
            value = _pqi(w, p, q)
            ceiling = 1 - mpmath.mpf(len(w)) ** (_mpf(q) ** -1 - _mpf(p) ** -1)
            assert 0 <= value <= ceiling + mpmath.mpf(10) ** -40  # T1.bounds (= at one-hot vectors)
            assert _pqi([x + Fraction(1, 2) for x in w], p, q) < value  # D3
            assert _pqi(w + [0], p, q) > value  # P2
            assert abs(_pqi(w + w, p, q) - value) < mpmath.mpf(10) ** -40  # D4
            assert abs(_pqi([3 * x for x in w], p, q) - value) < mpmath.mpf(10) ** -40  # D2
            assert reference.pqi_bound(w, p, q, 0.5) <= len(w)  # T2.r_le_d
            i, j = max(range(len(w)), key=w.__getitem__), min(range(len(w)), key=w.__getitem__)
            moved = list(w)
            moved[i] -= (w[i] - w[j]) / 4
            moved[j] += (w[i] - w[j]) / 4
            if len(w) == 2 or p <= 1 <= q:  # D1.two_entries, D1.p_le_1_le_q
                assert _pqi(moved, p, q) < value


def test_sap_count_range_agrees_with_reference():
    sap = reference.sap
    for w in _vectors(7):
        for beta in (0.1, 0.5, 0.9, 1):
            c = sap.sap_prune_count(w, 0.5, 1.0, eta_r=0.2, gamma=2, beta=beta)
            assert 0 <= c <= int(Fraction(beta) * len(w))


def test_gini_hoyer_pq_mean_identities_agree_with_reference():
    measures = reference.measures
    with mpmath.workdps(DPS):
        for w in _vectors(11):
            n = len(w)
            assert 0 <= reference.gini(w) <= 1 - mpmath.mpf(1) / n
            root = mpmath.sqrt(n)
            assert abs(measures.hoyer(w) - root / (root - 1) * _pqi(w, 1, 2)) < mpmath.mpf(10) ** -40
            assert abs(measures.pq_mean(w, p=0.5, q=2) - (_pqi(w, 0.5, 2) - 1)) < mpmath.mpf(10) ** -40


def _outcome(prover):
    return core.Obligation("X", "a claim", ("none",), proofs.PROVED, prover).check()


def test_a_false_step_leaves_the_obligation_open():
    import sympy as sp

    x, u = sp.symbols("x u", positive=True)
    assert _outcome(lambda: core.proof(core.identity(x**2, x**3, "x^2 = x^3"))).status == proofs.OPEN
    assert _outcome(lambda: core.proof(core.sign(x - 1, "positive", "x > 1"))).status == proofs.OPEN
    assert _outcome(lambda: core.proof(core.taylor_positive(u - u**2, u, 1, "u > u^2"))).status == proofs.OPEN
    claim_true_here = lambda: core.Outcome(proofs.REFUTED, core.false_at(x - 2, ">", {x: 3}, "x > 2"))
    assert _outcome(claim_true_here).status == proofs.OPEN


def test_prove_json_shape(capsys):
    assert cli.main(["prove", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["id"] for entry in listed] == [ob.id for ob in proofs.OBLIGATIONS]
    for entry in listed:
        assert set(entry) == {"id", "claim", "assumptions", "status", "counterexample", "source", "links"}
        assert isinstance(entry["assumptions"], list) and entry["status"] in proofs.STATUSES
        assert entry["source"] is None or set(entry["source"]) == {"paper", "location", "display"}


def test_prove_table(capsys):
    assert cli.main(["prove"]) == 0
    out = capsys.readouterr().out
    assert all(ob.id in out for ob in proofs.OBLIGATIONS)
    assert "refuted" in out and "REGRESSIONS" not in out
    note = out[out.index("found wrong as printed"):]
    for wrong in ("B.T1.D3.h_line2 ", "B.T1.D3.h_sign ", "B.T1.D1.reduction ", "T1.all_six ", "T1.p1_p2_from_d1_d4 "):
        assert "- " + wrong in note


def test_prove_exits_1_on_a_regression(monkeypatch, capsys, results):
    regressed = [core.Result(r.id, r.claim, r.assumptions, proofs.OPEN, proofs.PROVED, "gone")
                 for r in list(results.values())[:1]]
    monkeypatch.setattr(proofs, "check_all", lambda: regressed)
    assert cli.main(["prove"]) == 1
    assert "REGRESSIONS" in capsys.readouterr().out
