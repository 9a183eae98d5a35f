"""SAP prune counts (exact floors) and the SAP / fixed-ratio masks (contract §2)."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from sparsity_oracle.reference.sap import fixed_ratio_masks, sap_masks, sap_prune_count

BRUTE_DPS = 300


def _mpf(x):
    x = Fraction(x)
    return mpmath.mpf(x.numerator) / x.denominator


def _fraction(x):
    man, exp = x.man_exp
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def brute_bound(w, p, q, eta_r=0):
    """r = d (1 + eta_r)^(-q/(q-p)) (1 - I)^(qp/(q-p)) straight from the definitions."""
    c = [abs(_mpf(v)) for v in w]
    p, q, eta_r = _mpf(p), _mpf(q), _mpf(eta_r)
    d = len(c)
    norm_p = mpmath.fsum(x**p for x in c) ** (1 / p)
    norm_q = mpmath.fsum(x**q for x in c) ** (1 / q)
    pqi = 1 - mpmath.mpf(d) ** (1 / q - 1 / p) * norm_p / norm_q
    return d * (1 + eta_r) ** (-q / (q - p)) * (1 - pqi) ** (q * p / (q - p))


def brute_count(w, p=0.5, q=1.0, eta_r=0, gamma=1, beta=0.9):
    """floor(d min(gamma (1 - r/d), beta)) at 300 digits; a value within 1e-250 of an integer
    is taken as that integer (the inputs used here are then exact integer cases)."""
    with mpmath.workdps(BRUTE_DPS):
        d = len(w)
        r = brute_bound(w, p, q, eta_r)
        x = d * min(_mpf(gamma) * (1 - r / d), _mpf(beta))
        nearest = mpmath.nint(x)
        if abs(x - nearest) < mpmath.mpf(10) ** -250:
            return int(nearest)
        return int(mpmath.floor(x))


def gamma_hitting(w, n, offset, p=0.5, q=1.0, eta_r=0):
    """An exact gamma with gamma (d - r) = n (1 + offset) to ~290 digits."""
    with mpmath.workdps(BRUTE_DPS):
        r = brute_bound(w, p, q, eta_r)
        return _fraction(n * (1 + _mpf(offset)) / (len(w) - r))


def eta_hitting(w, retained, p, q):
    """An exact eta_r with pqi_bound(w, p, q, eta_r) = retained to ~290 digits."""
    with mpmath.workdps(BRUTE_DPS):
        r0 = brute_bound(w, p, q)
        exponent = (_mpf(q) - _mpf(p)) / _mpf(q)
        return _fraction((r0 / _mpf(retained)) ** exponent - 1)


TINY = Fraction(1, 10**40)


# --- exact floors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "w, kwargs, expected",
    [
        # equal non-zero magnitudes, eta_r = 0: r = k = 4, d = 6.
        ([0.5, -0.5, 0.5, 0.5, 0.0, 0.0], {}, 2),
        ([0.5, -0.5, 0.5, 0.5, 0.0, 0.0], {"gamma": Fraction(5, 2), "beta": 1}, 5),
        ([3, 3, 3, 3], {"beta": 1}, 0),
        ([2.0] * 7 + [0.0] * 3, {"p": Fraction(1, 3), "q": 3.5, "gamma": 3, "beta": 1}, 9),
        # integer p, q: r = S_1^2 / S_2 = 36/12 = 3, d = 6, gamma (d - r) = 3.
        ([3, 1, 1, 1, 0, 0], {"p": 1, "q": 2}, 3),
        # integer p, q with eta_r: r = 6 / (1 + 1)^2 = 3/2, d = 8, gamma (d - r) = 5.
        ([3, 1, 1, 1, 3, 1, 1, 1], {"p": 1, "q": 2, "eta_r": 1, "gamma": Fraction(10, 13), "beta": 1}, 5),
        # integer p, q = 3, 5: equal magnitudes padded with zeros.
        ([1.5, 1.5, 0.0], {"p": 3, "q": 5, "beta": 1}, 1),
        # p = 1/2 on perfect squares: r = (3 + 3)^2 / 12 = 3 exactly, no structural shortcut
        # (decided by sign's equality at 8192 bits).
        ([9, 1, 1, 1], {"beta": 1}, 1),
        # d beta integer: 8 * 3/4 = 6 binds.
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], {"gamma": 100, "beta": Fraction(3, 4)}, 6),
        # beta read exactly: the double 0.9 is just above 9/10, 0.7 just below 7/10.
        ([float(i + 1) for i in range(10)], {"gamma": 100, "beta": 0.9}, 9),
        ([float(i + 1) for i in range(10)], {"gamma": 100, "beta": 0.7}, 6),
        ([float(i + 1) for i in range(10)], {"gamma": 100, "beta": Fraction(7, 10)}, 7),
        ([float(i + 1) for i in range(10)], {"gamma": 100, "beta": 1}, 10),
    ],
)
def test_exact_integer_cases(w, kwargs, expected):
    assert sap_prune_count(w, **kwargs) == expected


def test_one_hot_prunes_up_to_the_cap():
    w = [0.0] * 9 + [-4.0]
    assert sap_prune_count(w) == 9  # r = 1, floor(10 * 0.9) = 9
    assert sap_prune_count(w, beta=1) == 9  # gamma (d - r) = 9


@pytest.mark.parametrize(
    "w, p, q, eta_r, n",
    [
        ([0.75, -1.5, 2.0, 0.125, 3.0, 0.0, 1.0], 0.5, 1.0, 0, 3),
        ([9, 1, 1, 1], 0.5, 1.0, 0, 1),
        ([0.5, 0.5, 0.5, 0.0], 0.5, 1.0, 0, 1),
        ([3, 1, 1, 1, 0, 0], 1, 2, 0, 3),
        ([1.25, 2.5, 0.3, 7.0, 0.01, 4.0], Fraction(1, 3), 2, Fraction(1, 4), 4),
    ],
)
@pytest.mark.parametrize("side", [1, -1])
def test_floor_within_1e_40_of_an_integer_via_gamma(w, p, q, eta_r, n, side):
    gamma = gamma_hitting(w, n, side * TINY, p, q, eta_r)
    expected = n if side > 0 else n - 1
    assert brute_count(w, p, q, eta_r, gamma, 1) == expected
    assert sap_prune_count(w, p, q, eta_r=eta_r, gamma=gamma, beta=1) == expected


@pytest.mark.parametrize(
    "w, p, q, retained",
    [
        ([0.75, -1.5, 2.0, 0.125, 3.0, 0.0, 1.0], 0.5, 1.0, 3),
        ([3, 1, 1, 1, 3, 1, 1, 1], 1, 2, 2),
        ([2.0, 2.0, 2.0, 2.0, 2.0], 0.5, 1.0, 2),
    ],
)
@pytest.mark.parametrize("side", [1, -1])
def test_floor_within_1e_40_of_an_integer_via_eta(w, p, q, retained, side):
    # r = retained -/+ 1e-40, so d - r lies just above (side=1) or below (side=-1) an integer.
    eta_r = eta_hitting(w, retained - side * TINY, p, q)
    d = len(w)
    expected = d - retained if side > 0 else d - retained - 1
    assert brute_count(w, p, q, eta_r, 1, 1) == expected
    assert sap_prune_count(w, p, q, eta_r=eta_r, gamma=1, beta=1) == expected


@pytest.mark.parametrize("side", [1, -1])
def test_beta_within_1e_40_of_an_integer_cap(side):
    w = [float(i + 1) for i in range(10)]
    beta = Fraction(7, 10) + side * TINY
    assert sap_prune_count(w, gamma=100, beta=beta) == (7 if side > 0 else 6)

def test_dominant_entry_and_tiny_tail_with_float_exponents():
    """r = 1 + O(1e-700): the floor needs ~2400 bits; found by hypothesis (oracle tests), where
    the high-precision series with p = 2.33... (a double: denominator 2^51) once took minutes."""
    w = np.array([1.0, 1e-300, 0.0, 0.0, 0.0])
    assert sap_prune_count(w, p=2.3300539352012746, q=4.546501410501034) == 3


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_on_random_inputs(seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 40))
    w = rng.standard_normal(d) * np.where(rng.random(d) < 0.2, 0.0, 1.0)
    w[:2] = [1.0, -2.5]
    p = float(rng.choice([0.25, 0.5, 1.0, 1.5]))
    q = p + float(rng.choice([0.5, 1.0, 2.0]))
    eta_r = float(rng.choice([0.0, 0.1, 1.0]))
    gamma = float(rng.choice([0.5, 1.0, 2.0]))
    beta = float(rng.choice([0.5, 0.9, 1.0]))
    got = sap_prune_count(w, p, q, eta_r=eta_r, gamma=gamma, beta=beta)
    assert got == brute_count(w, p, q, eta_r, gamma, beta)
    assert 0 <= got <= int(d * Fraction(beta))


def test_input_kinds_agree():
    w = [0.75, -1.5, 2.0, 0.125, 3.0, 0.0, 1.0]
    expected = sap_prune_count(w)
    assert sap_prune_count(np.asarray(w)) == expected
    assert sap_prune_count(np.asarray(w, dtype=np.float32)) == expected
    assert sap_prune_count([Fraction(v) for v in w]) == expected
    assert sap_prune_count([mpmath.mpf(v) for v in w]) == expected


def test_all_zero_group_prunes_nothing():
    assert sap_prune_count([0.0, 0.0, 0.0]) == 0
    assert sap_prune_count(np.zeros(5)) == 0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"w": []}, ValueError),
        ({"w": [1.0, float("nan")]}, ValueError),
        ({"w": [1.0, float("inf")]}, ValueError),
        ({"w": [1.0, 2j]}, TypeError),
        ({"w": ["a", 1.0]}, TypeError),
        ({"w": np.ones((2, 2))}, ValueError),
        ({"p": 0}, ValueError),
        ({"p": 1.0, "q": 1.0}, ValueError),
        ({"eta_r": -0.1}, ValueError),
        ({"gamma": 0}, ValueError),
        ({"gamma": -1}, ValueError),
        ({"beta": 0}, ValueError),
        ({"beta": 1.5}, ValueError),
    ],
)
def test_bad_inputs_raise(kwargs, error):
    args = {"w": [1.0, 2.0, 3.0], **kwargs}
    with pytest.raises(error):
        sap_prune_count(args.pop("w"), **args)


def test_error_message_names_the_argument():
    with pytest.raises(ValueError, match="beta"):
        sap_prune_count([1.0, 2.0], beta=1.5)
    with pytest.raises(ValueError, match="gamma"):
        sap_prune_count([1.0, 2.0], gamma=0)


# --- masks: hand-checked examples ------------------------------------------------------------


def _kept(masks):
    return {name: mask.tolist() for name, mask in masks.items()}


W_ROWS = {"fc": np.array([[1.0, -1.0, 2.0], [0.5, 1.0, -3.0]])}
ALL_KEPT = {"fc": np.ones((2, 3), dtype=bool)}


def test_fixed_ratio_layer_ties_first_in_order():
    # magnitudes 1, 1, 2, 0.5, 1, 3: prune 3 = 0.5 then the first two 1s.
    out = fixed_ratio_masks(W_ROWS, ALL_KEPT, scope="layer", amount=0.5)
    assert _kept(out) == {"fc": [[False, False, True], [False, True, True]]}


def test_fixed_ratio_neuron_rounds_half_to_even():
    # each row: round(1.5) = 2.
    out = fixed_ratio_masks(W_ROWS, ALL_KEPT, scope="neuron", amount=0.5)
    assert _kept(out) == {"fc": [[False, False, True], [False, False, True]]}


def test_fixed_ratio_counts_only_unmasked_entries():
    masks = {"fc": np.array([[True, False, True], [True, True, True]])}
    # d_t = 5, round(0.4 * 5) = 2: 0.5, then the first unmasked 1.
    out = fixed_ratio_masks(W_ROWS, masks, scope="layer", amount=0.4)
    assert _kept(out) == {"fc": [[False, False, True], [False, True, True]]}
    assert masks["fc"].tolist() == [[True, False, True], [True, True, True]]


@pytest.mark.parametrize(
    "d, amount, expected",
    [
        (5, Fraction(1, 2), 2),
        (3, Fraction(1, 2), 2),
        (1, Fraction(1, 2), 0),
        (7, Fraction(1, 2), 4),
        (5, 0.3, 1),  # 0.3 is the double just below 3/10: 1.4999... rounds to 1
        (5, Fraction(3, 10), 2),
        (10, 0.2, 2),
        (4, 0, 0),
        (4, 1, 4),
    ],
)
def test_fixed_ratio_count_rounding(d, amount, expected):
    weights = {"w": np.arange(1.0, d + 1.0).reshape(1, d)}
    masks = {"w": np.ones((1, d), dtype=bool)}
    out = fixed_ratio_masks(weights, masks, scope="layer", amount=amount)
    assert int((~out["w"]).sum()) == expected


def test_global_scope_ties_follow_mapping_order():
    weights = {"a": np.array([[2.0, 1.0]]), "b": np.array([[1.0, -1.0]])}
    masks = {name: np.ones((1, 2), dtype=bool) for name in weights}
    out = fixed_ratio_masks(weights, masks, scope="global", amount=0.5)
    assert _kept(out) == {"a": [[True, False]], "b": [[False, True]]}
    reordered = {"b": weights["b"], "a": weights["a"]}
    out = fixed_ratio_masks(reordered, masks, scope="global", amount=0.5)
    assert list(out) == ["b", "a"]
    assert _kept(out) == {"b": [[False, False]], "a": [[True, True]]}



def test_global_scope_compares_integers_beyond_2_53_with_floats_exactly():
    """2**53 + 1 (int64) is larger than 2.0**53 (float64), though both round to the same double:
    the global group holds both exactly, so the float is the smallest, and no tie decides."""
    weights = {"a": np.array([2**53 + 1], dtype=np.int64), "b": np.array([2.0**53, 1e300])}
    masks = {name: np.ones(w.shape, dtype=bool) for name, w in weights.items()}
    out = fixed_ratio_masks(weights, masks, scope="global", amount=1 / 3)
    assert _kept(out) == {"a": [True], "b": [False, True]}
    weights["b"][0] = 2.0**53 + 2
    out = fixed_ratio_masks(weights, masks, scope="global", amount=1 / 3)
    assert _kept(out) == {"a": [False], "b": [True, True]}

W_SAP = {"fc": np.array([[3.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]]), "bias": np.array([0.0, 5.0, 1.0])}
SAP_KEPT = {name: np.ones(w.shape, dtype=bool) for name, w in W_SAP.items()}


@pytest.mark.parametrize(
    "scope, fc_kept",
    [
        # p=1, q=2.  row 0: r = 36/12 = 3, d = 4 -> c = 1 (the first 1).  row 1: equal -> r = 4, c = 0.
        ("neuron", [[True, False, True, True], [True, True, True, True]]),
        # fc: S1 = 14, S2 = 28, r = 7, d = 8 -> c = 1.
        ("layer", [[True, False, True, True], [True, True, True, True]]),
        # S1 = 20, S2 = 54, r = 400/54, d = 11 -> floor(11 - 200/27) = 3: 0, then the first two 1s.
        ("global", [[True, False, False, True], [True, True, True, True]]),
    ],
)
def test_sap_scopes_hand_checked(scope, fc_kept):
    # bias (1-D, one group under neuron and layer scope): S1 = 6, S2 = 26, r = 36/26, d = 3
    # -> floor(3 - 18/13) = 1, its 0 goes; under global scope the 0 is the first pruned.
    out = sap_masks(W_SAP, SAP_KEPT, scope=scope, p=1, q=2, beta=1)
    assert _kept(out) == {"fc": fc_kept, "bias": [False, True, True]}


def test_sap_skips_empty_and_all_zero_groups_and_keeps_pruned_entries():
    weights = {"w": np.array([[0.0, 0.0, 0.0], [4.0, 1.0, 1.0], [7.0, 0.0, 9.0]])}
    masks = {"w": np.array([[True, True, True], [True, True, False], [False, False, False]])}
    # row 0 all zero, row 2 fully masked: nothing.  row 1: unmasked (4, 1) p=1,q=2:
    # r = 25/17, d = 2 -> floor(2 - 25/17) = 0 with gamma = 1; with gamma = 2: floor(18/17) = 1.
    out = sap_masks(weights, masks, scope="neuron", p=1, q=2, gamma=2, beta=1)
    assert _kept(out) == {"w": [[True, True, True], [True, False, False], [False, False, False]]}


def test_neuron_scope_on_conv_weights_groups_output_channels():
    w = np.array([[[1.0, 2.0], [3.0, 4.0]], [[-8.0, 7.0], [6.0, 5.0]]])
    masks = {"conv": np.ones(w.shape, dtype=bool)}
    out = fixed_ratio_masks({"conv": w}, masks, scope="neuron", amount=0.25)
    assert out["conv"].tolist() == [[[False, True], [True, True]], [[True, True], [True, False]]]


def test_results_are_new_bool_arrays():
    masks = {name: mask.copy() for name, mask in SAP_KEPT.items()}
    out = sap_masks(W_SAP, masks, scope="layer")
    for name in masks:
        assert out[name].dtype == np.bool_
        assert out[name] is not masks[name]
        assert masks[name].all()


def test_empty_mapping():
    assert sap_masks({}, {}, scope="global") == {}
    assert fixed_ratio_masks({}, {}, scope="neuron") == {}


# --- masks against an independent brute force ------------------------------------------------


def brute_masks(weights, masks, scope, count):
    """Groups by explicit index loops, selection by sorting (magnitude, position)."""
    entries = []  # (group key, position in group order, name, index)
    position = 0
    for name, w in weights.items():
        for index in np.ndindex(w.shape):
            if masks[name][index]:
                if scope == "global":
                    key = ()
                elif scope == "layer" or w.ndim <= 1:
                    key = (name,)
                else:
                    key = (name, index[0])
                entries.append((key, position, name, index))
            position += 1
    out = {name: mask.copy() for name, mask in masks.items()}
    for key in dict.fromkeys(e[0] for e in entries):
        group = [e for e in entries if e[0] == key]
        values = [float(weights[e[2]][e[3]]) for e in group]
        c = count(values)
        ranked = sorted(zip(group, values), key=lambda gv: (abs(gv[1]), gv[0][1]))
        for (_, _, name, index), _ in ranked[:c]:
            out[name][index] = False
    return out


def _random_state(seed):
    rng = np.random.default_rng(seed)
    shapes = {"conv": (3, 2, 2), "fc": (4, 5), "bias": (4,)}
    weights = {
        name: np.round(rng.standard_normal(shape), 1) * (rng.random(shape) < 0.85)
        for name, shape in shapes.items()
    }
    masks = {name: rng.random(shape) < 0.8 for name, shape in shapes.items()}
    return weights, masks


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("scope", ["global", "layer", "neuron"])
def test_sap_masks_match_brute_force(seed, scope):
    weights, masks = _random_state(seed)

    def count(values):
        return 0 if not any(values) else brute_count(values, 0.5, 1.0, 0, 1, 0.9)

    got = sap_masks(weights, masks, scope=scope)
    expected = brute_masks(weights, masks, scope, count)
    assert _kept(got) == _kept(expected)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("scope", ["global", "layer", "neuron"])
def test_fixed_ratio_masks_match_brute_force(seed, scope):
    weights, masks = _random_state(seed)
    got = fixed_ratio_masks(weights, masks, scope=scope, amount=0.3)
    expected = brute_masks(weights, masks, scope, lambda values: round(Fraction(0.3) * len(values)))
    assert _kept(got) == _kept(expected)


# --- masks: bad input ------------------------------------------------------------------------


def test_masks_bad_input():
    weights = {"w": np.ones((2, 2))}
    good = {"w": np.ones((2, 2), dtype=bool)}
    with pytest.raises(TypeError, match="boolean"):
        sap_masks(weights, {"w": np.ones((2, 2))}, scope="layer")
    with pytest.raises(ValueError, match="shape"):
        sap_masks(weights, {"w": np.ones((2, 3), dtype=bool)}, scope="layer")
    with pytest.raises(ValueError, match="keys"):
        fixed_ratio_masks(weights, {"v": good["w"]}, scope="layer")
    with pytest.raises(ValueError, match="scope"):
        sap_masks(weights, good, scope="row")
    with pytest.raises(TypeError, match="mapping"):
        sap_masks([np.ones(2)], good, scope="layer")
    with pytest.raises(ValueError, match="amount"):
        fixed_ratio_masks(weights, good, scope="layer", amount=1.5)
    with pytest.raises(ValueError, match="beta"):
        sap_masks(weights, good, scope="layer", beta=0)
    with pytest.raises(ValueError, match="weights"):
        sap_masks({"w": np.array([[1.0, np.nan], [1.0, 1.0]])}, good, scope="layer")
    with pytest.raises(TypeError):
        sap_masks({"w": np.ones((2, 2), dtype=complex)}, good, scope="layer")
