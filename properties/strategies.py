"""Hypothesis strategies for fuzzing sparsity measures (public, contract §4).

Every vector strategy yields a ``list[float]`` of non-negative float64 entries, length >= 2, not
all zero.  Floats are exact binary rationals, so a vector from here can be fed both to a float
implementation and (read exactly) to ``reference``.

Vector shapes (``vectors`` mixes them all; each is also public):

* ``small_integer_vectors``: entries 0..16 (first, so counterexamples shrink to readable ones);
* ``generic_entries``: hypothesis' own float draws on [0, 1e300] (edge-biased: 0, subnormals,
  powers of two, huge values);
* ``heavy_tail_vectors``: log-uniform magnitudes over 2**-1000 .. 2**1000 (about 1e-300 ..
  1e300) mixed with exact zeros;
* ``sparse_vectors``: mostly exact zeros, a few non-zero entries;
* ``near_constant_vectors``: one value perturbed by a few ulps (or exactly constant);
* ``dominant_vectors``: one dominant entry and a tail 2**-20 .. 2**-1000 times smaller;
* ``two_level_vectors``: a few free entries and a block of equal entries at another scale (the
  shape of the PQI's Robin Hood counterexamples: docs/errata.md, diao.theorem1.six_properties);
* ``grid_vectors``: integers below 2**24 times one common power of two (2**-1064 .. 2**960).
  Sums, differences and small dyadic multiples of such entries are again exact float64 values
  (no product underflows), which lets a float-only implementation be judged on exactly the
  transformed vector (see ``properties.predicates``).

Lengths: most draws have 2..8 entries; one draw in ten is long (9..max_size).

The oracle's differential cases are drawn from here too (``signed_vectors``, the SAP and
fixed-ratio parameters, ``mask_problems``, ``limit_problems``), through ``reproducible_examples``
(the same examples for a seed whatever else is imported): this module is the one home of the
project's hypothesis strategies.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import strategies as st

#: Mantissa bits of a ``grid_vectors`` entry: sums and 8-bit dyadic multiples stay below 2**53.
GRID_BITS = 24
#: Exponents of a ``grid_vectors`` entry.  The smallest leaves room for the dyadic factors the
#: float path applies (scales down to 2**-10, Robin Hood transfers t (c_i - c_j)/2 with
#: t = k/256, i.e. 2**-9), so no product falls below float64's smallest step 2**-1074.
GRID_EXPONENTS = (-1074 + 10, 960)
#: Default longest vector.
MAX_SIZE = 1000

__all__ = [
    "GRID_BITS",
    "GRID_EXPONENTS",
    "MAX_SIZE",
    "dominant_vectors",
    "generic_entries",
    "grid_vectors",
    "heavy_tail_vectors",
    "index_pairs",
    "indices",
    "log_uniform",
    "near_constant_vectors",
    "pq_pairs",
    "scales",
    "sizes",
    "small_integer_vectors",
    "sparse_vectors",
    "transfer_fractions",
    "two_level_vectors",
    "vectors",
    # differential cases of the oracle
    "MASK_SCOPES",
    "MASK_SHAPES",
    "amounts",
    "betas",
    "eta_rs",
    "gammas",
    "limit_problems",
    "mask_problems",
    "signed_vectors",
    "weight_entries",
    # exact inputs of the reference's tests
    "exact_limit_problems",
    "exact_reals",
    "quadratic_limit_problems",
    # SpODE / PSO steps
    "E_KINDS",
    "SPODE_MANTISSA_BITS",
    "dyadic_entries",
    "spode_steps",
    "tied_scores",
    # drawing examples outside a test
    "reproducible_examples",
]


def log_uniform(min_exp: int, max_exp: int) -> st.SearchStrategy[float]:
    """Positive floats m * 2**e, m in [0.5, 1), e uniform in [min_exp, max_exp] (may underflow to 0
    below 2**-1074)."""
    return st.builds(math.ldexp, st.floats(0.5, 1.0, exclude_max=True), st.integers(min_exp, max_exp))


@st.composite
def sizes(draw, min_size: int = 2, max_size: int = MAX_SIZE) -> int:
    """A vector length: usually short (min_size..8), one draw in ten long (up to max_size)."""
    short_max = max(min_size, min(8, max_size))
    if max_size > short_max and draw(st.integers(0, 9)) == 0:
        return draw(st.integers(short_max + 1, max_size))
    return draw(st.integers(min_size, short_max))


def _lists(entries, min_size, max_size):
    return sizes(min_size, max_size).flatmap(lambda n: st.lists(entries, min_size=n, max_size=n))


def generic_entries(min_size: int = 2, max_size: int = MAX_SIZE) -> st.SearchStrategy[list[float]]:
    """Hypothesis' default float draws on [0, 1e300], subnormals included."""
    return _lists(st.floats(0.0, 1e300), min_size, max_size)


