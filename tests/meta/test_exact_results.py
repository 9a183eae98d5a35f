"""Exact results are judged exactly: the counts the oracle admits, at the edge of the budget that
decides them (docs/oracle.md, "Counts and masks are exact"), and masks that revive an entry.

Each case is built so that the exact real quantity (gamma (d - r), d beta, F(k)) lies a chosen
multiple of its documented budget e away from an integer: at 0.5 e the neighbouring count is
admitted, at 2 e only the exact one; so is a count off by one where the real is far from an
integer rejected, and a range made wider or narrower breaks a test.
"""

from __future__ import annotations

import math
from fractions import Fraction
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest

from sparsity_oracle import reference
from sparsity_oracle.oracle import Case, check
from meta.numpy_impl import NumpyImpl
from meta import documented
from meta.documented import DTYPES

DPS = 40


def _mpf(x) -> mpmath.mpf:
    if isinstance(x, mpmath.mpf):
        return +x
    x = Fraction(x)
    return mpmath.mpf(x.numerator) / x.denominator


class Returns:
    """An implementation returning a fixed answer, declared in ``dtype``."""

    def __init__(self, dtype: str, value):
        self.DTYPE, self.value = dtype, value

    def sap_prune_count(self, w, p, q, eta_r, gamma, beta):
        return self.value

    def pruning_limit(self, magnitudes, spectrum, eps):
        tails = reference.removed_squares(np.asarray(magnitudes, dtype=np.float64))
        return SimpleNamespace(kept=self.value, radius=math.sqrt(tails[self.value]))


# --- SAP: c = floor(min(gamma (d - r), d beta)) ------------------------------------------------

W = np.array([1.0, 2.0, 3.0, 0.5, 0.25, 0.0])  # exact in every dtype
P, Q = 0.5, 1.0


def _sap_case(dtype: str, branch: str, offset: float) -> tuple[Case, int, float]:
    """A SAP case whose exact y lies ``offset`` budgets above the integer n (below if negative):
    ``branch`` "gamma" places gamma (d - r), "beta" places d beta (the other branch far above);
    "product" places gamma (d - r) with eta_r = 10^6, so r ~ 10^-11 and the budget is that of
    the product gamma d alone.  Returns the case, n and the realised offset in budgets."""
    d = len(W)
    n = 2
    eta_r = 1e6 if branch == "product" else 0.0
    with mpmath.workdps(DPS):
        r = _mpf(reference.pqi_bound(W, P, Q, eta_r, dps=DPS))
        if branch in ("gamma", "product"):
            # e = gamma r rho_r + 4 u gamma d (tolerances), so y = gamma (d - r) = n + offset e
            per_gamma = r * documented.pqi_bound_relative(dtype, d, P, Q) + documented.product(dtype, d)
            gamma = float(n / (d - r - offset * per_gamma))
            beta = 1.0
            y, e = _mpf(gamma) * (d - r), _mpf(gamma) * per_gamma
        else:
            # e = 4 u d beta, so d beta = n + offset e
            beta = float(n / (d * (1 - offset * documented.product(dtype, 1))))
            gamma = 4.0
            y, e = d * _mpf(beta), documented.product(dtype, 1) * d * _mpf(beta)
        realised = float((y - n) / e)
    kwargs = {"w": W, "p": P, "q": Q, "eta_r": eta_r, "gamma": gamma, "beta": beta}
    return Case("sap_prune_count", kwargs, f"{branch} branch {offset:+} budgets from {n}"), n, realised


SAP_EDGES = [(dtype, branch, offset) for dtype in DTYPES for branch in ("gamma", "beta", "product")
             for offset in (0.5, 2.0, -0.5, -2.0)]


