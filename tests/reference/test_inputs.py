"""contract §1: accepted vector types, and every invalid input raising with a named argument."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from sparsity_oracle import reference
from sparsity_oracle.reference._inputs import exact_real
from sparsity_oracle.reference._precision import endpoints

W = [0.5, -2, 3]
EQUIVALENT_INPUTS = [
    [0.5, -2.0, 3.0],
    [Fraction(1, 2), -2, 3],
    [mpmath.mpf(0.5), mpmath.mpf(-2), 3],
    np.array([0.5, -2, 3], dtype=np.float16),
    np.array([0.5, -2, 3], dtype=np.float32),
    np.array([0.5, -2, 3], dtype=np.longdouble),
    (np.float32(0.5), -2, 3.0),
    np.array([0.5, -2.0, 3.0], dtype=object),
]


@pytest.mark.parametrize("w", EQUIVALENT_INPUTS, ids=lambda w: type(w).__name__ + str(getattr(w, "dtype", "")))
def test_every_vector_type_is_read_exactly(w):
    assert reference.pq_index(w) == reference.pq_index(W)
    assert reference.gini(w) == reference.gini(W)


def test_integer_arrays_and_big_integers():
    assert reference.gini(np.array([1, 0, 0], dtype=np.int8)) == reference.gini([1.0, 0.0, 0.0])
    lo, hi = endpoints(reference.gini([2**80 + 1, 1], certified=True))
    exact = 1 - Fraction(2**80 + 1 + 3, 2 * (2**80 + 2))
    assert exact_real(lo, "lo") <= exact <= exact_real(hi, "hi")


def test_non_dyadic_fractions_are_exact():
    with mpmath.workdps(80):
        value = reference.pq_index([Fraction(1, 3), Fraction(2, 3)], 1, 2, dps=70)
        exact = 1 - mpmath.sqrt(2) ** -1 * 1 / mpmath.sqrt(mpmath.mpf(5) / 9)
        assert abs(value - exact) < mpmath.mpf(10) ** -68


FUNCTIONS = {
    "pq_index": reference.pq_index,
    "gini": reference.gini,
    "pqi_bound": reference.pqi_bound,
    "eta": lambda w: reference.eta(w, 1, 0.5),
}

BAD_VECTORS = [
    ([], ValueError, "non-empty"),
    (np.array([]), ValueError, "non-empty"),
    ([1.0, float("nan")], ValueError, r"w\[1\]"),
    (np.array([1.0, 2.0, np.inf]), ValueError, r"w\[2\]"),
    ([1.0, -float("inf")], ValueError, r"w\[1\]"),
    ([mpmath.mpf("nan"), 1], ValueError, r"w\[0\]"),
    ([1.0, 2j], TypeError, r"w\[1\]"),
    (np.array([1, 2j]), TypeError, "complex"),
    (["a", 1.0], TypeError, r"w\[0\]"),
    ([None], TypeError, r"w\[0\]"),
    ([True, False], TypeError, r"w\[0\]"),
    (np.array([True, False]), TypeError, "boolean"),
    (np.float64(3.0), ValueError, "1-D"),
    (np.array(3.0), ValueError, "shape"),
    (np.ones((2, 3)), ValueError, r"ravel"),
    ([[1, 2], [3, 4]], ValueError, r"w\[0\]"),
    ("abc", TypeError, "sequence"),
    ([0, 0.0, -0.0], ValueError, "all-zero"),
]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("w,error,message", BAD_VECTORS, ids=lambda v: None if isinstance(v, str) else " ".join(repr(v).split())[:30])
def test_bad_vectors_raise_naming_the_argument(name, w, error, message):
    with pytest.raises(error, match=message):
        FUNCTIONS[name](w)


@pytest.mark.parametrize("w, message", [
    (np.array([1.0, np.nan]), "w[1] is nan: entries must be finite"),
    (np.array([1.0, -np.inf], dtype=np.float32), "w[1] is -inf: entries must be finite"),
    (np.array([1.0, 2j]), "(w[1] = 2j)"),
])
def test_bad_array_entries_are_shown_as_python_numbers(w, message):
    """Issue 12 item 7: ``nan``, not ``np.float64(nan)``."""
    with pytest.raises((ValueError, TypeError)) as error:
        reference.pq_index(w)
    assert message in str(error.value) and "np." not in str(error.value)


BAD_PARAMETERS = [
    (lambda: reference.pq_index(W, 0, 1), "p"),
    (lambda: reference.pq_index(W, -0.5, 1), "p"),
    (lambda: reference.pq_index(W, 1, 1), "q"),
    (lambda: reference.pq_index(W, 2, 1), "q"),
    (lambda: reference.pq_index(W, float("nan"), 1), "p"),
    (lambda: reference.pq_index(W, 0.5, float("inf")), "q"),
    (lambda: reference.pqi_bound(W, 0.5, 1, -0.1), "eta_r"),
    (lambda: reference.pq_index(W, dps=0), "dps"),
    (lambda: reference.eta(W, 0, 0.5), "r"),
    (lambda: reference.eta(W, 4, 0.5), "r"),
    (lambda: reference.eta(W, 1, 0), "p"),
]


@pytest.mark.parametrize("call,argument", BAD_PARAMETERS)
def test_bad_parameters_raise_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=rf"\b{argument}\b"):
        call()


def test_complex_parameter_is_a_type_error():
    with pytest.raises(TypeError, match=r"\bp\b"):
        reference.pq_index(W, 0.5j, 1)


class _ForeignArray:
    """An array of another library (as torch, jax, cupy): iterable, its items 0-d arrays, with
    ``numpy()`` and ``__array__``."""

    def __init__(self, values):
        self.values = [_ForeignScalar(v) for v in values]

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return iter(self.values)

    def numpy(self):
        return np.array([v.value for v in self.values])

    def __array__(self, dtype=None, copy=None):
        return self.numpy()


class _ForeignScalar:
    def __init__(self, value):
        self.value = value


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_arrays_of_other_libraries_get_a_conversion_hint(name):
    with pytest.raises(TypeError, match=r"w is a \S+_ForeignArray: pass a numpy array, e\.g\. w\.detach\(\)\.cpu\(\)\.numpy\(\)"):
        FUNCTIONS[name](_ForeignArray([1.0, 2.0, 0.0]))


def test_a_torch_tensor_gets_the_conversion_hint():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"w is a torch\.Tensor: .*\.numpy\(\)"):
        reference.pq_index(torch.tensor([1.0, 2.0, 0.0]), 0.5, 1)
