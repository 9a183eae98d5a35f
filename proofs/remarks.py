r"""The PQI paper's statements about measures outside the proofs: Remarks 1-3, the comparison with
Hurley & Rickard's measures (Section 1, Appendix B), and the SAP hyper-parameters (Section 3).

A remark that says an ingredient is needed is checked by removing the ingredient and refuting
the property it names at a concrete vector (exact evaluation, sympy), next to the general
identity that explains it.  Notation as in ``theorem1``: S_t = sum_k |w_k|^t,
I_{p,q} = 1 - d^{1/q-1/p} S_p^{1/p} / S_q^{1/q}.
"""

from __future__ import annotations

from fractions import Fraction

from .core import (PROVED, REFUTED, Obligation, Outcome, Source, StepFailed, cached, false_at, identity,
                   lemma, proof, sign)
from . import exact, identities, theorem1, theorem2

R1, R2, R3 = "Section 3.1, Remark 1", "Section 3.1, Remark 2", "Section 3.1, Remark 3"


def _symbols():
    import sympy as sp

    p, delta, d, Sp, Sq = sp.symbols("p delta d S_p S_q", positive=True)
    return sp, p, p + delta, delta, d, Sp, Sq


def _pqi_at(w, p, q):
    """I_{p,q}(w) exactly (sympy) for any p, q > 0 (the formula, p >= q allowed)."""
    import sympy as sp

    p, q = sp.Rational(p), sp.Rational(q)
    w = [abs(sp.Rational(x)) for x in w]
    return theorem1.pqi(sp.Integer(len(w)), sum(x**p for x in w), sum(x**q for x in w), p, q)


def _ratio_without_d(w, p, q):
    """1 - ||w||_p / ||w||_q exactly (the PQ Index without d^{1/q-1/p})."""
    import sympy as sp

    p, q = sp.Rational(p), sp.Rational(q)
    w = [abs(sp.Rational(x)) for x in w]
    return 1 - sum(x**p for x in w) ** (1 / p) / sum(x**q for x in w) ** (1 / q)


#: The witnesses of the Remark 2 obligations: a variant of I_{p,q} with one ingredient removed and
#: an instance of the property it then fails (exact rationals; tests/proofs re-evaluate them).
WITNESSES = {
    "R2.without_d.cloning": {"measure": "1 - ||w||_p/||w||_q", "property": "D4", "p": "1/2", "q": "1",
                             "before": ["1", "2"], "after": ["1", "2", "1", "2"]},
    "R2.without_d.babies": {"measure": "1 - ||w||_p/||w||_q", "property": "P2", "p": "1/2", "q": "1",
                            "before": ["1", "2"], "after": ["1", "2", "0"]},
    "R2.p_equals_q": {"measure": "I_{p,q}", "property": "D1", "p": "1", "q": "1", "before": ["2", "0"],
                      "after": ["3/2", "1/2"]},
    "R2.p_above_q.D1": {"measure": "I_{p,q}", "property": "D1", "p": "1", "q": "1/2", "before": ["2", "0"],
                        "after": ["3/2", "1/2"]},
    "R2.p_above_q.D3": {"measure": "I_{p,q}", "property": "D3", "p": "1", "q": "1/2", "before": ["1", "0"],
                        "after": ["2", "1"]},
}

#: property -> the sign S(after) - S(before) must have (+1, -1) or 0 for an equality.
REQUIRED = {"D1": -1, "D2": 0, "D3": -1, "D4": 0, "P1": 1, "P2": 1}


def _fails_at(obligation_id: str, formula) -> str:
    """The witness's property fails for ``formula(w, p, q)``: S(after) - S(before) evaluated exactly."""
    example = WITNESSES[obligation_id]
    change = formula(example["after"], example["p"], example["q"]) - formula(example["before"], example["p"], example["q"])
    relation = {-1: "<", 0: "=", 1: ">"}[REQUIRED[example["property"]]]
    return false_at(change, relation, {}, f"{example['property']} for {example['measure']} at p = {example['p']}, "
                    f"q = {example['q']}, {example['before']} -> {example['after']}: S(after) - S(before) {relation} 0")


# --- Remark 1 -----------------------------------------------------------------------------

@cached
def constant_is_zero():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    c = sp.symbols("c", positive=True)
    return proof(identity(theorem1.pqi(d, d * c**p, d * c**q, p, q), sp.Integer(0),
                          "w_i = c != 0 for all i: S_t = d c^t, I = 1 - d^{1/q-1/p} d^{1/p} c / (d^{1/q} c) = 0"))


