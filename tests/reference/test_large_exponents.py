"""Exponents of any size (issue 12, item 5): the work of a power sum does not grow with p or q,
q -> infinity reaches its limit, p close to q and tiny or huge p stay right, certified
enclosures contain the straight formula's value, and dps is capped at MAX_DPS."""

import json
import subprocess
import sys
from fractions import Fraction
from unittest import mock

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mpmath import iv

from sparsity_oracle import reference
from sparsity_oracle.cli import main
from sparsity_oracle.reference import _powersum, sap
from sparsity_oracle.reference._inputs import magnitudes
from sparsity_oracle.reference._precision import (
    GUARD_BITS, bits_for_digits, endpoints, interval, precision, relative_width,
)

HUGE = Fraction(10**1000)  # beyond any float


def _mpf(x):
    x = reference.exact_real(x, "x")
    return mpmath.mpf(x.numerator) / x.denominator


def straight_pqi(w, p, q, prec):
    """The contract's I_{p,q} evaluated straight in mpmath at ``prec`` bits (mpmath's powers keep about
    ``prec`` bits whatever the size of the exponent)."""
    with mpmath.workprec(prec):
        c = [abs(_mpf(v)) for v in w if v]
        p, q = _mpf(p), _mpf(q)
        norm_p = mpmath.fsum(x**p for x in c) ** (1 / p)
        norm_q = mpmath.fsum(x**q for x in c) ** (1 / q)
        return 1 - mpmath.mpf(len(w)) ** (1 / q - 1 / p) * norm_p / norm_q


def limit_pqi(w, p, prec=400):
    """lim_{q -> oo} I_{p,q} = 1 - d^(-1/p) ||w||_p / ||w||_oo."""
    with mpmath.workprec(prec):
        c = [abs(_mpf(v)) for v in w]
        p = _mpf(p)
        return 1 - mpmath.mpf(len(c)) ** (-1 / p) * mpmath.fsum(x**p for x in c) ** (1 / p) / max(c)


def assert_close(value, exact, dps):
    with mpmath.workprec(4000):
        assert abs(value - exact) <= mpmath.mpf(10) ** -dps * abs(exact), (value, exact)


def assert_contains(enclosure, exact):
    lo, hi = endpoints(enclosure)
    with mpmath.workprec(4000):
        assert lo <= exact <= hi, (enclosure, exact)


VECTORS = {
    "float32 with zeros": np.array([0.5, -0.25, 0.0, 3.0, 1.75, 0.0, -2.0, 0.125], dtype=np.float32),
    "two equal tops": [3.0, -3.0, 1.0, 2.9999999999999996, 0.001],
    "fractions": [Fraction(1, 3), Fraction(-2, 7), Fraction(5, 11), 0, Fraction(5, 11) - Fraction(1, 10**30)],
    "huge and tiny": [1e300, 1e-300, 2.5e299, 0.0],
}

PAIRS = [
    (0.5, 1000),
    (0.5, 10**6),
    (0.5, 1e300),
    (Fraction(1, 10), 500),
    (Fraction(1, 1000), 2),  # tiny p
    (Fraction(1, 10**6), 1),
    (2.5, Fraction(5, 2) + Fraction(1, 10**9)),  # p close to q
    (100, 101),
    (1000, 1e300),  # huge p
    (1e300, 2e300),
]


@pytest.mark.parametrize("name", sorted(VECTORS))
@pytest.mark.parametrize("p, q", PAIRS)
def test_pqi_matches_the_straight_formula_for_any_exponents(name, p, q):
    w = VECTORS[name]
    exact = straight_pqi(w, p, q, 6000)
    enclosure = reference.pq_index(w, p, q, dps=30, certified=True)
    assert relative_width(enclosure) <= mpmath.mpf(10) ** -30
    assert_contains(enclosure, exact)
    assert_close(reference.pq_index(w, p, q, dps=30), exact, 30)


