"""Inputs of the differential checks: fixed hard cases and reproducibly generated ones.

A ``Case`` is one call: the function name and its keyword arguments in float64 (vectors as
numpy arrays, mask problems as dicts of arrays), with a stable ``id`` (``find_case`` rebuilds
the case from it) and a ``digest`` of its content.  The checks round a case to the
implementation's dtype before calling it (``checks.prepare``).

* ``hard_cases(function)``: fixed cases, the same in every run: edge vectors (one-hot,
  subnormal, near the float maxima, ties, ...), invalid calls, and the layers real code meets
  (``REALISTIC_LAYERS``: Gaussian and Laplace weights, float32 values, at scales 1e-3 .. 1,
  10^4 .. 10^6 entries, p = 0.1 .. 2; ``SMALL_NORMAL``: magnitudes far below 1 but normal;
  conv and linear weights with fully masked neurons and layers).
* ``generated_cases(function, n, seed)``: n cases drawn from ``properties.strategies`` with
  ``reproducible_examples``: the same cases for the same seed from the command line, pytest or
  Python, whatever else is imported.  Case i does not depend on n.

Cost of the largest hard case (``docs/benchmarks.md``, ``benchmarks/bench_oracle_cases.py``):
the reference on the 10^6-entry layer takes about 1 s per PQI and 0.1 s per Gini, so that
layer is checked at two (p, q) pairs only; the other realistic layers have 10^4 .. 10^5
entries.  The checks cache reference values by content, so several implementations (or
dtypes whose rounding leaves float32 data unchanged) share one evaluation.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np


@dataclass(frozen=True)
class Case:
    """One call of ``function`` with ``kwargs``; ``label`` names the input, ``id`` the case."""

    function: str
    kwargs: dict = field(hash=False, compare=False)
    label: str = "generated"
    id: str = ""

    @cached_property
    def digest(self) -> str:
        """16 hex digits of a SHA-256 over the function and the arguments' exact content."""
        return case_digest(self.function, self.kwargs)

    @cached_property
    def entries(self) -> int:
        """Number of array entries in the arguments (the size of the case)."""
        return sum(a.size for a in _arrays(self.kwargs))


def _arrays(kwargs: dict):
    for value in kwargs.values():
        if isinstance(value, dict):
            yield from value.values()
        elif isinstance(value, np.ndarray):
            yield value


def case_digest(function: str, kwargs: dict) -> str:
    """A digest of ``function`` and ``kwargs`` that changes with any bit of any argument."""
    h = hashlib.sha256(function.encode())

    def feed(value):
        if isinstance(value, dict):
            for k in value:
                h.update(f"<{k}>".encode())
                feed(value[k])
        elif isinstance(value, np.ndarray):
            h.update(f"{value.dtype.str}{value.shape}".encode())
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            h.update(repr(value).encode())

    feed(kwargs)
    return h.hexdigest()[:16]


def _v(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+=-]+", "-", text).strip("-")


def _make(function: str, kwargs: dict, label: str) -> Case:
    params = ",".join(f"{k}={v if isinstance(v, str) else repr(v)}" for k, v in kwargs.items()
                      if not isinstance(v, (np.ndarray, dict)))
    return Case(function, kwargs, label, "/".join(filter(None, (function, _slug(label), params))))


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

#: Layers real code meets: (distribution, scale, entries, (p, q) pairs).  Values are float32
#: (as trained weights are), drawn from a generator seeded by the layer's position.  Gaussian
#: (0, 0.05) at 2*10^4 entries is where PQI through unscaled float32 norms overflows at
#: p = 0.1 (||w||_0.1 ~ 5e41 > 3.4e38); scale 1e-3 catches an implementation that adds an
#: epsilon to |w|.  The 10^6-entry layer costs the reference about 1 s per PQI, so it is
#: checked at p = 0.1 (where naive norms break) and at the default p = 0.5 only.
REALISTIC_PQ = ((0.1, 1.0), (0.5, 1.0), (1.0, 2.0), (2.0, 4.0))
REALISTIC_LAYERS = (
    ("gaussian", 0.05, 20_000, REALISTIC_PQ),
    ("laplace", 1e-3, 10_000, REALISTIC_PQ),
    ("gaussian", 1.0, 100_000, REALISTIC_PQ),
    ("laplace", 0.02, 1_000_000, REALISTIC_PQ[:2]),
)