@cached
def one_hot_is_maximal():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    t = sp.symbols("t", positive=True)
    return proof(identity(theorem1.pqi(d, t**p, t**q, p, q), 1 - d ** (1 / q - 1 / p),
                          "w = t e_i: S_t = t^t, I = 1 - d^{1/q-1/p}, the upper bound of T1.upper_bound"),
                 lemma(theorem1.upper_bound, "T1.upper_bound"))


@cached
def all_zero_undefined():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    value = theorem1.pqi(d, sp.Integer(0), sp.Integer(0), p, q)
    if value is not sp.nan:
        raise StepFailed(f"I at S_p = S_q = 0 is {value}, not undefined")
    return proof("w = 0: S_p = S_q = 0, so ||w||_p/||w||_q = 0/0: sympy gives nan (reference.pq_index raises ValueError)")


# --- Remark 2 -----------------------------------------------------------------------------

@cached
def single_norm_scales():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    lam = sp.symbols("lambda", positive=True)
    return proof(identity((lam**p * Sp) ** (1 / p), lam * Sp ** (1 / p),
                          "||lambda w||_p = lambda ||w||_p: a strictly monotone function of one norm changes "
                          "under w -> lambda w (lambda != 1), so it cannot satisfy D2"))


@cached
def ratio_scale_invariant():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    lam = sp.symbols("lambda", positive=True)
    return proof(identity((lam**p * Sp) ** (1 / p) / (lam**q * Sq) ** (1 / q), Sp ** (1 / p) / Sq ** (1 / q),
                          "||lambda w||_p/||lambda w||_q = ||w||_p/||w||_q"))


@cached
def without_d_cloning():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    return proof(
        identity((2 * Sp) ** (1 / p) / (2 * Sq) ** (1 / q), 2 ** (1 / p - 1 / q) * Sp ** (1 / p) / Sq ** (1 / q),
                 "without the factor, cloning multiplies ||w||_p/||w||_q by 2^{1/p-1/q} > 1 for every w"),
        _fails_at("R2.without_d.cloning", _ratio_without_d),
        "so 1 - ||w||_p/||w||_q fails D4; d^{1/q-1/p} is what restores it (D4.cloning)",
    )


@cached
def without_d_babies():
    return proof(_fails_at("R2.without_d.babies", _ratio_without_d),
                 "appending a zero leaves both norms unchanged: without the factor P2 fails (as an equality) "
                 "for every w; with it, P2 holds (P2.babies)")


@cached
def p_equals_q():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    return proof(identity(theorem1.pqi(d, Sp, Sp, p, p), sp.Integer(0), "I_{p,p} = 0 for every w"),
                 _fails_at("R2.p_equals_q", _pqi_at),
                 "so with p = q, D1, D3, P1 and P2 all fail (as equalities)")


@cached
def p_above_q_reverses():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    low, high = p, q  # S_p, S_q: the power sums of the exponents low < high
    return proof(
        identity(1 - theorem1.pqi(d, Sq, Sp, high, low), 1 / (1 - theorem1.pqi(d, Sp, Sq, low, high)),
                 "for p' = p + delta > q' = p: 1 - I_{p',q'} = 1/(1 - I_{q',p'})"),
        _decreasing_step(),
        "so every strict comparison of I_{q',p'} is reversed (D1, D3, P1, P2 where I_{q',p'} has them: "
        "q' <= 1 <= p'), D2 and D4 are kept",
    )


def _decreasing_step() -> str:
    import sympy as sp

    x = sp.symbols("x")
    y = sp.symbols("y", positive=True)
    return sign(sp.diff(1 - 1 / (1 - x), x).subs(x, 1 - y), "negative",
                "x = I_{q',p'} < 1 (T1.upper_bound), y = 1 - x > 0: d/dx (1 - 1/(1 - x)) = -1/y^2 < 0")


@cached
def p_above_q_robin_hood():
    return proof(lemma(p_above_q_reverses, "R2.p_above_q.reverses"), _fails_at("R2.p_above_q.D1", _pqi_at))


@cached
def p_above_q_rising_tide():
    return proof(lemma(p_above_q_reverses, "R2.p_above_q.reverses"), _fails_at("R2.p_above_q.D3", _pqi_at))