def small_integer_vectors(min_size: int = 2, max_size: int = MAX_SIZE) -> st.SearchStrategy[list[float]]:
    """Entries in 0..16 (as floats): readable shrink targets."""
    return _lists(st.integers(0, 16).map(float), min_size, max_size)


def heavy_tail_vectors(min_size: int = 2, max_size: int = MAX_SIZE) -> st.SearchStrategy[list[float]]:
    """Log-uniform magnitudes over about 1e-300 .. 1e300, with exact zeros mixed in."""
    return _lists(st.one_of(st.just(0.0), log_uniform(-1000, 1000)), min_size, max_size)


@st.composite
def sparse_vectors(draw, min_size: int = 2, max_size: int = MAX_SIZE) -> list[float]:
    """Mostly exact zeros: 1..3 non-zero entries (log-uniform over 2**-60..2**60) at random places."""
    n = draw(sizes(min_size, max_size))
    places = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=min(3, n)))
    out = [0.0] * n
    for k in sorted(places):
        out[k] = draw(log_uniform(-60, 60))
    return out


@st.composite
def near_constant_vectors(draw, min_size: int = 2, max_size: int = MAX_SIZE) -> list[float]:
    """A base value b (2**-60..2**60) with entries b * (1 + k 2**-50), k in -4..4 (k = 0: exact b)."""
    n = draw(sizes(min_size, max_size))
    base = draw(log_uniform(-60, 60))
    steps = draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n))
    return [base * (1 + k * 2.0**-50) for k in steps]


@st.composite
def dominant_vectors(draw, min_size: int = 2, max_size: int = MAX_SIZE) -> list[float]:
    """One dominant entry D (2**0..2**60) at a random index and a tail D 2**-r, r in 20..1000."""
    n = draw(sizes(min_size, max_size))
    top = draw(log_uniform(1, 60))
    tail = [math.ldexp(top * draw(st.floats(0.5, 1.0)), -draw(st.integers(20, 1000))) for _ in range(n - 1)]
    at = draw(st.integers(0, n - 1))
    return tail[:at] + [top] + tail[at:]


#: two_level_vectors: block level = (largest free entry) * 2**j for j drawn from these (mostly
#: below the free entries, where Robin Hood fails for q < 1; above for p > 1).
TWO_LEVEL_EXPONENTS = (-7, 3, -10, -4, 2, -12, -6, 4, -5, 1, -9, -3, -8, -11)


@st.composite
def two_level_vectors(draw, min_size: int = 2, max_size: int = MAX_SIZE) -> list[float]:
    """2..3 free entries in 1..16, then a block of equal entries at a scale 2**-12..2**4 of the
    largest (one entry when max_size is 2).  The length is a power of two up to max_size:
    long blocks of small entries are what breaks Robin Hood for the PQI with q < 1."""
    n = min(max(2 ** draw(st.integers(2, max_size.bit_length())), min_size), max_size)
    free = draw(st.lists(st.integers(1, 16).map(float), min_size=min(2, n - 1), max_size=min(3, n - 1)))
    level = math.ldexp(max(free), draw(st.sampled_from(TWO_LEVEL_EXPONENTS)))
    return free + [level] * (n - len(free))


