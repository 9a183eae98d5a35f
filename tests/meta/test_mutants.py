"""Mutation tests of the oracle: each deliberately broken implementation must be rejected.

A test here FAILS if the oracle passes its mutant.  ``NumpyImpl`` itself (float64 and float32)
must pass, so that the rejections are not the oracle being over-strict.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sparsity_oracle.oracle.runner import run_checks
from meta.numpy_impl import NumpyImpl


class NumpyImpl32(NumpyImpl):
    DTYPE = "float32"
    work = np.float32


class NaivePowersFloat32(NumpyImpl32):
    """PQI through ||w||_p = (sum |w|^p)^(1/p) in float32: overflows at p = 0.1 (or q = 2) with
    large magnitudes, and the inf/inf = nan is silently turned into 0."""

    def pq_index(self, w, p, q):
        c = self._magnitudes(w)
        with np.errstate(all="ignore"):
            ratio = np.sum(c**p) ** (1 / p) / np.sum(c**q) ** (1 / q)
            value = 1 - np.float32(len(c)) ** (1 / q - 1 / p) * ratio
        return float(np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0))


class MaskedEntriesCounted(NumpyImpl):
    """SAP whose group size d counts the masked entries (PQI of ``w * mask`` over the tensor)."""

    def _group_size(self, values, entries):
        return entries


class GiniZeroBased(NumpyImpl):
    """Gini with 0-based ranks: weights N - i + 1/2 for i = 0..N-1."""

    def _gini_weights(self, n):
        return n - np.arange(n, dtype=self.work) + 0.5


class GiniUnbiased(NumpyImpl):
    """Gini rescaled by N/(N-1) (the 'unbiased' sample Gini)."""

    def gini(self, w):
        n = len(w)
        return super().gini(w) * n / (n - 1)


class SapCeil(NumpyImpl):
    _round_count = staticmethod(math.ceil)


class SapFloat32(NumpyImpl):
    """Declares float64 but computes in float32: wrong counts near integers."""

    work = np.float32


class TiesHighestIndex(NumpyImpl):
    """Among equal magnitudes prunes the highest group index first."""

    def _smallest(self, mags, c):
        return len(mags) - 1 - np.argsort(mags[::-1], kind="stable")[:c]


class FixedFloor(NumpyImpl):
    def _fixed_count(self, amount, d):
        return math.floor(amount * d)


def failures(impl, function, generated=10):
    return run_checks(impl, functions=(function,), generated=generated).failures


@pytest.mark.parametrize("impl", [NumpyImpl(), NumpyImpl32()], ids=["float64", "float32"])
def test_careful_numpy_implementation_passes(impl):
    report = run_checks(impl, generated=10)
    assert not report.failures, "\n\n".join(map(str, report.failures[:3]))


@pytest.mark.parametrize(
    "mutant, function",
    [
        (NaivePowersFloat32(), "pq_index"),
        (MaskedEntriesCounted(), "sap_masks"),
        (GiniZeroBased(), "gini"),
        (GiniUnbiased(), "gini"),
        (SapCeil(), "sap_prune_count"),
        (SapCeil(), "sap_masks"),
        (SapFloat32(), "sap_prune_count"),
        (TiesHighestIndex(), "sap_masks"),
        (TiesHighestIndex(), "fixed_ratio_masks"),
        (FixedFloor(), "fixed_ratio_masks"),
    ],
    ids=lambda x: x if isinstance(x, str) else type(x).__name__,
)
def test_mutant_is_rejected(mutant, function):
    found = failures(mutant, function)
    assert found, f"the oracle passed the mutant {type(mutant).__name__} on {function}"
    assert all(f.function == function and f.reproduction for f in found)
    compile(found[0].reproduction, "<reproduction>", "exec")  # valid Python (running it may raise: that is the failure)


def test_naive_powers_fail_on_large_magnitudes_at_p_0_1():
    found = failures(NaivePowersFloat32(), "pq_index", generated=0)
    assert any(f.params == {"p": 0.1, "q": 2.0} and f.returned == "0.0" for f in found)


def test_float32_sap_fails_on_the_near_integer_case():
    found = failures(SapFloat32(), "sap_prune_count", generated=0)
    assert any(f.label.startswith("near-integer count") for f in found)