@pytest.mark.parametrize("dtype, branch, offset", SAP_EDGES, ids=[f"{d}-{b}-{o:+}" for d, b, o in SAP_EDGES])
def test_sap_counts_admitted_at_the_budget_edge(dtype, branch, offset):
    case, n, realised = _sap_case(dtype, branch, offset)
    if dtype == "float64" and branch == "beta":
        assert abs(realised - offset) <= 0.3  # d beta moves in steps of d ulp(beta) = e / 4
    elif dtype == "float64" and branch == "product":
        assert abs(realised - offset) <= 0.3  # gamma d moves in steps of d ulp(gamma) <= e / 2
    else:
        assert abs(realised - offset) <= 0.05
    exact = n if offset > 0 else n - 1
    assert reference.sap_prune_count(**case.kwargs) == exact
    neighbour = n - 1 if offset > 0 else n
    admitted = {exact, neighbour} if abs(offset) < 1 else {exact}
    for count in range(n - 3, n + 3):
        failure = check(Returns(dtype, count), case)
        assert (failure is None) == (count in admitted), f"count {count}, admitted {admitted}:\n{failure}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_all_zero_group_admits_only_the_count_zero(dtype):
    case = Case("sap_prune_count", {"w": np.zeros(4), "p": P, "q": Q, "eta_r": 0.0, "gamma": 1.0, "beta": 0.9},
                "all-zero")
    assert check(Returns(dtype, 0), case) is None
    failure = check(Returns(dtype, 1), case)
    assert failure is not None and failure.cause == "off-by-one", failure


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p, q, gamma, exact", [
    (1e308, 1.7e308, 0.75, 1),  # r = 1 (q + p overflows); y = 0.75 (3 - 1) = 1.5
    (0.5, 1.0, 1e308, 2),  # gamma d overflows; y = d beta = 2.7
])
def test_sap_counts_are_judged_for_parameters_near_the_float_maximum(dtype, p, q, gamma, exact):
    kwargs = {"w": np.array([1.0, 2.0, 3.0]), "p": p, "q": q, "eta_r": 0.0, "gamma": gamma, "beta": 0.9}
    case = Case("sap_prune_count", kwargs, "near the float maximum")
    assert reference.sap_prune_count(**kwargs) == exact
    for count in range(exact - 2, exact + 3):
        failure = check(Returns(dtype, count), case)
        assert (failure is None) == (count == exact), f"count {count}:\n{failure}"


def test_sap_count_off_by_one_is_rejected_in_masks():
    """sap_masks pruning one entry more than the count, in every group, where the reals are far
    from integers."""

    class OneMore(NumpyImpl):
        def _count(self, d, r, gamma, beta):
            return super()._count(d, r, gamma, beta) + 1

    weights = {"a": np.arange(1.0, 13.0).reshape(3, 4), "b": np.array([0.5, -1.5, 2.5, -3.5, 4.5])}
    masks = {k: np.ones(v.shape, dtype=bool) for k, v in weights.items()}
    for scope in ("global", "layer", "neuron"):
        case = Case("sap_masks", {"weights": weights, "masks": masks, "scope": scope, "p": 0.5, "q": 1.0,
                                  "eta_r": 0.0, "gamma": 1.0, "beta": 0.9}, scope)
        assert check(NumpyImpl(), case) is None
        failure = check(OneMore(), case)
        assert failure is not None and "admitted" in failure.note


# --- fixed ratio: round(amount d) of the exact product or of the implementation's product ----


class FixedReturns(NumpyImpl):
    """Prunes round(amount d) computed as ``how`` says."""

    def __init__(self, dtype: str, how):
        self.DTYPE, self.how = dtype, how

    def _fixed_count(self, amount, d):
        return self.how(amount, d)


def _exact(amount, d):
    return round(Fraction(amount) * d)


def _float64(amount, d):
    return round(amount * d)


def _float32(amount, d):
    return round(float(np.float32(amount) * np.float32(d)))


@pytest.mark.parametrize(
    "amount, d, admitted64, admitted32",
    [
        # 0.3 is the double below 3/10: exact 0.3 * 5 = 1.4999.. -> 1; float64 1.5 -> 2 (half to even)
        (0.3, 5, {1, 2}, {1, 2}),
        # exact and float64: 11 (10.50000000000000072); float32: 10.5 -> 10
        (0.07, 150, {11}, {10, 11}),
        (0.25, 8, {2}, {2}),
    ],
)
def test_fixed_ratio_counts_admitted(amount, d, admitted64, admitted32):
    weights = {"w": np.arange(1.0, d + 1)}
    case = Case("fixed_ratio_masks", {"weights": weights, "masks": {"w": np.ones(d, dtype=bool)},
                                      "scope": "layer", "amount": amount}, f"amount {amount}, d {d}")
    for dtype in DTYPES:  # float16 and bfloat16 accumulate in float32 (contract §3): its product is admitted
        admitted = admitted64 if dtype == "float64" else admitted32
        for how in (_exact, _float64, _float32, lambda a, n: _exact(a, n) + 1, lambda a, n: _exact(a, n) - 1):
            count = how(amount, d)
            failure = check(FixedReturns(dtype, how), case)
            assert (failure is None) == (count in admitted), f"{dtype}: count {count}, admitted {admitted}\n{failure}"