# --- Remark 3: ||w||_1 / ||w||_q, 0 < q < 1 -----------------------------------------------

def _l1_over_lq(d, S1, Sq, q):
    return S1 / Sq ** (1 / q)


@cached
def l1_over_lq_is_pqi():
    import sympy as sp

    q, d, S1, Sq, u = sp.symbols("q d S_1 S_q u", positive=True)
    q = 1 / (1 + u)
    return proof(identity(_l1_over_lq(d, S1, Sq, q), d ** (1 - 1 / q) / (1 - theorem1.pqi(d, Sq, S1, q, sp.Integer(1))),
                          "||w||_1/||w||_q = d^{1-1/q} / (1 - I_{q,1}(w)), 0 < q < 1"))


@cached
def l1_over_lq_scaling():
    import sympy as sp

    q, S1, Sq, lam, d = sp.symbols("q S_1 S_q lambda d", positive=True)
    return proof(identity(_l1_over_lq(d, lam * S1, lam**q * Sq, q), _l1_over_lq(d, S1, Sq, q),
                          "||lambda w||_1/||lambda w||_q = ||w||_1/||w||_q: D2 holds"))


@cached
def l1_over_lq_bill_gates():
    return proof(
        lemma(l1_over_lq_is_pqi, "R3.l1_over_lq"),
        "P1 keeps d, and x -> d^{1-1/q}/(1 - x) is strictly increasing on [0, 1)",
        lemma(theorem1.bill_gates, "P1.bill_gates") + " for I_{q,1} (0 < q < 1): P1 holds for ||w||_1/||w||_q",
    )


@cached
def l1_over_lq_cloning():
    import sympy as sp

    u, S1, Sq, d = sp.symbols("u S_1 S_q d", positive=True)
    q = 1 / (1 + u)
    return proof(
        identity(_l1_over_lq(2 * d, 2 * S1, 2 * Sq, q), 2 ** (1 - 1 / q) * _l1_over_lq(d, S1, Sq, q),
                 "cloning multiplies ||w||_1/||w||_q by 2^{1-1/q}"),
        identity(2 ** (1 - 1 / q), 2 ** (-u), "2^{1-1/q} = 2^{-u} with q = 1/(1+u)")
        + "; 2^{-u} < 1 for u > 0: S(w||w) < S(w), D4 fails for every w",
    )


@cached
def l1_over_lq_babies():
    import sympy as sp

    q, S1, Sq, d = sp.symbols("q S_1 S_q d", positive=True)
    return proof(identity(_l1_over_lq(d + 1, S1, Sq, q), _l1_over_lq(d, S1, Sq, q),
                          "appending a zero leaves S_1, S_q and the measure unchanged: S(w||0) = S(w), P2 fails "
                          "(as an equality) for every w"))


# --- Hurley & Rickard's measures (Section 1, Appendix B) --------------------------------------

@cached
def p1_from_d1_d2():
    import sympy as sp

    c, beta, alpha, R, s = sp.symbols("c_i beta alpha R s", positive=True)
    T = c + beta + R
    lam = T / (T + alpha)
    excess = lam * (c + beta + alpha) - (c + beta)
    return proof(
        "S satisfies D1 and D2; R = sum_{j != i} c_j > 0 (c != t e_i); old = c with c_i + beta, new = c with "
        "c_i + beta + alpha; scale new by lambda = T/(T + alpha), T = c_i + beta + R (D2: S unchanged)",
        identity(excess, alpha * R / (T + alpha), "entry i of lambda new exceeds c_i + beta by alpha R/(T + alpha)"),
        identity((1 - lam) * R, alpha * R / (T + alpha), "and the other entries lack exactly as much in total: "
                 "moving (1 - lambda) c_j from entry i to each j != i (c_j > 0) turns lambda new into old"),
        sign(((3 * R + s) - R) / 2 - R, "positive",
             "with beta = 3R + s: each amount (1 - lambda) c_j < R < (beta - R)/2 <= (x_i - x_j)/2 along the way "
             "(x_i >= c_i + beta, x_j <= c_j <= R), so each move is a Robin Hood transfer (D1)"),
        "so S(old) < S(lambda new) = S(new) for every alpha > 0: P1 holds with beta_i = 3 sum_{j != i} c_j + s",
    )


def _gini_plus_constant(c):
    """Hurley-Rickard's Gini plus 1 on constant vectors (the counterexample measure)."""
    return exact.EXACT_FORMS["gini"](c) + (1 if len(set(c)) == 1 else 0)