def _random_weights(n, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * np.where(rng.random(n) < 0.1, 0.0, 1.0)


@pytest.mark.parametrize("p", [0.5, 2, Fraction(1, 10)])
@pytest.mark.parametrize("q", [1e300, HUGE])
def test_q_to_infinity_reaches_the_limit(p, q):
    w = _random_weights(1000, 0)
    w[7] = -np.abs(w).max()  # the top magnitude twice
    assert_close(reference.pq_index(w, p, q, dps=40), limit_pqi(w, p), 40)
    # r -> sum (|w_i| / top)^p / (1 + eta_r): T_q -> 2 (the tops), T_q^(p/(q-p)) -> 1.
    with mpmath.workprec(400):
        top = np.abs(w).max()
        retained = mpmath.fsum((abs(_mpf(v)) / _mpf(top)) ** _mpf(p) for v in w) / 3
    assert_close(reference.pqi_bound(w, p, q, 2, dps=40), retained, 40)


def _work(w, q):
    """(entries evaluated, groups, series terms, working precision) of each evaluation of the
    q power sum in pq_index(w, 0.5, q, dps=30), and the highest working precision overall."""
    record, precisions = [], []
    real = _powersum._group_series

    def spy(x, exponent, layout):
        out = real(x, exponent, layout)
        precisions.append(iv.prec)
        if exponent == Fraction(q):
            record.append((x.mantissa.size, len(out[0]), layout[2], iv.prec))
        return out

    with mock.patch.object(_powersum, "_group_series", spy):
        reference.pq_index(w, 0.5, q, dps=30)
    return record, max(precisions)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_work_of_a_power_sum_does_not_grow_with_the_exponent(dtype):
    """Entries, groups and series terms per evaluation stay below q = 1000's and the documented
    bounds (kept band: at most 24 B + 2 groups, B = prec + 8 + log2(n)); no refinement is added."""
    n = 10**4
    w = (_random_weights(n, 1) * 0.1).astype(dtype)  # |w| < 1 but for the plateau and the top
    w[100:3000] = 1.0 + np.arange(2900) * 2.0**-20  # a plateau just below the top: many kept entries
    w[5] = 1.01
    _, precision_q2 = _work(w, 2)
    at_1000, precision_1000 = _work(w, 1000)
    assert len(at_1000) == 1 and precision_1000 == precision_q2
    entries = at_1000[0][0]
    assert entries > 2900  # the plateau was evaluated
    for q in (1000, 10**4, 10**6, 1e300, HUGE):
        record, highest = _work(w, q)
        assert highest == precision_q2, q
        for kept, groups, terms, prec in record:
            assert kept <= entries
            assert groups <= 24 * (prec + 8 + n.bit_length()) + 2
            assert terms <= _powersum.DYADIC_MAX_TERMS
    assert record == [(1, 1, 1, precision_q2)]  # q = 10^1000: the top alone


def test_work_on_exact_fractions_is_one_power_per_kept_value():
    w = [Fraction(k, 7) for k in range(1, 200)] + [Fraction(199, 7)]
    calls = []
    real = _powersum.ratio_power
    with mock.patch.object(_powersum, "ratio_power", lambda y, ip: calls.append(y) or real(y, ip)):
        value = reference.pq_index(w, 1, HUGE, dps=30)
    assert set(calls) == {1}  # only the two tops, as one distinct value per evaluation
    assert_close(value, limit_pqi(w, 1), 30)


def _finite(dtype):
    return st.floats(allow_nan=False, allow_infinity=False, width=8 * np.dtype(dtype).itemsize)


FLOATS = st.one_of(
    *(hnp.arrays(dtype, st.integers(1, 70), elements=_finite(dtype)) for dtype in (np.float16, np.float32, np.float64))
).filter(lambda w: np.any(w))
EXPONENTS = st.sampled_from(
    [Fraction(1, 10), Fraction(7, 3), Fraction(65), Fraction(1000), Fraction(7001, 7), Fraction(10**6),
     Fraction(2**60 + 1), Fraction(1e300), HUGE]
)


def straight_relative_sum(values, p):
    """sum (v / top)^p = sum exp(p log(v / top)) in mpmath, every term, with log2(p) + 40 bits
    beyond 600 for what p log(v / top) loses (|log(v / top)| < 2^11 for doubles)."""
    top = max(values)
    with mpmath.workprec(640 + p.numerator.bit_length()):
        return mpmath.fsum(mpmath.exp(_mpf(p) * mpmath.log(_mpf(v) / _mpf(top))) for v in values if v)


@given(FLOATS, EXPONENTS, st.booleans(), st.booleans())
def test_relative_power_sum_encloses_the_straight_sum(w, p, as_fractions, grouped):
    """Every evaluation (shared tables, groups with series, one power per value; float or
    exact input) encloses the sum at 200 bits, 180 of them certified."""
    if as_fractions:  # an entry that is no double: the exact path
        w = [*map(Fraction, w[:-1].tolist()), Fraction(float(w[-1])) + Fraction(1, 2**1100)]
    m = magnitudes(w)
    with mock.patch.object(_powersum, "TABLE_MAX_EXPONENT", 0 if grouped else _powersum.TABLE_MAX_EXPONENT):
        with precision(200):
            enclosure = _powersum.relative_power_sum(m, p)
            assert relative_width(enclosure) < mpmath.mpf(2) ** -180
    assert_contains(enclosure, straight_relative_sum(m.exact(), p))


@pytest.mark.parametrize(
    "p, u_bits",
    [(Fraction(1, 10), 6), (Fraction(7, 3), 5), (Fraction(1000), 11), (Fraction(7001, 7), 11),
     (Fraction(2**40) + Fraction(1, 3), 41), (Fraction(3), 3)],
)
def test_truncated_series_is_within_its_relative_bound(p, u_bits):
    """sum_{k<K} C(p, k) u^k is within relative eps of (1 + u)^p for u up to 2^-u_bits, also
    for K < p (the bound is relative, not only for K >= p)."""
    terms, eps = _powersum._terms(p, u_bits, 200)
    assert eps <= Fraction(1, 2**208)
    with mpmath.workprec(3000):
        u = mpmath.mpf(2) ** -u_bits * (1 - mpmath.mpf(2) ** -40)
        exponent = _mpf(p)
        series = mpmath.fsum(mpmath.binomial(exponent, k) * u**k for k in range(terms))
        error = abs(series / (1 + u) ** exponent - 1)
        assert error <= _mpf(eps)
        if p.denominator == 1 and terms > p:
            assert error < mpmath.mpf(2) ** -2900  # the finite binomial sum
        else:
            assert error > _mpf(eps) * mpmath.mpf(2) ** -8  # and the bound is not loose


def test_dropped_entries_are_enclosed():
    """Entries below the cut are not evaluated but their total is still enclosed: here the
    whole difference between T and 1."""
    m = magnitudes(np.array([1.0] + [0.5] * 1000))
    p = Fraction(10**4)
    with precision(200):
        lo, hi = endpoints(_powersum.relative_power_sum(m, p))
    exact = 1 + 1000 * Fraction(1, 2**10000)
    assert reference.exact_real(lo, "lo") <= exact <= reference.exact_real(hi, "hi")


@pytest.mark.parametrize("p", [Fraction(7, 3), Fraction(1000), Fraction(7001, 7), Fraction(10**6)])
@pytest.mark.parametrize("grouped", [False, True])
def test_enclosures_hold_when_truncation_dominates_rounding(p, grouped):
    """With series and dropped entries cut at 2^-(prec-150) instead of 2^-(prec+8), their
    bounds, not the rounding, must carry the enclosures."""
    w = np.abs(_random_weights(500, 2)) + 1.0  # many entries within the kept band
    m = magnitudes(w)
    table_max = 0 if grouped else _powersum.TABLE_MAX_EXPONENT
    with mock.patch.object(_powersum, "_TRUNCATION_BITS", -150), \
            mock.patch.object(_powersum, "TABLE_MAX_EXPONENT", table_max), precision(200):
        enclosure = _powersum.relative_power_sum(m, p)
    assert relative_width(enclosure) > mpmath.mpf(2) ** -100  # truncation shows
    assert_contains(enclosure, straight_relative_sum(m.exact(), p))


@pytest.mark.parametrize("exact_input", [False, True])
@pytest.mark.parametrize("halvings", [1, 2])
def test_entries_at_the_cut_are_bounded_not_evaluated(exact_input, halvings):
    """Entries x <= top r (module doc: B = prec + _TRUNCATION_BITS + log2(n), r = max(1 - B/p,
    2^-ceil(B/p))) are not evaluated: T = (count of the others' terms) + [0, n_dropped 2^-B].
    With the truncation bits lowered to -150 that bound exceeds the rounding, and with p = B /
    halvings the entries at top 2^-halvings lie exactly on the cut: T = [1, 1 + 3 2^-B] exactly."""
    bits = 301 - 150 + 3  # prec 301, 4 entries
    p = Fraction(bits, halvings)
    top = Fraction(1, 3) if exact_input else Fraction(1)  # 1/3 is no double: the exact path
    m = magnitudes([top] + [top / 2**halvings] * 3 if exact_input else np.array([1.0] + [0.5**halvings] * 3))
    assert (m.array is None) == exact_input
    with mock.patch.object(_powersum, "_TRUNCATION_BITS", -150), precision(301):
        lo, hi = endpoints(_powersum.relative_power_sum(m, p))
    assert (reference.exact_real(lo, "lo"), reference.exact_real(hi, "hi")) == (1, 1 + Fraction(3, 2**bits))


def test_integer_exponents_up_to_the_table_exponent_give_exact_sums():
    """Up to TABLE_MAX_EXPONENT, T = S_p / top^p from the power sum: exact for an integer p and
    doubles whose powers fit the precision."""
    m = magnitudes(np.array([1.0, 0.5, 0.75, 0.0]))
    for p in (2, _powersum.TABLE_MAX_EXPONENT):
        with precision(300):
            lo, hi = endpoints(_powersum.relative_power_sum(m, Fraction(p)))
        exact = 1 + Fraction(1, 2) ** p + Fraction(3, 4) ** p
        assert reference.exact_real(lo, "lo") == reference.exact_real(hi, "hi") == exact, p


@pytest.mark.parametrize(
    "y, p",
    [(Fraction(2**53 - 3, 2**53 - 1), Fraction(50 * 2**52)), (Fraction(7, 10), Fraction(300)),
     (Fraction(999, 1000), Fraction(10**5)), (Fraction(1, 3), Fraction(100))],
)
def test_ratio_power_keeps_relative_accuracy_p_log_y(y, p):
    """y^p = exp(p ln y) to relative accuracy ~|p ln y| 2^-prec (ratio_power's doc): ln y gets
    the bits that cancel in ln y ~ y - 1, so only p's amplification of its rounding remains."""
    with precision(200):
        enclosure = _powersum.ratio_power(y, interval(p))
    with mpmath.workprec(400):
        exact = mpmath.exp(_mpf(p) * mpmath.log(_mpf(y)))
        amplification = abs(_mpf(p) * mpmath.log(_mpf(y)))
    assert_contains(enclosure, exact)
    assert relative_width(enclosure) <= (3 * amplification + 8) * mpmath.mpf(2) ** -200


def _straight_sum(values, p, prec):
    top = max(values)
    with mpmath.workprec(prec):
        return mpmath.fsum(mpmath.exp(_mpf(p) * mpmath.log(_mpf(v) / _mpf(top))) for v in values if v)


@pytest.mark.parametrize("terms_more", [0, 1])
def test_kept_entries_are_one_group_per_value_beyond_the_longest_series(terms_more):
    """Kept entries are grouped by their leading table bits while the series has at most
    DYADIC_MAX_TERMS terms; at a precision that needs a longer series, each distinct value is its
    own group (module doc).  Either way the enclosure holds at full precision."""
    w = 1 + np.random.default_rng(5).random(50) * 2.0**-10  # 50 values with odd 53-bit mantissas
    m, p = magnitudes(w), Fraction(1000)
    bits = next(b for b in range(400, 1200) if _layout_terms(m, p, b) == _powersum.DYADIC_MAX_TERMS + terms_more)
    groups = []
    real = _powersum._group_series

    def spy(x, exponent, layout):
        out = real(x, exponent, layout)
        groups.append(len(out[0]))
        return out

    with mock.patch.object(_powersum, "_group_series", spy), precision(bits):
        enclosure = _powersum.relative_power_sum(m, p)
        assert relative_width(enclosure) < mpmath.mpf(2) ** -(bits - 20)
    assert groups == [len(w)] if terms_more else len(groups) == 1 and groups[0] < 10
    assert_contains(enclosure, _straight_sum(m.exact(), p, 2 * bits + 100))


def _layout_terms(m, p, bits):
    with precision(bits):
        return _powersum._layout(m.dyadic, p)[2]


def test_kept_entries_hundreds_of_binades_apart_stay_apart_at_max_dps():
    """At MAX_DPS's precision and p just above TABLE_MAX_EXPONENT the kept band spans about 516
    binades: two entries with the same 53-bit mantissa 512 binades apart are still two groups."""
    top = 1 - 2.0**-53
    m = magnitudes(np.array([top, top * 2.0**-512]))
    p = Fraction(129, 2)
    with precision(bits_for_digits(reference.MAX_DPS) + GUARD_BITS):
        lo, hi = endpoints(_powersum.relative_power_sum(m, p))
    exact = 1 + Fraction(1, 2 ** (512 * 129 // 2))  # (2^-512)^64.5 = 2^-33024
    assert reference.exact_real(lo, "lo") <= exact <= reference.exact_real(hi, "hi")
    assert reference.exact_real(hi, "hi") - reference.exact_real(lo, "lo") < Fraction(1, 2**33100)


@pytest.mark.parametrize("p", [Fraction(2**50), Fraction(10**12), Fraction(3 * 2**40) + Fraction(1, 3)])
def test_entries_one_ulp_below_the_top_keep_full_precision(p):
    """ln(g / top) for g within a few ulps of top is computed with the cancelled bits added,
    so a huge p does not widen the enclosure."""
    w = np.array([1.0, 1 - 2.0**-53, 1 - 3 * 2.0**-52, 1 - 2.0**-40, 0.75] * 20) * 3.0
    m = magnitudes(w)
    with precision(200):
        enclosure = _powersum.relative_power_sum(m, p)
        assert relative_width(enclosure) < mpmath.mpf(2) ** -180
    assert_contains(enclosure, straight_relative_sum(m.exact(), p))


def test_pqi_bound_and_pq_mean_and_neg_lp_with_huge_exponents():
    w = [0.5, -0.25, 3.0, 1.75, 3.0, 0.0]
    with mpmath.workprec(6000):
        exact_mean = straight_pqi(w, 1000, 1e300, 6000) - 1
        c = [abs(_mpf(v)) for v in w]
        exact_lp = -mpmath.fsum(x ** _mpf(1000) for x in c) ** (1 / _mpf(1000))
        exact_bound = 6 * (1 - straight_pqi(w, 3, 1e300, 6000)) ** (_mpf(1e300) * 3 / (_mpf(1e300) - 3))
    assert_close(reference.MEASURES["pq_mean"](w, p=1000, q=1e300, dps=30), exact_mean, 30)
    assert_close(reference.MEASURES["neg_lp"](w, p=1000, dps=30), exact_lp, 30)
    assert_contains(reference.pqi_bound(w, 3, 1e300, dps=30, certified=True), exact_bound)


# --- SAP counts: exact integers where affordable, enclosures beyond --------------------------


def test_huge_integer_exponents_skip_the_exact_integers_before_computing_them():
    values = [Fraction(1, 3), Fraction(2)]
    assert sap._exact_power_sums(values, 1, 10**300) is None
    assert sap._exact_power_sums(values, 1, 2) == (Fraction(7, 3), Fraction(37, 9))


def test_sap_count_with_p_above_the_group_size_and_a_huge_integer_q_finishes():
    """The exact-integer budget grows with d + p: with p >= d and q = 10^300 the integers
    S_q = sum |w_i|^q would never finish (nor fit in memory), so the count must come from the
    enclosures.  Run in a child process so that a regression fails after a minute instead of
    hanging the suite; r -> sum (|w_i| / max)^p = 28/27 as q -> oo, so c = floor(3 - 28/27) = 1."""
    code = ("from sparsity_oracle.reference import sap_prune_count; "
            "print(sap_prune_count([1.0, -3.0, 0.0], 3, 10**300))")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("sap_prune_count(d=3, p=3, q=10**300) did not finish in 60 s")
    assert out.stdout.strip() == "1"


@pytest.mark.parametrize(
    "w, kwargs",
    [
        ([3, 1, 1, 1, 0, 0], {"p": 1, "q": 2}),  # r = 3 exactly: a tie decided by sign's equality
        ([3, 1, 1, 1, 3, 1, 1, 1], {"p": 1, "q": 2, "eta_r": 1, "gamma": Fraction(10, 13), "beta": 1}),
        ([1.25, 2.5, 0.3, 7.0, 0.01, 4.0], {"p": 2, "q": 7, "gamma": 3, "beta": 1}),
    ],
)
def test_counts_by_enclosures_equal_the_exact_integer_counts(w, kwargs):
    exact = reference.sap_prune_count(w, **kwargs)
    with mock.patch.object(sap, "EXACT_POWER_BITS", 0):
        assert reference.sap_prune_count(w, **kwargs) == exact


@pytest.mark.parametrize("seed", range(3))
def test_sap_count_with_a_huge_integer_q_is_the_limit_count(seed):
    w = _random_weights(50, seed)
    d, top = len(w), np.abs(w).max()
    with mpmath.workprec(400):
        retained = mpmath.fsum(abs(_mpf(v)) / _mpf(top) for v in w)  # r at q -> oo, p = 1
        expected = int(mpmath.floor(min(2 * (d - retained), d * _mpf(0.9))))
    assert reference.sap_prune_count(w, 1, 10**300, gamma=2) == expected


# --- dps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [reference.pq_index, reference.gini, reference.MEASURES["hoyer"]])
def test_dps_beyond_max_dps_is_a_value_error(f):
    assert f([1.0, 2.0], dps=reference.MAX_DPS) > 0  # allowed (cheap for two entries)
    with pytest.raises(ValueError, match=f"dps must be at most MAX_DPS = {reference.MAX_DPS}"):
        f([1.0, 2.0], dps=reference.MAX_DPS + 1)


def test_pqi_command_rejects_dps_beyond_max_dps(tmp_path, capsys):
    path = tmp_path / "w.npz"
    np.savez(path, w=np.ones((2, 2)))
    with pytest.raises(SystemExit) as exit_info:
        main(["pqi", str(path), "--dps", str(reference.MAX_DPS + 1)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        f"sparsity-oracle pqi: error: argument --dps: dps must be an integer from 1 to "
        f"{reference.MAX_DPS}, got '{reference.MAX_DPS + 1}'"
    )


def test_pqi_command_with_q_1e300_reports_the_limit(tmp_path, capsys):
    path = tmp_path / "example.npz"
    assert main(["pqi", "--example", str(path)]) == 0
    capsys.readouterr()
    assert main(["pqi", str(path), "--q", "1e300", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    with np.load(path) as arrays:
        fc1 = arrays["fc1.weight"].ravel()
    row = next(r for r in out["tensors"] if r["name"] == "fc1.weight")
    with mpmath.workdps(30):
        value = mpmath.mpf(row["pqi"])
    assert_close(value, limit_pqi(fc1, Fraction(1, 2)), 19)
