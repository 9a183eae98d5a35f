"""Inputs of the differential checks: fixed hard cases and hypothesis strategies.

A ``Case`` is one call: the function name and its keyword arguments in float64 (vectors as
numpy arrays, mask problems as dicts of arrays).  The checks round a case to the
implementation's dtype before calling it (``checks.prepare``).  The generated cases are drawn
from ``properties.strategies`` (imported lazily: hypothesis is only needed to generate them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Case:
    function: str
    kwargs: dict = field(hash=False)
    label: str = "generated"


def _v(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


#: Hard vectors: (label, vector).
VECTORS = (
    ("one-hot", _v([0, 0, 3, 0, 0])),
    ("single entry", _v([-4.0])),
    ("constant", _v([2.5] * 7)),
    ("near-constant", _v([1 + k * 2.0**-50 for k in (0, 1, -1, 2, 0, 3, -2, 1)])),
    ("huge 1e300", _v([1e300, 3e299, 7e299, 1e300, 2e299])),
    ("near float64 max", _v([1.7e308, 1.0e308, 1.5e308, 9e307])),
    ("near float32 max", _v([3.0e38, 1.0e38, 2.5e38, 5e37])),
    ("large 1e30", _v([1e30] * 40 + [3e29] * 24)),
    ("tiny subnormal", _v([5e-324, 1e-320, 2.2e-308, 0.0, 3e-310])),
    ("huge and subnormal", _v([1e300, 5e-324, 1e-300, 1.0, 0.0])),
    ("many zeros", _v([0.0] * 95 + [1.0, 2.0, 3.0, 4.0, 5.0])),
    ("ties", _v([1, -1, 2, 2, -2, 0.5, 0.5, 0])),
    ("signs", _v([-3, 2, -1, 0.5, -0.25, 8])),
    ("dominant", _v([1.0] + [2.0**-40] * 30)),
    # d (...) near an integer: ten equal entries and one tiny one make r = 10 + 2e-9 (p = 1/2,
    # q = 1), so d - r lies 2e-9 below the integer 6: float32 arithmetic cannot see the gap.
    ("near-integer count", _v([1.0] * 10 + [1e-18] + [0.0] * 5)),
    ("near-integer count, large", _v([3.0] * 500 + [3e-16] + [0.0] * 100)),
)

#: (p, q) pairs of the hard cases: the defaults, Hoyer's, p = 0.1, both below/above 1, q -> p.
PQ_PAIRS = ((0.5, 1.0), (1.0, 2.0), (0.1, 1.0), (0.1, 2.0), (0.3, 0.8), (2.0, 3.0), (0.5, 0.51))

#: (eta_r, gamma, beta) of the SAP hard cases (beta = 0.7 is the double just below 7/10).
SAP_PARAMETERS = ((0.0, 1.0, 0.9), (0.0, 0.5, 0.7), (0.25, 2.0, 1.0), (1.0, 1.0, 0.5))

#: Invalid calls every implementation must reject with ValueError (SPEC §1).
INVALID = (
    Case("pq_index", {"w": _v([]), "p": 0.5, "q": 1.0}, "empty vector"),
    Case("pq_index", {"w": _v([1.0, math.nan]), "p": 0.5, "q": 1.0}, "NaN entry"),
    Case("pq_index", {"w": _v([0.0, 0.0]), "p": 0.5, "q": 1.0}, "all zero"),
    Case("pq_index", {"w": _v([1.0, 2.0]), "p": 1.0, "q": 1.0}, "q <= p"),
    Case("pq_index", {"w": _v([1.0, 2.0]), "p": 0.0, "q": 1.0}, "p <= 0"),
    Case("gini", {"w": _v([0.0, 0.0, 0.0])}, "all zero"),
    Case("gini", {"w": _v([1.0, math.inf])}, "inf entry"),
    Case("pqi_bound", {"w": _v([1.0, 2.0]), "p": 0.5, "q": 1.0, "eta_r": -0.5}, "eta_r < 0"),
    Case("sap_prune_count", {"w": _v([1.0, 2.0]), "p": 0.5, "q": 1.0, "eta_r": 0.0, "gamma": 1.0, "beta": 1.5},
         "beta > 1"),
)


def _mask_problems():
    rng = np.random.default_rng(20230205)
    ties = np.array([[3, 1, 1, 2], [0.5, 0.5, 4, 1], [2, 2, 2, 2]], dtype=np.float64)
    weights = {
        "conv": np.round(rng.standard_normal((3, 2, 2, 2)), 1),
        "linear": ties * np.array([[1], [-1], [1]]),
        "bias": _v([0.1, -0.1, 0.3, 0.0, 0.1]),
    }
    masks = {name: np.ones(w.shape, dtype=bool) for name, w in weights.items()}
    masks["linear"][0, 0] = masks["linear"][2, 3] = False
    masks["conv"][1] = False
    masks["bias"][3] = False
    near_integer = {"row": np.vstack([_v([1.0] * 10 + [1e-18] + [0.0] * 5)] * 2)}
    return (
        ("mixed tensors, ties, masked entries", weights, masks),
        ("near-integer count", near_integer, {"row": np.ones((2, 16), dtype=bool)}),
        ("all-zero group", {"z": np.zeros((2, 3)), "w": _v([1.0, 2.0, 2.0])},
         {"z": np.ones((2, 3), dtype=bool), "w": np.array([True, True, False])}),
    )


def _limit_problems():
    rng = np.random.default_rng(2024)
    magnitudes = np.abs(np.round(rng.standard_normal(40), 2))
    spectrum = np.round(rng.standard_normal(40) * 3, 2)
    ties = _v([1.0] * 12 + [0.5] * 12)
    return (
        ("random, negative eigenvalues", magnitudes, spectrum, 0.05),
        ("random, large eps", magnitudes, spectrum, 10.0),
        ("ties, zero eigenvalues", ties, _v([0.0] * 6 + [2.0] * 18), 0.01),
        ("one weight", _v([3.0]), _v([1.0]), 0.5),
    )


def hard_cases(function: str) -> list[Case]:
    """The fixed hard cases of ``function`` (SPEC §7 name), invalid calls included."""
    cases = [c for c in INVALID if c.function == function]
    if function == "gini":
        cases += [Case("gini", {"w": w}, label) for label, w in VECTORS]
    elif function in ("pq_index", "pqi_bound", "sap_prune_count"):
        for label, w in VECTORS:
            for p, q in PQ_PAIRS:
                kw = {"w": w, "p": p, "q": q}
                if function == "pqi_bound":
                    cases += [Case(function, {**kw, "eta_r": eta}, label) for eta in (0.0, 0.5)]
                elif function == "sap_prune_count":
                    cases += [
                        Case(function, {**kw, "eta_r": e, "gamma": g, "beta": b}, label)
                        for e, g, b in SAP_PARAMETERS
                    ]
                else:
                    cases.append(Case(function, kw, label))
        if function == "pqi_bound":  # r = 5 * 4.21**-201 = 1.6e-125: 0 in float32 (tolerances: Underflow)
            cases.append(Case(function, {"w": _v([3.0] * 5), "p": 0.2, "q": 0.201, "eta_r": 3.21},
                              "result below float32's range"))
    elif function in ("sap_masks", "fixed_ratio_masks"):
        for label, weights, masks in _mask_problems():
            for scope in ("global", "layer", "neuron"):
                base = {"weights": weights, "masks": masks, "scope": scope}
                if function == "sap_masks":
                    cases += [
                        Case(function, {**base, "p": p, "q": q, "eta_r": e, "gamma": g, "beta": b}, label)
                        for p, q in PQ_PAIRS[:3]
                        for e, g, b in SAP_PARAMETERS[:2]
                    ]
                else:
                    cases += [Case(function, {**base, "amount": a}, label) for a in (0.2, 0.25, 0.3, 0.5, 1 / 3)]
    elif function == "pruning_limit":
        cases += [
            Case(function, {"magnitudes": m, "spectrum": s, "eps": eps}, label)
            for label, m, s, eps in _limit_problems()
        ]
    return cases


# --- hypothesis ------------------------------------------------------------------------------


def cases(function: str, max_size: int = 48):
    """A hypothesis strategy of ``Case`` for ``function`` (strategies: ``properties.strategies``)."""
    from hypothesis import strategies as st

    from ..properties import strategies as ps

    vectors = ps.signed_vectors(2, max_size).map(_v)
    pq = ps.pq_pairs()

    def build(**kw):
        return Case(function, kw)

    if function == "gini":
        return st.builds(build, w=vectors)
    if function == "pq_index":
        return st.builds(lambda w, pq: build(w=w, p=pq[0], q=pq[1]), vectors, pq)
    if function == "pqi_bound":
        return st.builds(lambda w, pq, e: build(w=w, p=pq[0], q=pq[1], eta_r=e), vectors, pq, ps.eta_rs())
    if function == "sap_prune_count":
        return st.builds(
            lambda w, pq, e, g, b: build(w=w, p=pq[0], q=pq[1], eta_r=e, gamma=g, beta=b),
            vectors, pq, ps.eta_rs(), ps.gammas(), ps.betas(),
        )
    if function == "fixed_ratio_masks":
        return st.builds(lambda pr, a: build(**pr, amount=a), ps.mask_problems(), ps.amounts())
    if function == "sap_masks":
        return st.builds(
            lambda pr, pq, e, g, b: build(**pr, p=pq[0], q=pq[1], eta_r=e, gamma=g, beta=b),
            ps.mask_problems(), pq, ps.eta_rs(), ps.gammas(), ps.betas(),
        )
    if function == "pruning_limit":
        return ps.limit_problems().map(lambda kw: build(**kw))
    raise ValueError(f"no strategy for {function!r}")