# --- masks: no revived entry, exactly the reference's choice ---------------------------------


class Revives(NumpyImpl):
    """Prunes the right entries, and brings back the first entry that was already pruned."""

    def _prune(self, weights, masks, scope, count):
        new = super()._prune(weights, masks, scope, count)
        for k in new:
            pruned_before = np.flatnonzero(~np.asarray(masks[k]).reshape(-1))
            if pruned_before.size:
                new[k].reshape(-1)[pruned_before[0]] = True
                break
        return new


@pytest.mark.parametrize("function", ["sap_masks", "fixed_ratio_masks"])
def test_a_revived_entry_is_rejected(function):
    weights = {"a": np.arange(1.0, 13.0).reshape(3, 4), "b": np.array([0.5, -1.5, 2.5, -3.5, 4.5])}
    masks = {"a": np.ones((3, 4), dtype=bool), "b": np.array([True, False, True, True, True])}
    masks["a"][1, 2] = False
    params = {"p": 0.5, "q": 1.0, "eta_r": 0.0, "gamma": 1.0, "beta": 0.9} if function == "sap_masks" else {"amount": 0.4}
    for scope in ("global", "layer", "neuron"):
        case = Case(function, {"weights": weights, "masks": masks, "scope": scope, **params}, scope)
        assert check(NumpyImpl(), case) is None
        failure = check(Revives(), case)
        assert failure is not None and "revived" in failure.note


# --- pruning limit: k* = min{k : k >= F(k)} --------------------------------------------------

MAGNITUDES = np.arange(8.0, 0.0, -1.0)
SPECTRUM = np.array([0.25, 0.5, 1.0, 2.0, -1.0, 0.75, 1.5, 3.0])  # |lambda| is used
K0 = 3


def _f(k: int, eps) -> mpmath.mpf:
    r2 = _mpf(reference.removed_squares(MAGNITUDES)[k])
    return mpmath.fsum(abs(_mpf(lam)) * r2 / (abs(_mpf(lam)) * r2 + 2 * eps) for lam in SPECTRUM)


def _limit_case(dtype: str, offset: float) -> tuple[Case, float]:
    """eps such that F(K0) = K0 (1 + offset rho_F) (F decreases in eps: bisection)."""
    rho = documented.limit_relative(dtype, len(MAGNITUDES))
    with mpmath.workdps(DPS):
        target = K0 * (1 + offset * _mpf(rho))
        low, high = mpmath.mpf(2) ** -20, mpmath.mpf(2) ** 20
        for _ in range(160):
            middle = (low + high) / 2
            low, high = (middle, high) if _f(K0, middle) > target else (low, middle)
        eps = float(low)
        realised = float((_f(K0, _mpf(eps)) / K0 - 1) / _mpf(rho))
    kwargs = {"magnitudes": MAGNITUDES, "spectrum": SPECTRUM, "eps": eps}
    return Case("pruning_limit", kwargs, f"F(k) {offset:+} budgets from k"), realised


LIMIT_EDGES = [(dtype, offset) for dtype in DTYPES for offset in (0.5, 2.0, -0.5, -2.0)]


@pytest.mark.parametrize("dtype, offset", LIMIT_EDGES, ids=[f"{d}-{o:+}" for d, o in LIMIT_EDGES])
def test_pruning_limit_admitted_at_the_budget_edge(dtype, offset):
    """F(K0) just above K0 (offset > 0): k* = K0 + 1, and K0 is admitted within the budget; just
    below: k* = K0, and K0 + 1 is admitted within the budget."""
    case, realised = _limit_case(dtype, offset)
    assert abs(realised - offset) <= 0.05
    exact = K0 + 1 if offset > 0 else K0
    assert reference.pruning_limit(**case.kwargs).kept == exact
    neighbour = K0 if offset > 0 else K0 + 1
    admitted = {exact, neighbour} if abs(offset) < 1 else {exact}
    for kept in range(K0 - 2, K0 + 4):
        failure = check(Returns(dtype, kept), case)
        assert (failure is None) == (kept in admitted), f"kept {kept}, admitted {admitted}:\n{failure}"