#: Small but normal magnitudes (float32's normal range ends at 1.2e-38, float64's at 2.2e-308):
#: an implementation that adds an epsilon to |w|, or squares such entries, is wrong here.
SMALL_NORMAL = (
    ("small normal 1e-6", 1e-6, 64, np.float32),
    ("small normal 1e-30", 1e-30, 64, np.float32),
    ("small normal 1e-150", 1e-150, 64, np.float64),
)


def _layer(distribution: str, scale: float, n: int, seed: int, dtype=np.float32) -> np.ndarray:
    rng = np.random.default_rng([20230205, seed])
    draw = rng.standard_normal if distribution == "gaussian" else rng.laplace
    return (draw(size=n) * scale).astype(dtype).astype(np.float64)


@lru_cache(maxsize=None)
def realistic_vectors() -> tuple:
    """(label, vector, (p, q) pairs) of ``REALISTIC_LAYERS`` and ``SMALL_NORMAL``."""
    out = [(f"{dist}(0, {scale:g}), {n} entries", _layer(dist, scale, n, i), pairs)
           for i, (dist, scale, n, pairs) in enumerate(REALISTIC_LAYERS)]
    out += [(label, _layer("gaussian", scale, n, 100 + i, dtype), ((0.5, 1.0), (2.0, 4.0)))
            for i, (label, scale, n, dtype) in enumerate(SMALL_NORMAL)]
    return tuple(out)