@cached
def p2_from_d1_d4():
    before = (Fraction(1), Fraction(1))
    after = before + (Fraction(0),)
    import sympy as sp

    value_before, value_after = (sp.Rational(_gini_plus_constant(v)) for v in (before, after))
    example = {"measure": "G(c) + [c constant]", "property": "P2", "before": ["1", "1"], "after": ["1", "1", "0"],
               "value_before": str(value_before), "value_after": str(value_after)}
    step = false_at(value_after - value_before, ">", {}, "P2 for S(c) = G(c) + [c is constant] at c = (1, 1): "
                    "S(c||0) - S(c) > 0")
    return Outcome(REFUTED, "S = Gini + 1 on constant vectors satisfies D1-D4 and P1: a Robin Hood transfer never "
                   "starts or ends at a constant vector (it needs c_i > c_j and keeps them apart), D3 excludes "
                   "constant vectors and adding alpha keeps a non-constant vector non-constant, scaling and "
                   "cloning keep constancy, and P1 holds with beta large (Gini's D1-D4, P1: property table; "
                   "tests/proofs/test_remarks.py fuzzes S); yet " + step, example)


@cached
def pq_mean_all_six():
    return proof(
        lemma(identities.pq_mean, "PQ_MEAN.pqi") + ": pq-mean = I_{p,q} - 1, and adding a constant keeps every "
        "comparison of the six properties",
        lemma(theorem1.robin_hood_p_le_1_le_q, "D1.p_le_1_le_q"), lemma(theorem1.scaling, "D2.scaling"),
        lemma(theorem1.rising_tide, "D3.rising_tide"), lemma(theorem1.cloning, "D4.cloning"),
        lemma(theorem1.bill_gates, "P1.bill_gates"), lemma(theorem1.babies, "P2.babies"),
        "so Hurley & Rickard's pq-mean has all six properties for 0 < p <= 1 <= q, p < q",
    )


# --- SAP hyper-parameters (Section 3) ------------------------------------------------------

@cached
def eta_r_nonincreasing():
    import sympy as sp

    SM, R, x = sp.symbols("SM R x", positive=True)
    return proof(
        "eta_r = R/SM with SM = sum over the r largest |w_i|^p, R = the rest; going to r + 1 moves the next "
        "largest term x >= 0 from R to SM",
        identity(R / SM - (R - x) / (SM + x), x * (R + SM) / (SM * (SM + x)), "eta_r - eta_{r+1} = x (R + SM)/(SM (SM + x))"),
        sign(x * (R + SM) / (SM * (SM + x)), "positive", "> 0 for x > 0 (= 0 for x = 0): eta_r is non-increasing in r"),
    )


@cached
def larger_eta_prunes_more():
    import sympy as sp

    p, delta, eta = sp.symbols("p delta eta", positive=True)
    q = p + delta
    return proof(
        sign(sp.diff((1 + eta) ** (-q / delta), eta), "negative",
             "d/deta (1+eta)^{-q/(q-p)} < 0: r_t = d (1+eta)^{-q/(q-p)} (1-I)^{qp/(q-p)} decreases as eta grows"),
        "so gamma (1 - r_t/d_t) grows and c_t = floor(d_t min(gamma (1 - r_t/d_t), beta)) does not decrease: "
        "a larger eta_r prunes at least as much",
    )


@cached
def larger_gamma_prunes_more():
    import sympy as sp

    x, beta, g, h = sp.symbols("x beta gamma h", positive=True)
    return proof(
        lemma(theorem2.bound_at_most_d, "T2.r_le_d") + ": x = 1 - r_t/d_t >= 0",
        sign((g + h) * x - g * x, "positive", "gamma' = gamma + h > gamma: gamma' x >= gamma x"),
        "min(., beta) and floor are non-decreasing, so c_t does not decrease as gamma grows",
    )


@cached
def gamma_one_keeps_a_weight():
    import sympy as sp

    p, delta, eta, d, v = sp.symbols("p delta eta d v", positive=True)
    q = p + delta
    r = theorem2.bound(d, eta, 1 / (1 + v), p, q)
    return proof(
        lemma(theorem1.upper_bound, "T1.upper_bound") + ": 1 - I >= d^{1/q-1/p} > 0, so 1 - I = 1/(1 + v)",
        sign(r, "positive", "r_t = d (1+eta)^{-q/(q-p)} (1-I)^{qp/(q-p)} > 0"),
        "with gamma = 1 and no beta: c_t = floor(d_t - r_t) <= d_t - 1 (d_t integer, r_t > 0): at least one weight "
        "is kept, so beta is not needed to stop SAP pruning everything",
    )


