"""The oracle is exactly as strict as docs/oracle.md says: implementations off by a chosen
fraction of the documented error budget, on both sides of it, for every real result and dtype.

An implementation here returns the reference value of the inputs it received, shifted by
``scale`` x the budget of the table "Error budgets" in docs/oracle.md (written out again in
``meta.documented``, independently of ``tolerances``).  Just inside the budget it must pass,
just outside it must fail, and so must one off by 2x; so a budget made wider or narrower by
more than ``EDGE`` (a changed constant, summation factor or unit roundoff) breaks a test.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sparsity_oracle import reference
from sparsity_oracle.oracle import Case, check
from meta.documented import DTYPES, documented_budget

#: how close to the budget the shifted results lie (relative)
EDGE = 2.0**-6


def _w(values):
    return np.asarray(values, dtype=np.float64)


#: (function, label, kwargs): constant vectors (exact value 0: the shift is exact, so the edge is
#: sharp), single entries (n = 1), one-hot vectors (the value's own rounding u_out |value|),
#: p = 0.1 (1/p amplifies) and q -> p (ill-conditioned bound).
CASES = [
    ("pq_index", "constant, d = 100", {"w": _w([1.5] * 100), "p": 0.1, "q": 2.0}),
    ("pq_index", "constant, d = 3", {"w": _w([2.0, -2.0, 2.0]), "p": 1.0, "q": 2.0}),
    ("pq_index", "single entry", {"w": _w([-4.0]), "p": 0.5, "q": 1.0}),
    ("pq_index", "one-hot", {"w": _w([0, 0, 3, 0, 0]), "p": 0.5, "q": 1.0}),
    ("gini", "constant, N = 100", {"w": _w([0.75] * 100)}),
    ("gini", "constant, N = 2", {"w": _w([0.75, -0.75])}),
    ("gini", "single entry", {"w": _w([3.0])}),
    ("gini", "one-hot", {"w": _w([0, 0, 0, 0, 0, 0, 0, 1.0])}),
    ("pqi_bound", "constant, d = 100", {"w": _w([1.5] * 100), "p": 0.5, "q": 1.0, "eta_r": 0.0}),
    ("pqi_bound", "q -> p", {"w": _w([1.0, 2.0, 3.0]), "p": 0.5, "q": 0.51, "eta_r": 0.5}),
    ("pqi_bound", "single entry", {"w": _w([2.0]), "p": 1.0, "q": 2.0, "eta_r": 0.0}),
    ("radius", "D = 40", {"magnitudes": _w(np.arange(1, 41) / 8), "spectrum": _w(np.arange(-20, 20) / 4), "eps": 0.05}),
    ("radius", "D = 3", {"magnitudes": _w([1.0, 2.0, 0.5]), "spectrum": _w([1.0, 0.25, 2.0]), "eps": 0.125}),
]


def _reference_value(function: str, kwargs: dict) -> float:
    """What the oracle compares with: the reference's value of exactly these inputs, as a double."""
    if function == "radius":
        return float(reference.pruning_limit(**kwargs).radius)
    return float(getattr(reference, function)(**kwargs, dps=30))