@st.composite
def grid_vectors(draw, min_size: int = 2, max_size: int = MAX_SIZE) -> list[float]:
    """Entries m_k 2**e, integers 0 <= m_k < 2**GRID_BITS, one common e in GRID_EXPONENTS
    (-1064..960).

    Zeros are frequent (m_k = 0 is a favoured draw).  Sums and differences of entries, and their
    products with dyadic factors k 2**j (k < 2**8, -10 <= j <= 10), are again exact float64
    values: at most 24 + 8 + 1 significant bits, no exponent below -1074 or above 1023.
    """
    n = draw(sizes(min_size, max_size))
    exponent = draw(st.integers(*GRID_EXPONENTS))
    mantissas = draw(
        st.lists(st.one_of(st.just(0), st.integers(1, 2**GRID_BITS - 1)), min_size=n, max_size=n)
    )
    return [math.ldexp(m, exponent) for m in mantissas]


def vectors(min_size: int = 2, max_size: int = MAX_SIZE, *, grid_only: bool = False) -> st.SearchStrategy[list[float]]:
    """Non-negative float64 vectors, not all zero, reaching the hard cases (module docstring).

    ``grid_only=True`` draws only small-integer and grid vectors (for float-only implementations, whose inputs
    must stay exact under the property's transformation).
    """
    if grid_only:
        shapes = st.one_of(small_integer_vectors(min_size, max_size), grid_vectors(min_size, max_size))
    else:
        shapes = st.one_of(
            small_integer_vectors(min_size, max_size),
            grid_vectors(min_size, max_size),
            generic_entries(min_size, max_size),
            heavy_tail_vectors(min_size, max_size),
            sparse_vectors(min_size, max_size),
            near_constant_vectors(min_size, max_size),
            dominant_vectors(min_size, max_size),
            two_level_vectors(min_size, max_size),
        )
    return shapes.filter(any)


def indices(n: int) -> st.SearchStrategy[int]:
    """An index into a vector of length n."""
    return st.integers(0, n - 1)


def index_pairs(n: int) -> st.SearchStrategy[tuple[int, int]]:
    """(i, j) for a transfer between entries i and j; (0, 1), the first two (free) entries of a
    ``two_level_vectors`` draw, one time in two."""
    return st.one_of(st.just((0, 1)), st.tuples(indices(n), indices(n)))


def dyadic_fractions() -> st.SearchStrategy[Fraction]:
    """k / 256 for k in 1..255: a transfer fraction that keeps grid arithmetic exact."""
    return st.integers(1, 255).map(lambda k: Fraction(k, 256))


def transfer_fractions(*, dyadic_only: bool = False) -> st.SearchStrategy[Fraction]:
    """t in the open interval (0, 1), exact: the Robin Hood transfer alpha = t (c_i - c_j) / 2.

    Reaches both ends (2**-1074 .. 1 - 2**-53) and non-dyadic rationals (1/3);
    ``dyadic_only`` restricts to k / 256.
    """
    if dyadic_only:
        return dyadic_fractions()
    return st.one_of(
        dyadic_fractions(),
        st.floats(0.0, 1.0, exclude_min=True, exclude_max=True).map(Fraction),
        st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)).map(
            lambda ab: Fraction(min(ab), max(ab) + 1)
        ),
    )


def scales(*, dyadic_only: bool = False) -> st.SearchStrategy[Fraction]:
    """Positive factors, exact: powers of two 2**-200..2**200, log-uniform floats over the same
    range, and small-integer ratios a/b (non-dyadic, e.g. 1/3).  ``dyadic_only`` gives
    k 2**j with k in 1..255 and j in -10..10, which keeps grid arithmetic exact."""
    if dyadic_only:
        return st.builds(lambda k, j: Fraction(k) * Fraction(2) ** j, st.integers(1, 255), st.integers(-10, 10))
    return st.one_of(
        st.integers(-200, 200).map(lambda j: Fraction(2) ** j),
        log_uniform(-200, 200).map(Fraction),
        st.tuples(st.integers(1, 1000), st.integers(1, 1000)).map(lambda ab: Fraction(*ab)),
    )