OBLIGATIONS = (
    Obligation("R1.constant", "Remark 1: I_{p,q}(c, ..., c) = 0 for c != 0.", ("c != 0", "0 < p < q"), PROVED,
               constant_is_zero, Source(R1, "It can be verified that $I_{p,q}(w) = 0$."), ("T1.lower_bound",)),
    Obligation("R1.one_hot", "Remark 1: I_{p,q}(t e_i) = 1 - d^{1/q-1/p}, the maximum.", ("t != 0", "0 < p < q"),
               PROVED, one_hot_is_maximal,
               Source(R1, r"corresponding $I_{p,q}(w) = 1 - d^{\frac{1}{q}-\frac{1}{p}}$"), ("T1.upper_bound",)),
    Obligation("R1.all_zero", "Remark 1: I(w) for an all-zero vector is not defined.", ("w = 0",), PROVED,
               all_zero_undefined, Source(R1, "Note that $I(w)$ for an all-zero vector is not defined.")),
    Obligation("R2.single_norm", "Remark 2: a measure of a single norm is not scale-invariant.",
               ("S a strictly monotone function of ||w||_p",), PROVED, single_norm_scales,
               Source(R2, "If $S(w)$ involves only a single norm, then $S(w)$ is not scale-invariant."),
               ("D2.scaling",)),
    Obligation("R2.ratio", "Remark 2: the ratio of two norms is scale-invariant.", ("w != 0", "p, q > 0"), PROVED,
               ratio_scale_invariant, Source(R2, "the ratio of two norms is inherently scale-invariant"),
               ("D2.scaling",)),
    Obligation("R2.without_d.cloning",
               "d^{1/q-1/p} is needed for D4: without it, 1 - ||w||_p/||w||_q fails D4 (Cloning).", ("0 < p < q",),
               PROVED, without_d_cloning,
               Source(R2, r"Why is there an additional scaling constant $d^{\frac{1}{q}-\frac{1}{p}}$? "
                          "This is necessary to satisfy (D4) Cloning."), ("D4.cloning",)),
    Obligation("R2.without_d.babies", "Without d^{1/q-1/p}, 1 - ||w||_p/||w||_q also fails P2 (Babies).",
               ("0 < p < q",), PROVED, without_d_babies,
               Source(R2, r"Why is there an additional scaling constant $d^{\frac{1}{q}-\frac{1}{p}}$?"),
               ("P2.babies",)),
    Obligation("R2.p_equals_q", "With p = q, I_{p,p} = 0 fails D1, D3, P1, P2.", ("p = q",), PROVED, p_equals_q,
               Source(R2, "Why do we require $p < q$? We find it plays a central role in meeting (D1) and (D3)."),
               ("D1.p_le_1_le_q",)),
    Obligation("R2.p_above_q.reverses", "With p > q, I_{p,q} is a strictly decreasing function of I_{q,p}.",
               ("p > q > 0", "w != 0"), PROVED, p_above_q_reverses,
               Source(R2, "Why do we require $p < q$? We find it plays a central role in meeting (D1) and (D3)."),
               ("D1.p_le_1_le_q", "D3.rising_tide", "P1.bill_gates", "P2.babies")),
    Obligation("R2.p_above_q.D1", "With p > q, I_{p,q} fails D1 (Robin Hood).", ("p > q",), PROVED,
               p_above_q_robin_hood,
               Source(R2, "Why do we require $p < q$? We find it plays a central role in meeting (D1) and (D3)."),
               ("R2.p_above_q.reverses",)),
    Obligation("R2.p_above_q.D3", "With p > q, I_{p,q} fails D3 (Rising Tide).", ("p > q",), PROVED,
               p_above_q_rising_tide,
               Source(R2, "Why do we require $p < q$? We find it plays a central role in meeting (D1) and (D3)."),
               ("R2.p_above_q.reverses",)),
    Obligation("R3.l1_over_lq", "||w||_1/||w||_q = d^{1-1/q}/(1 - I_{q,1}(w)) for 0 < q < 1.",
               ("w != 0", "0 < q < 1"), PROVED, l1_over_lq_is_pqi,
               Source(R3, r"$\|w\|_1/\|w\|_q$, $q \in (0, 1)$"), ("T1.bounds",)),
    Obligation("R3.has_D2", "||w||_1/||w||_q satisfies D2 (Remark 3 says it does not).", ("0 < q < 1",), PROVED,
               l1_over_lq_scaling,
               Source(R3, r"does not satisfy properties (D2), (D4), (P1), and (P4)"), ("D2.scaling",)),
    Obligation("R3.has_P1", "||w||_1/||w||_q satisfies P1 (Remark 3 says it does not).", ("0 < q < 1",), PROVED,
               l1_over_lq_bill_gates,
               Source(R3, r"does not satisfy properties (D2), (D4), (P1), and (P4)"), ("P1.bill_gates",)),
    Obligation("R3.lacks_D4", "||w||_1/||w||_q fails D4 for every w (cloning multiplies it by 2^{1-1/q} < 1).",
               ("0 < q < 1",), PROVED, l1_over_lq_cloning,
               Source(R3, r"does not satisfy properties (D2), (D4), (P1), and (P4)"), ("D4.cloning",)),
    Obligation("R3.lacks_P2", "||w||_1/||w||_q fails P2 for every w (appending a zero leaves it unchanged).",
               ("0 < q < 1",), PROVED, l1_over_lq_babies,
               Source(R3, r"does not satisfy properties (D2), (D4), (P1), and (P4)"), ("P2.babies",)),
    Obligation("HR.p1_from_d1_d2", "Any measure satisfying D1 and D2 satisfies P1.",
               ("S satisfies D1 and D2", "c != t e_i"), PROVED, p1_from_d1_d2,
               Source("Appendix B, proof of Theorem 1", "Hurley & Rickard (2009) prove that (P1) and (P2) are "
                      "automatically satisfied as long as (D1)-(D4) are met."), ("P1.bill_gates",)),
    Obligation("T1.p1_p2_from_d1_d4", "P1 and P2 follow from D1-D4 (for every sparsity measure).",
               ("any sparsity measure S satisfying D1-D4",), REFUTED, p2_from_d1_d4,
               Source("Appendix B, proof of Theorem 1", "Hurley & Rickard (2009) prove that (P1) and (P2) are "
                      "automatically satisfied as long as (D1)-(D4) are met."),
               ("HR.p1_from_d1_d2", "P1.bill_gates", "P2.babies")),
    Obligation("HR.pq_mean_all_six",
               "Hurley & Rickard's pq-mean -M_p/M_q satisfies all six properties for 0 < p <= 1 <= q, p < q.",
               ("0 < p <= 1 <= q", "p < q"), PROVED, pq_mean_all_six,
               Source("Section 1", "the only other measure satisfying all properties is Gini Index"),
               ("PQ_MEAN.pqi", "D1.p_le_1_le_q")),
    Obligation("SAP.eta_r_nonincreasing", "The smallest eta_r is non-increasing in r.", ("p > 0", "w != 0"), PROVED,
               eta_r_nonincreasing, Source("Section 3.1", "Since η_r is non-increasing with respect to r"), ()),
    Obligation("SAP.larger_eta_prunes_more", "A larger eta_r gives a smaller r_t and a c_t at least as large.",
               ("0 < p < q", "eta_r >= 0"), PROVED, larger_eta_prunes_more,
               Source("Section 3.1", "a larger η_r means that we assume the model is more compressible and leads to "
                      "a higher pruning ratio"), ("T2.r_le_d",)),
    Obligation("SAP.larger_gamma_prunes_more", "A larger gamma gives a c_t at least as large.",
               ("eta_r >= 0", "gamma > 0", "0 < beta <= 1"), PROVED, larger_gamma_prunes_more,
               Source("Section 3.2", "we introduce γ to accelerate or decelerate the pruning at initial pruning "
                      "iterations"), ("SAP.count_range",)),
    Obligation("SAP.gamma_one_keeps_a_weight",
               "With gamma = 1 and no beta, SAP prunes at most d_t - 1 weights (beta can be omitted).",
               ("gamma = 1", "w != 0", "0 < p < q", "eta_r >= 0"), PROVED, gamma_one_keeps_a_weight,
               Source("Section 3.2", r"If we set $\gamma = 1$, β can be safely omitted."), ("SAP.count_range",)),
)