class ShiftedImpl:
    """Returns the reference value plus ``scale`` x the documented budget (``pruning_limit``: the
    exact k* with the radius shifted)."""

    def __init__(self, dtype: str, scale: float):
        self.DTYPE, self.scale = dtype, scale

    def _shifted(self, function, kwargs):
        kwargs = {k: np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        value = _reference_value(function, kwargs)
        return value + self.scale * documented_budget(function, self.DTYPE, kwargs, value)

    def pq_index(self, w, p, q):
        return self._shifted("pq_index", {"w": w, "p": p, "q": q})

    def gini(self, w):
        return self._shifted("gini", {"w": w})

    def pqi_bound(self, w, p, q, eta_r):
        return self._shifted("pqi_bound", {"w": w, "p": p, "q": q, "eta_r": eta_r})

    def pruning_limit(self, magnitudes, spectrum, eps):
        kwargs = {"magnitudes": np.asarray(magnitudes, np.float64), "spectrum": np.asarray(spectrum, np.float64), "eps": eps}
        kept = reference.pruning_limit(**kwargs).kept
        return SimpleNamespace(kept=kept, radius=self._shifted("radius", kwargs))


def _exact_in_every_dtype(kwargs) -> bool:
    """No dtype rounds the cases' arrays: 8 significant bits (bfloat16) in float16's normal range."""
    for a in (v for v in kwargs.values() if isinstance(v, np.ndarray)):
        mantissa, _ = np.frexp(a)
        top = np.abs(a).max()
        if not np.array_equal(np.round(np.ldexp(mantissa, 8)), np.ldexp(mantissa, 8)) or not top < 2.0**15:
            return False
        if np.any((a != 0) & (np.abs(a) < 2.0**-14)):
            return False
    return True


def _realised(function, kwargs, dtype, scale) -> float:
    """The error the oracle will measure, in units of the budget (the shifted double is rounded)."""
    value = _reference_value(function, kwargs)
    got = ShiftedImpl(dtype, scale)._shifted(function, kwargs)
    return abs(got - value) / documented_budget(function, dtype, kwargs, value)


def _edge(function, kwargs, dtype) -> float:
    """EDGE, or wider where the result's doubles are too coarse to resolve it (float64, |value|
    near 1: the budget is a few dozen ulps)."""
    value = _reference_value(function, kwargs)
    return max(EDGE, 4 * math.ulp(value) / documented_budget(function, dtype, kwargs, value))


#: (function, label, kwargs, dtype, edge) where the doubles resolve an edge of at most 1/4 (all
#: but float64 on the radius of D = 3: R is 1 and the budget 7 ulps)
EDGES = [(f, label, kw, dtype, edge) for f, label, kw in CASES for dtype in DTYPES
         if (edge := _edge(f, kw, dtype)) <= 0.25]


def test_every_function_and_dtype_is_pinned():
    pinned = {(f, dtype) for f, _, _, dtype, _ in EDGES}
    assert pinned == {(f, dtype) for f, _, _ in CASES for dtype in DTYPES}
    assert len(EDGES) >= len(CASES) * len(DTYPES) - 1


@pytest.mark.parametrize("function, label, kwargs, dtype, edge", EDGES,
                         ids=[f"{e[0]}-{e[1]}-{e[3]}" for e in EDGES])
def test_budget_is_the_documented_one(function, label, kwargs, dtype, edge):
    """Shifted by (1 - edge) budget: passes; by (1 + edge) and by 2 budgets: fails (both signs)."""
    assert _exact_in_every_dtype(kwargs)
    case = Case("pruning_limit" if function == "radius" else function, kwargs, label)
    for scale, passes in ((1 - edge, True), (1 + edge, False), (2.0, False), (0.5, True)):
        for sign in (1, -1):
            realised = _realised(function, kwargs, dtype, sign * scale)
            assert abs(realised - scale) <= edge / 4, f"the double cannot resolve the edge: {realised} vs {scale}"
            failure = check(ShiftedImpl(dtype, sign * scale), case)
            assert (failure is None) == passes, (
                f"{function} [{label}] {dtype}: off by {sign * scale} budget "
                f"{'rejected' if passes else 'accepted'}\n{failure}"
            )


def test_a_variant_is_matched_within_its_budget_edge_included():
    """As the contract's value (error <= budget): a result exactly one budget off matches."""
    from sparsity_oracle.oracle.checks import Variant

    sample = Variant("sample-gini", "convention", 0.75, 0.125)
    assert sample.matches(0.875) and sample.matches(0.625) and sample.matches(0.75)
    assert not sample.matches(math.nextafter(0.875, 1)) and not sample.matches(math.inf)
    undefined = Variant("sample-gini", "convention", math.nan, 0.125)
    assert undefined.matches(math.nan) and not undefined.matches(0.75)


def test_values_below_the_dtype_range_may_be_returned_as_zero():
    """float32 cannot hold r = 5 * 4.21**-201 = 1.6e-125: 0 is within the budget, 2 * tiny is not."""
    kwargs = {"w": _w([3.0] * 5), "p": 0.2, "q": 0.201, "eta_r": 3.21}
    r = float(reference.pqi_bound(**kwargs))
    assert 0 < r < 2.0**-149

    class Returns:
        DTYPE = "float32"

        def __init__(self, value):
            self.value = value

        def pqi_bound(self, w, p, q, eta_r):
            return self.value

    case = Case("pqi_bound", kwargs, "below float32's range")
    assert check(Returns(0.0), case) is None
    assert check(Returns(2.0**-148), case) is not None


def test_dtype_names_are_checked():
    from sparsity_oracle.oracle.tolerances import Precision

    with pytest.raises(ValueError, match=r"^DTYPE must be one of \('float64', 'float32', 'float16', 'bfloat16'\), "
                                         r"got DTYPE='int8'$"):
        Precision.of("int8")
    float32 = np.finfo(np.float32)
    assert Precision.of("bfloat16") == Precision("bfloat16", 2.0**-24, 2.0**-8, 2.0**-133,
                                                 float(float32.max), float(float32.smallest_normal))
    assert (Precision.of("float64").largest, Precision.of("float64").smallest_normal) == (np.finfo(np.float64).max, 2.0**-1022)