def pq_pairs() -> st.SearchStrategy[tuple[float, float]]:
    """(p, q) with 0 < p < q, p and q below, at and above 1 (1 itself is a favoured draw)."""
    landmarks = [0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
    p = st.one_of(st.sampled_from(landmarks), st.floats(0.01, 4.0))
    gap = st.one_of(st.sampled_from([1e-3, 0.5, 1.0, 2.0]), st.floats(1e-3, 4.0))
    return st.tuples(p, gap).map(lambda pg: (pg[0], pg[0] + pg[1])).filter(lambda pq: 0 < pq[0] < pq[1])


# --- differential cases of the oracle (``sparsity_oracle.oracle.cases``) ----------------------
# Drawn element by element (no seeded generator), so that hypothesis shrinks a failing case to a
# small one: entries towards 0 and ties, masks towards "all kept", sizes towards the smallest.


def signed_vectors(min_size: int = 2, max_size: int = MAX_SIZE) -> st.SearchStrategy[list[float]]:
    """``vectors`` with a sign drawn for each entry (shrinking towards all positive)."""

    @st.composite
    def signed(draw):
        magnitudes = draw(vectors(min_size, max_size))
        negative = draw(st.lists(st.booleans(), min_size=len(magnitudes), max_size=len(magnitudes)))
        return [-x if s else x for x, s in zip(magnitudes, negative)]

    return signed()


def eta_rs() -> st.SearchStrategy[float]:
    """SAP's eta_r >= 0 (0, the default, favoured)."""
    return st.one_of(st.just(0.0), st.floats(0.0, 4.0))


def gammas() -> st.SearchStrategy[float]:
    """SAP's gamma > 0 (1, the default, favoured)."""
    return st.one_of(st.just(1.0), st.floats(0.05, 4.0))


def betas() -> st.SearchStrategy[float]:
    """SAP's beta in (0, 1] (0.9, the default, favoured)."""
    return st.one_of(st.just(0.9), st.floats(0.01, 1.0))


def amounts() -> st.SearchStrategy[float]:
    """The fixed-ratio amount in [0, 1]."""
    return st.floats(0.0, 1.0)


#: Tensor shapes of a mask problem: a Linear-like matrix, a bias-like vector, a Conv-like tensor.
MASK_SHAPES = ((3, 4), (5,), (2, 3, 2))
#: The scopes of ``sap_masks`` / ``fixed_ratio_masks`` (contract §2).
MASK_SCOPES = ("global", "layer", "neuron")


def weight_entries() -> st.SearchStrategy[float]:
    """Signed weights: quarter integers in -2.5..2.5 (many ties, exact zeros) or any float in
    -4..4."""
    return st.one_of(st.integers(-10, 10).map(lambda k: k / 4), st.floats(-4.0, 4.0, allow_subnormal=False))


def mask_problems(scopes=MASK_SCOPES) -> st.SearchStrategy[dict]:
    """``{"weights": {name: array}, "masks": {name: bool array}, "scope": scope}``: two or three
    tensors of ``MASK_SHAPES`` with ties, and masks keeping most entries."""
    import numpy as np
    from hypothesis.extra import numpy as hnp

    kept = st.sampled_from((True, True, True, True, False))

    @st.composite
    def problem(draw):
        shapes = MASK_SHAPES[: draw(st.integers(2, len(MASK_SHAPES)))]
        weights = {f"t{i}": draw(hnp.arrays(np.float64, s, elements=weight_entries())) for i, s in enumerate(shapes)}
        masks = {k: draw(hnp.arrays(np.bool_, w.shape, elements=kept)) for k, w in weights.items()}
        return {"weights": weights, "masks": masks, "scope": draw(st.sampled_from(scopes))}

    return problem()


def limit_problems(max_size: int = 59) -> st.SearchStrategy[dict]:
    """``{"magnitudes", "spectrum", "eps"}`` of ``pruning_limit``: D in 1..max_size magnitudes on a
    0.01 grid (ties, zeros), D eigenvalues of either sign over four decades, eps in 1e-3..10."""
    import numpy as np
    from hypothesis.extra import numpy as hnp

    @st.composite
    def problem(draw):
        d = draw(st.integers(1, max_size))
        magnitudes = draw(hnp.arrays(np.float64, d, elements=st.integers(0, 400).map(lambda k: k / 100)))
        eigenvalue = st.one_of(st.just(0.0), st.floats(-100.0, 100.0, allow_subnormal=False))
        spectrum = draw(hnp.arrays(np.float64, d, elements=eigenvalue))
        return {"magnitudes": magnitudes, "spectrum": spectrum, "eps": draw(st.floats(1e-3, 10.0))}

    return problem()


# --- exact inputs of the reference's own tests -------------------------------------------------


def exact_reals(bound: int, *, max_denominator: int = 8) -> st.SearchStrategy:
    """Signed reals in [-bound, bound] of every kind the reference reads exactly: ints,
    ``Fraction``s (denominators up to ``max_denominator``) and floats."""
    return st.one_of(
        st.integers(-bound, bound),
        st.fractions(-bound, bound, max_denominator=max_denominator),
        st.floats(-bound, bound, allow_nan=False, allow_subnormal=False),
    )


@st.composite
def exact_limit_problems(draw, max_size: int = 8):
    """``(magnitudes, eigenvalues, eps)`` for ``pruning_limit`` in exact arithmetic: D in
    1..max_size signed reals in -6..6, D eigenvalues in 0..5 (ints or quarter fractions), eps in
    1/16..20."""
    d = draw(st.integers(1, max_size))
    magnitudes = draw(st.lists(exact_reals(6), min_size=d, max_size=d))
    eigenvalue = st.integers(0, 5) | st.fractions(0, 5, max_denominator=4)
    eigenvalues = draw(st.lists(eigenvalue, min_size=d, max_size=d))
    eps = draw(st.one_of(st.fractions(Fraction(1, 16), 20, max_denominator=16), st.floats(0.01, 20)))
    return magnitudes, eigenvalues, eps


@st.composite
def quadratic_limit_problems(draw, max_size: int = 4):
    """``(weights, hessian, eps)`` for ``quadratic_limit``: D in 1..max_size integer weights, a
    positive semi-definite integer H = BᵀB of any rank, eps in 1/8..12."""
    d = draw(st.integers(1, max_size))
    rank = draw(st.integers(1, d))
    b = draw(st.lists(st.lists(st.integers(-2, 2), min_size=d, max_size=d), min_size=rank, max_size=rank))
    hessian = [[sum(b[k][i] * b[k][j] for k in range(rank)) for j in range(d)] for i in range(d)]
    weights = draw(st.lists(st.integers(-3, 3), min_size=d, max_size=d))
    return weights, hessian, draw(st.fractions(Fraction(1, 8), 12, max_denominator=8))


# --- SpODE / PSO: one ODE step on small vectors (tests/gpu_impl/test_gpu_spode.py) ----------------
# Entries are k * 2**j with |k| < 2**bits: exactly representable in a dtype of ``bits`` mantissa
# bits (float16: 11, bfloat16: 8, float32: 24; 26 for float64, so that products m_i theta_i are
# exact float64 values and masks rank exactly what the reference ranks).  Small integers are
# mixed in so that products tie.

#: Mantissa bits of the entries drawn for each dtype.
SPODE_MANTISSA_BITS = {"float64": 26, "float32": 24, "float16": 11, "bfloat16": 8}


def dyadic_entries(bits: int, min_exp: int = -8, max_exp: int = 2) -> st.SearchStrategy[float]:
    """Signed k * 2**j, |k| < 2**bits, j in [min_exp - bits, max_exp], or a small integer (ties)."""
    scaled = st.builds(lambda k, j: math.ldexp(k, j - bits), st.integers(-(2**bits) + 1, 2**bits - 1),
                       st.integers(min_exp, max_exp))
    return st.one_of(st.integers(-3, 3).map(float), scaled)


#: How e relates to g in a drawn step: independent, an exact multiple (the collinear branch),
#: zero, or a multiple plus a perturbation 2**-20..2**-40 smaller (near-collinear: cancellation).
E_KINDS = ("independent", "collinear", "zero", "near-collinear")


@st.composite
def spode_steps(draw, bits: int = 24, max_size: int = 8) -> dict:
    """One PSO step's inputs: ``m``, ``theta``, ``g`` (not all zero), ``e`` (of a kind in
    ``E_KINDS``, named ``kind``), ``dt`` in (0, 1/4], relative ``radius`` in [1, 3] (1 included:
    no tilt), ``level`` in [0, 1] (a multiple of 1/64) and ``momentum`` in {0, 1/2, 9/10}."""
    d = draw(st.integers(1, max_size))
    entries = dyadic_entries(bits)
    vector = st.lists(entries, min_size=d, max_size=d)
    m, theta, g = draw(vector), draw(vector), draw(vector)
    if not any(g):
        g[draw(st.integers(0, d - 1))] = 1.0
    kind = draw(st.sampled_from(E_KINDS))
    if kind == "independent":
        e = draw(vector)
    elif kind == "zero":
        e = [0.0] * d
    else:
        factor = math.ldexp(draw(st.sampled_from([-1, 1])), draw(st.integers(-3, 3)))
        e = [factor * v for v in g]
        if kind == "near-collinear":
            j = draw(st.integers(20, 40))
            e = [v + math.ldexp(w, -j) for v, w in zip(e, draw(vector))]
    return {
        "m": m, "theta": theta, "g": g, "e": e, "kind": kind,
        "dt": math.ldexp(draw(st.integers(1, 256)), -10),
        "radius": 1 + draw(st.integers(0, 32)) / 16,
        "level": draw(st.integers(0, 64)) / 64,
        "momentum": draw(st.sampled_from([0.0, 0.5, 0.9])),
    }


@st.composite
def tied_scores(draw, max_size: int = 12) -> list[float]:
    """Signed scores with many ties (values in -2..2 in quarters): the tie order decides masks."""
    d = draw(st.integers(1, max_size))
    return draw(st.lists(st.integers(-8, 8).map(lambda k: k / 4), min_size=d, max_size=d))


# --- drawing examples outside a test --------------------------------------------------------


#: Name of the hypothesis backend that ``reproducible_examples`` registers and uses.
REPRODUCIBLE_BACKEND = "sparsity-oracle-reproducible"


def _register_reproducible_backend() -> str:
    """Register (once) a backend that is hypothesis' own provider minus its pool of constants
    taken from the loaded modules' source, and return the backend's name.

    Recent hypothesis versions (6.155, for one) replace about one draw in twenty by a constant
    found in the source of any *local* module that happens to be imported (the user's
    implementation, the command line, a test file ...), so the same seed gives different
    examples depending on what else is loaded.  Without the pool, the examples depend only on
    the seed, the strategy and the hypothesis version.  A hypothesis without the pool (or
    without this internal provider class) gets its default backend; ``tests/oracle/
    test_cases.py`` checks reproducibility for the installed version.
    """
    try:
        from hypothesis.internal.conjecture.providers import AVAILABLE_PROVIDERS, HypothesisProvider
    except ImportError:  # pragma: no cover - older hypothesis: no module-constant pool
        return "hypothesis"
    if not hasattr(HypothesisProvider, "_maybe_draw_constant"):  # pragma: no cover - no pool
        return "hypothesis"

    class WithoutModuleConstants(HypothesisProvider):
        def _maybe_draw_constant(self, *args, **kwargs):
            return None

    AVAILABLE_PROVIDERS.setdefault(REPRODUCIBLE_BACKEND, WithoutModuleConstants)
    return REPRODUCIBLE_BACKEND


def reproducible_examples(strategy: st.SearchStrategy, n: int, seed: int = 0) -> list:
    """``n`` examples of ``strategy``: the same list for the same (strategy, n, seed) whatever
    the entry point and whatever else is imported, and the first k of them are the examples
    for n = k.  Drawn with the generate phase only (no shrinking, no example database), so a
    call costs about n draws."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    drawn: list = []
    if n <= 0:
        return drawn

    @hypothesis_seed(seed)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), backend=_register_reproducible_backend())
    @given(strategy)
    def collect(example):
        drawn.append(example)

    collect()
    return drawn[:n]
