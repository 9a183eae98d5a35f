r"""SAP (Algorithm 1 of Diao et al., ICLR 2023) and the fixed-ratio baselines (contract §2).

Prune counts are exact integers.  The SAP count of a group with d unmasked entries is

    c = floor(d min(gamma (1 - r/d), beta)) = min(floor(gamma (d - r)), floor(d beta)),

r = pqi_bound(w, p, q, eta_r) (floor is monotone, so the two forms agree).  ``floor(d beta)``
is exact rational arithmetic.  ``floor(gamma (d - r))`` is the largest integer n with
``r <= d - n/gamma``, and each such comparison of r with a rational t is decided exactly:

* by structure: 0 < r <= k (k = the number of non-zero entries; power-mean inequality);
* when all non-zero magnitudes are equal and eta_r = 0: r = k exactly;
* when p and q are integers: r^(q-p) (1 + eta_r)^q = S_p^q / S_q^p with S_t = sum |w_i|^t is
  rational, so ``r <= t`` is decided with Fractions, as long as these integers stay small
  (``EXACT_POWER_BITS``: about a second of integer arithmetic; their size grows like d q, and
  q = 10^300 would never finish); beyond, as for other exponents:
* otherwise with ``_precision.sign`` on a rigorous interval enclosure of t - r.  ``sign``
  declares t = r when the enclosure still contains 0 at ``EQUALITY_BITS`` (8192) bits, i.e.
  when d (...) agrees with an integer to about 2466 digits; the count then takes d (...) as
  that integer.

All parameters are read exactly (contract §1).  Note what that means for decimal literals:
``beta=0.9`` is the double 0.90000000000000002220..., slightly above 9/10, so
floor(10 beta) = 9; but ``beta=0.7`` is 0.69999999999999995559..., so floor(10 beta) = 6.
Pass ``Fraction(7, 10)`` for seven tenths exactly.  The same holds for gamma and for the
fixed-ratio ``amount`` (``amount=0.3`` on 5 entries: 0.3 * 5 is just below 1.5, so 1 entry is
pruned, where float arithmetic, as in torch.nn.utils.prune, rounds 1.5 to 2).

Groups and ties (contract §1, §2): a group's order is the C-order flattening of each tensor,
tensors in the order of the ``weights`` mapping; pruning c entries removes the c smallest
magnitudes among the group's unmasked entries, and among equal magnitudes those that come
first in group order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Callable

import numpy as np

from . import _inputs
from ._precision import endpoints, interval, precision, refine, sign
from .pqi import _bound_enclosure

#: The pruning scopes of ``sap_masks`` and ``fixed_ratio_masks``.
SCOPES = ("global", "layer", "neuron")


@dataclass(frozen=True)
class SapParameters:
    """SAP's parameters, validated (contract §1) and read exactly."""

    p: Fraction
    q: Fraction
    eta_r: Fraction
    gamma: Fraction
    beta: Fraction


def sap_parameters(p, q, eta_r, gamma, beta) -> SapParameters:
    """The validated, exact parameters: ValueError for p <= 0, q <= p, eta_r < 0, gamma <= 0,
    beta outside (0, 1]; TypeError for a non-real one."""
    p, q = _inputs.p_and_q(p, q)
    return SapParameters(
        p,
        q,
        _inputs.non_negative(eta_r, "eta_r"),
        _inputs.positive(gamma, "gamma"),
        _inputs.in_unit_interval(beta, "beta", open_low=True),
    )


#: Integer p and q are decided with exact integers while (d + p) q b <= this many bits, b the
#: bit length of the largest magnitude or of the denominator over their common denominator
#: (measured: d = 288, q = 1000, b = 63: 0.15 s; d = 288, q = 10^4: 5.7 s).
EXACT_POWER_BITS = 2**25