#: Invalid calls every implementation must reject with ValueError (contract §1).
INVALID = (
    ("pq_index", {"w": _v([]), "p": 0.5, "q": 1.0}, "empty vector"),
    ("pq_index", {"w": _v([1.0, math.nan]), "p": 0.5, "q": 1.0}, "NaN entry"),
    ("pq_index", {"w": _v([0.0, 0.0]), "p": 0.5, "q": 1.0}, "all zero"),
    ("pq_index", {"w": _v([1.0, 2.0]), "p": 1.0, "q": 1.0}, "q <= p"),
    ("pq_index", {"w": _v([1.0, 2.0]), "p": 0.0, "q": 1.0}, "p <= 0"),
    ("gini", {"w": _v([0.0, 0.0, 0.0])}, "all zero"),
    ("gini", {"w": _v([1.0, math.inf])}, "inf entry"),
    ("pqi_bound", {"w": _v([1.0, 2.0]), "p": 0.5, "q": 1.0, "eta_r": -0.5}, "eta_r < 0"),
    ("sap_prune_count", {"w": _v([1.0, 2.0]), "p": 0.5, "q": 1.0, "eta_r": 0.0, "gamma": 1.0, "beta": 1.5},
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
        _realistic_network(),
    )


def _realistic_network():
    """A conv layer (8 output channels of 4x3x3), two linear layers and a bias, float32 Gaussian
    weights with 30 % already pruned, output channel 2 and row 3 of ``fc1`` fully masked (a
    dead neuron), and ``fc2`` fully masked (a dead layer)."""
    rng = np.random.default_rng([20230205, 7])
    shapes = {"conv.weight": (8, 4, 3, 3), "fc1.weight": (10, 72), "fc1.bias": (10,), "fc2.weight": (4, 10)}
    weights = {k: (rng.standard_normal(s) * 0.1).astype(np.float32).astype(np.float64) for k, s in shapes.items()}
    masks = {k: rng.random(s) >= 0.3 for k, s in shapes.items()}
    masks["conv.weight"][2] = False
    masks["fc1.weight"][3] = False
    masks["fc2.weight"][:] = False
    return "conv and linear, dead neuron and layer", weights, masks


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


#: eta_r of the PQI-bound hard cases.
ETAS = (0.0, 0.5)


def _vector_cases(function: str, label: str, w: np.ndarray, pairs, etas, sap_parameters) -> list[Case]:
    cases = []
    for p, q in pairs:
        kw = {"w": w, "p": p, "q": q}
        if function == "pqi_bound":
            cases += [_make(function, {**kw, "eta_r": eta}, label) for eta in etas]
        elif function == "sap_prune_count":
            cases += [_make(function, {**kw, "eta_r": e, "gamma": g, "beta": b}, label) for e, g, b in sap_parameters]
        else:
            cases.append(_make(function, kw, label))
    return cases


@lru_cache(maxsize=None)
def _hard_cases(function: str) -> tuple[Case, ...]:
    cases = [_make(f, kw, label) for f, kw, label in INVALID if f == function]
    if function == "gini":
        cases += [_make("gini", {"w": w}, label) for label, w in VECTORS]
        cases += [_make("gini", {"w": w}, label) for label, w, _ in realistic_vectors()]
    elif function in ("pq_index", "pqi_bound", "sap_prune_count"):
        for label, w in VECTORS:
            cases += _vector_cases(function, label, w, PQ_PAIRS, ETAS, SAP_PARAMETERS)
        for label, w, pairs in realistic_vectors():  # the defaults eta_r = 0, gamma = 1, beta = 0.9
            cases += _vector_cases(function, label, w, pairs, ETAS[:1], SAP_PARAMETERS[:1])
        if function == "pqi_bound":  # r = 5 * 4.21**-201 = 1.6e-125: 0 in float32 (tolerances: Underflow)
            cases.append(_make(function, {"w": _v([3.0] * 5), "p": 0.2, "q": 0.201, "eta_r": 3.21},
                               "result below float32's range"))
    elif function in ("sap_masks", "fixed_ratio_masks"):
        for label, weights, masks in _mask_problems():
            for scope in ("global", "layer", "neuron"):
                base = {"weights": weights, "masks": masks, "scope": scope}
                if function == "sap_masks":
                    cases += [
                        _make(function, {**base, "p": p, "q": q, "eta_r": e, "gamma": g, "beta": b}, label)
                        for p, q in PQ_PAIRS[:3]
                        for e, g, b in SAP_PARAMETERS[:2]
                    ]
                else:
                    cases += [_make(function, {**base, "amount": a}, label) for a in (0.2, 0.25, 0.3, 0.5, 1 / 3)]
    elif function == "pruning_limit":
        cases += [
            _make(function, {"magnitudes": m, "spectrum": s, "eps": eps}, label)
            for label, m, s, eps in _limit_problems()
        ]
    return tuple(cases)


def hard_cases(function: str) -> list[Case]:
    """The fixed hard cases of ``function`` (contract §7 name), invalid calls included."""
    return list(_hard_cases(function))


# --- generated cases -------------------------------------------------------------------------


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


@lru_cache(maxsize=64)
def _generated(function: str, n: int, seed: int) -> tuple[Case, ...]:
    from ..properties.strategies import reproducible_examples

    drawn = reproducible_examples(cases(function), n, seed)
    return tuple(Case(function, c.kwargs, "generated", f"{function}/generated/seed={seed}/{i}")
                 for i, c in enumerate(drawn))


def generated_cases(function: str, n: int, seed: int = 0) -> list[Case]:
    """``n`` cases of ``function`` drawn from ``cases(function)``: the same for the same seed
    whatever the entry point and whatever else is imported (``reproducible_examples``)."""
    return list(_generated(function, n, seed))


@lru_cache(maxsize=None)
def _hard_positions(function: str) -> dict:
    return {c.id: i for i, c in enumerate(_hard_cases(function))}


def _parse(case_id: str) -> tuple[str, tuple[int, int] | None]:
    """(function, (seed, index) of a generated case or None)."""
    function, _, rest = case_id.partition("/")
    generated = re.fullmatch(r"generated/seed=(-?\d+)/(\d+)", rest)
    return function, (int(generated.group(1)), int(generated.group(2))) if generated else None


def case_order(case_id: str) -> tuple:
    """A sort key putting case ids in run order: hard cases as listed, then generated by index."""
    function, generated = _parse(case_id)
    if generated:
        return function, 1, *generated
    return function, 0, _hard_positions(function).get(case_id, -1), 0


def find_case(case_id: str) -> Case:
    """The case with this ``id`` (hard: ``function/label/params``; generated:
    ``function/generated/seed=S/i``); KeyError if there is none."""
    function, generated = _parse(case_id)
    if generated:
        seed, index = generated
        return generated_cases(function, index + 1, seed)[index]
    for case in _hard_cases(function):
        if case.id == case_id:
            return case
    raise KeyError(f"no oracle case with id {case_id!r}")