def _exact_power_sums(values: list[Fraction], p: int, q: int) -> tuple[Fraction, Fraction] | None:
    """(sum_i v_i^p, sum_i v_i^q) exactly (one common denominator), or None when those
    integers would exceed ``EXACT_POWER_BITS``."""
    common = math.lcm(*(v.denominator for v in values))
    scaled = [v.numerator * (common // v.denominator) for v in values]
    bits = max(max(scaled).bit_length(), common.bit_length())
    if (len(values) + p) * q * bits > EXACT_POWER_BITS:
        return None
    return Fraction(sum(v**p for v in scaled), common**p), Fraction(sum(v**q for v in scaled), common**q)


class _RetainedBound:
    """The PQI-bound r of one non-zero group, compared exactly with rationals (module doc)."""

    def __init__(self, m: _inputs.Magnitudes, params: SapParameters):
        if m.array is not None:
            nonzero = m.array[m.array != 0]
            self.count = len(nonzero)
            equal = bool(np.all(nonzero == nonzero[0]))
        else:
            nonzero = [v for v in m.fractions if v]
            self.count = len(nonzero)
            equal = all(v == nonzero[0] for v in nonzero)
        self.params = params
        self.exact = Fraction(self.count) if equal and params.eta_r == 0 else None
        self.power_sums = None
        if self.exact is None and params.p.denominator == 1 and params.q.denominator == 1:
            self.power_sums = _exact_power_sums(m.exact(), int(params.p), int(params.q))
        self.enclosure = lru_cache(maxsize=None)(
            _bound_enclosure(m, params.p, params.q, params.eta_r)
        )

    def estimate(self) -> Fraction:
        """r itself when known exactly, otherwise the midpoint of a 64-bit enclosure."""
        if self.exact is not None:
            return self.exact
        with precision(64):
            lo, hi = endpoints(self.enclosure(64))
            return _inputs.exact_real((lo + hi) / 2, "r")

    def at_most(self, t: Fraction) -> bool:
        """Exactly whether r <= t."""
        if t <= 0:
            return False
        if t >= self.count:
            return True
        if self.exact is not None:
            return self.exact <= t
        if self.power_sums is not None:
            s_p, s_q = self.power_sums
            p, q, eta_r = int(self.params.p), int(self.params.q), self.params.eta_r
            return s_p**q <= t ** (q - p) * (1 + eta_r) ** q * s_q**p
        return sign(lambda bits: interval(t) - self.enclosure(bits)) >= 0


def _prune_count(m: _inputs.Magnitudes, params: SapParameters) -> int:
    """c = min(floor(gamma (d - r)), floor(d beta)) for validated magnitudes (0 if all zero)."""
    if m.all_zero():
        return 0
    d = len(m)
    cap = math.floor(d * params.beta)
    r = _RetainedBound(m, params)

    def reaches(n: int) -> bool:  # gamma (d - r) >= n
        return r.at_most(d - Fraction(n) / params.gamma)

    if reaches(cap):
        return cap
    n = min(max(math.floor(params.gamma * (d - r.estimate())), 0), cap - 1)
    while not reaches(n):
        n -= 1
    while reaches(n + 1):
        n += 1
    return n


def sap_prune_count(w, p=0.5, q=1.0, *, eta_r=0, gamma=1, beta=0.9) -> int:
    r"""SAP's prune count for one group (Algorithm 1), an exact integer:

        c = floor(d min(gamma (1 - r/d), beta)),
        r = d (1 + eta_r)^{-q/(q-p)} (1 - I_{p,q}(w))^{qp/(q-p)}   (``pqi_bound``),

    ``w`` = the group's unmasked weights, d = len(w) (zeros count).  The floor is exact even
    when d (...) is an integer or lies within rounding distance of one (module docstring:
    structural cases are exact, the rest is decided by interval enclosures up to 8192 bits).
    An all-zero ``w`` prunes nothing: returns 0 (PQI is undefined there; contract §2 says such a
    group prunes nothing).  0 <= c <= floor(d beta).  Parameters are read exactly
    (``beta=0.9`` is the double just above 9/10).  ValueError for q <= p, p <= 0,
    eta_r < 0, gamma <= 0, beta outside (0, 1], or an invalid ``w`` (contract §1).
    """
    m = _inputs.magnitudes(w)
    return _prune_count(m, sap_parameters(p, q, eta_r, gamma, beta))


def sap_count_and_bound(w, p=0.5, q=1.0, *, eta_r=0, gamma=1, beta=0.9, dps=50):
    """``(sap_prune_count(w, ...), pqi_bound(w, ..., dps=dps))`` from one exact reading of
    ``w``; the bound is ``None`` for an all-zero ``w`` (where the count is 0)."""
    m = _inputs.magnitudes(w)
    params = sap_parameters(p, q, eta_r, gamma, beta)
    dps = _inputs.digits(dps)
    count = _prune_count(m, params)
    if m.all_zero():
        return count, None
    return count, refine(_bound_enclosure(m, params.p, params.q, params.eta_r), dps, False)


# --- masks ---------------------------------------------------------------------------------


def _tensors(weights, masks) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Validated (name, weights, mask) triples in the order of ``weights``."""
    for arg, value in (("weights", weights), ("masks", masks)):
        if not isinstance(value, Mapping):
            raise TypeError(f"{arg} must be a mapping name -> array, got {type(value).__name__}")
    if set(weights) != set(masks):
        missing = [k for k in weights if k not in masks]
        extra = [k for k in masks if k not in weights]
        raise ValueError(f"masks must have the keys of weights: missing {missing}, unexpected {extra}")
    out = []
    for name in weights:
        w = np.asarray(weights[name])
        mask = np.asarray(masks[name])
        if mask.dtype != np.bool_:
            raise TypeError(f"masks[{name!r}] must be a boolean array, got dtype {mask.dtype}")
        if mask.shape != w.shape:
            raise ValueError(
                f"masks[{name!r}] has shape {mask.shape} but weights[{name!r}] has shape {w.shape}"
            )
        if w.size:
            _inputs.magnitudes(w.reshape(-1), f"weights[{name!r}] (flattened)")
        out.append((name, w, mask))
    return out


def _groups(masks: list[np.ndarray], scope: str) -> Iterator[list[tuple[int, np.ndarray]]]:
    """Each pruning group, in group order, as (tensor position, flat indices of its unmasked
    entries in C order) segments."""
    if scope == "global":
        if masks:
            yield [(i, np.flatnonzero(mask)) for i, mask in enumerate(masks)]
        return
    for i, mask in enumerate(masks):
        if scope == "layer" or mask.ndim <= 1:
            yield [(i, np.flatnonzero(mask))]
            continue
        rows = mask.reshape(mask.shape[0], -1)
        for j, row in enumerate(rows):
            yield [(i, j * rows.shape[1] + np.flatnonzero(row))]


def smallest_positions(values, c: int) -> np.ndarray:
    """Positions (ascending) of the ``c`` smallest magnitudes |values_i| of a vector, read
    exactly; among equal magnitudes the earlier position comes first (contract §1 tie order)."""
    return np.sort(_smallest(_inputs.magnitudes(values, "values"), c))


def _smallest(m: _inputs.Magnitudes, c: int) -> np.ndarray:
    """Positions of the c smallest magnitudes, ties first in order (a stable sort)."""
    if m.array is not None:
        return np.argsort(m.array, kind="stable")[:c]
    return np.asarray(sorted(range(len(m)), key=m.fractions.__getitem__)[:c], dtype=np.intp)


def pruning_groups(weights: list[np.ndarray], masks: list[np.ndarray], scope: str):
    """Yield each non-empty pruning group of ``scope`` (contract §2) as ``(segments, values)``.

    ``weights`` and ``masks`` are lists of arrays of equal shapes (masks boolean, True = kept);
    ``segments`` lists ``(tensor position, flat C-order indices of the group's unmasked entries
    in that tensor)`` and ``values`` is the group's unmasked weights concatenated in group order
    (tensors in list order, C order within).  ValueError for an unknown ``scope``.
    """
    if not isinstance(scope, str) or scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got scope={scope!r}")
    flat_weights = [w.reshape(-1) for w in weights]
    for segments in _groups(masks, scope):
        values = _concatenated_exactly([flat_weights[i][idx] for i, idx in segments])
        if values.size:
            yield segments, values


def _concatenated_exactly(parts: list[np.ndarray]) -> np.ndarray:
    """The parts end to end, in their common dtype where that holds every value exactly, else
    as Python numbers (an object array): int64 beyond 2**53 beside float64 would be rounded."""
    dtype = np.result_type(*parts)
    if all(part.dtype == dtype or np.array_equal(part.astype(dtype).astype(part.dtype), part) for part in parts):
        return np.concatenate(parts)
    return np.concatenate([part.astype(object) for part in parts])


def _prune(weights, masks, scope, count: Callable[[_inputs.Magnitudes], int]) -> dict:
    """New masks: in each group of ``scope``, prune ``count(magnitudes)`` smallest entries."""
    tensors = _tensors(weights, masks)
    new_masks = [mask.copy(order="C") for _, _, mask in tensors]
    grouped = pruning_groups([w for _, w, _ in tensors], [mask for _, _, mask in tensors], scope)
    for segments, values in grouped:
        m = _inputs.magnitudes(values, "group")
        chosen = _smallest(m, count(m))
        owner = np.concatenate([np.full(len(idx), i) for i, idx in segments])[chosen]
        flat = np.concatenate([idx for _, idx in segments])[chosen]
        for i in np.unique(owner):
            new_masks[i].reshape(-1)[flat[owner == i]] = False
    return {name: mask for (name, _, _), mask in zip(tensors, new_masks)}


def sap_masks(weights, masks, *, scope, p=0.5, q=1.0, eta_r=0, gamma=1, beta=0.9) -> dict:
    r"""One SAP pruning step: new masks after pruning, in every group of ``scope``,

        c_t = floor(d_t min(gamma (1 - r_t/d_t), beta))   (``sap_prune_count``)

    smallest-magnitude unmasked entries, d_t = the group's unmasked count, r_t its PQI-bound.

    ``weights``, ``masks``: mappings name -> array (same keys and shapes; masks boolean,
    True = kept).  ``scope``: ``"global"`` (one group of every unmasked entry), ``"layer"``
    (one group per tensor) or ``"neuron"`` (one group per index along axis 0; a 0-d or 1-D
    tensor is one group).  Ties: among equal magnitudes the entries first in group order (C
    order per tensor, tensors in the mapping's order) are pruned first.  A group with no
    unmasked entry, or whose unmasked entries are all zero, prunes nothing.  Returns new numpy
    bool arrays (keys in the order of ``weights``); already-pruned entries stay pruned.  Every
    weight entry, masked or not, must be finite.
    """
    params = sap_parameters(p, q, eta_r, gamma, beta)
    return _prune(weights, masks, scope, lambda m: _prune_count(m, params))


def fixed_ratio_masks(weights, masks, *, scope, amount=0.2) -> dict:
    r"""One fixed-ratio pruning step (One-shot, Lottery ticket): in every group of ``scope``
    prune the

        c_t = round(amount d_t)    (Python's round: half to even)

    smallest-magnitude unmasked entries, d_t = the group's unmasked count.  amount d_t is
    computed exactly (``amount=0.3`` is the double just below 3/10, so 0.3 * 5 rounds to 1).
    Groups, ties, arguments and the result are as in ``sap_masks``; an all-zero group is pruned
    like any other.  One-shot ranks by the dense weights w_0, Lottery ticket by w_t: the caller
    passes the weights to rank.  ValueError for amount outside [0, 1].
    """
    amount = _inputs.in_unit_interval(amount, "amount", open_low=False)
    return _prune(weights, masks, scope, lambda m: round(amount * len(m)))
