"""Theorem 2 of Diao et al. (2023), the PQI-bound, step by step, and the SAP count range of
Algorithm 1.  M_r is a set of r >= 1 indices, SM_t = sum_{i in M_r} |w_i|^t, R_t =
sum_{i not in M_r} |w_i|^t (the coordinates outside M_r, >= 0), S_t = SM_t + R_t and
eta_r = R_p / SM_p."""

from __future__ import annotations

from .core import PROVED, Obligation, Source, StepFailed, cached, identity, lemma, proof, sign, taylor_positive
from . import lemmas, theorem1


def _symbols():
    import sympy as sp

    p, delta, d, r, SMp, SMq = sp.symbols("p delta d r SM_p SM_q", positive=True)
    Rp, Rq, eta = sp.symbols("R_p R_q eta", nonnegative=True)
    return sp, p, p + delta, delta, d, r, SMp, SMq, Rp, Rq, eta


def bound(d, eta, one_minus_i, p, q):
    """The PQI-bound d (1+eta)^{-q/(q-p)} (1 - I)^{qp/(q-p)}."""
    return d * (1 + eta) ** (-q / (q - p)) * one_minus_i ** (q * p / (q - p))


@cached
def split():
    sp, p, q, delta, d, r, SMp, SMq, Rp, Rq, eta = _symbols()
    return proof(identity((1 + Rp / SMp) * SMp, SMp + Rp,
                          "||w||_p^p = SM_p + R_p = (1 + eta_r) SM_p  (eta_r = R_p/SM_p needs SM_p > 0)"))


@cached
def holder_on_m():
    return proof(lemma(lemmas.holder_power_mean, "L.holder_power_mean")
                 + " with n = r >= 1 entries of M_r: SM_p <= r^{1-p/q} SM_q^{p/q}")


@cached
def tail():
    sp, p, q, delta, d, r, SMp, SMq, Rp, Rq, eta = _symbols()
    u, x = sp.symbols("u x", positive=True)
    a = p / q
    return proof(
        identity((x**q) ** (p / q), x**p, "||w||_q^p = (S_q)^{p/q}"),
        taylor_positive((SMq + u) ** a - SMq**a, u, 1,
                        "(SM_q + R_q)^{p/q} - SM_q^{p/q} > 0 for R_q = u > 0 (= 0 for R_q = 0)"),
        "so SM_q^{p/q} <= S_q^{p/q} = ||w||_q^p",
    )


@cached
def chain():
    return proof(lemma(split, "T2.split"), lemma(holder_on_m, "T2.holder"), lemma(tail, "T2.tail"),
                 "||w||_p^p = (1+eta_r) SM_p <= (1+eta_r) r^{1-p/q} SM_q^{p/q} <= (1+eta_r) r^{1-p/q} ||w||_q^p")


@cached
def rearrange():
    sp, p, q, delta, d, r, SMp, SMq, Rp, Rq, eta = _symbols()
    Sq, v = sp.symbols("S_q v", positive=True)
    theta = 1 / (1 + v)
    chain_sp = (1 + eta) * r ** (delta / q) * Sq ** (p / q) * theta
    return proof(
        lemma(chain, "T2.chain") + ": S_p = (1+eta_r) r^{1-p/q} S_q^{p/q} theta, theta = 1/(1+v) in (0, 1]",
        lemma(d_cancellation, "T2.d_cancellation")
        + ": the bound is (1+eta_r)^{-q/(q-p)} S_p^{q/(q-p)} / S_q^{p/(q-p)}",
        identity((1 + eta) ** (-q / delta) * chain_sp ** (q / delta) / Sq ** (p / delta), r * theta ** (q / delta),
                 "substituting S_p: d (1+eta_r)^{-q/(q-p)} (1-I)^{qp/(q-p)} = r theta^{q/(q-p)}"),
        lemma(lemmas.power_at_least_one, "(1+v)^e >= 1")
        + ": theta^{q/(q-p)} <= 1, so r >= d (1+eta_r)^{-q/(q-p)} (1 - I)^{qp/(q-p)}",
    )


@cached
def d_cancellation():
    sp, p, q, delta, d, r, SMp, SMq, Rp, Rq, eta = _symbols()
    Sp, Sq = sp.symbols("S_p S_q", positive=True)
    one_minus_i = 1 - theorem1.pqi(d, Sp, Sq, p, q)
    return proof(identity(bound(d, eta, one_minus_i, p, q),
                          (1 + eta) ** (-q / delta) * Sp ** (q / delta) / Sq ** (p / delta),
                          "d (1+eta)^{-q/(q-p)} (1-I)^{qp/(q-p)} = (1+eta)^{-q/(q-p)} S_p^{q/(q-p)} / S_q^{p/(q-p)}"))


@cached
def bound_at_most_d():
    sp, p, q, delta, d, r, SMp, SMq, Rp, Rq, eta = _symbols()
    v = sp.symbols("v", nonnegative=True)
    c1, c2 = q / delta, q * p / delta
    r_t = bound(d, eta, 1 / (1 + v), p, q)
    gap = d * (((1 + eta) ** c1 - 1) / (1 + eta) ** c1
               + ((1 + v) ** c2 - 1) / ((1 + eta) ** c1 * (1 + v) ** c2))
    return proof(
        lemma(theorem1.lower_bound, "T1.lower_bound") + ": I >= 0, so 1 - I = 1/(1+v) with v >= 0",
        identity(d - r_t, gap, "d - r_t = d [((1+eta)^{c1} - 1)/(1+eta)^{c1} + ((1+v)^{c2} - 1)/((1+eta)^{c1}(1+v)^{c2})]"),
        sign(c1, "positive", "c1 = q/(q-p) > 0") + "; " + sign(c2, "positive", "c2 = qp/(q-p) > 0"),
        lemma(lemmas.power_at_least_one, "(1+u)^e >= 1") + " (eta >= 0, v >= 0): both brackets >= 0, r_t <= d",
    )


@cached
def sap_range():
    import sympy as sp

    d, gamma, beta = sp.symbols("d gamma beta", positive=True)
    z, v = sp.symbols("z v", nonnegative=True)
    y = sp.symbols("y", nonnegative=True)
    x = sp.symbols("x", real=True)
    r = d - z
    scaled = gamma * (1 - r / d)
    steps = [lemma(bound_at_most_d, "T2.r_le_d") + ": r_t = d - z, z >= 0"]
    cases = (("gamma(1 - r_t/d) <= beta", scaled, {beta: scaled + v}),
             ("gamma(1 - r_t/d) > beta", beta, {}))
    for name, chosen, at in cases:
        steps.append(sign(d * chosen, "nonnegative", f"case {name}: d min(...) >= 0"))
        steps.append(sign((d * beta - d * chosen).subs(at), "nonnegative", f"case {name}: d min(...) <= d beta"))
    if sp.floor(y).is_nonnegative is not True or (sp.floor(x) <= x) is not sp.true:
        raise StepFailed("floor facts: floor(y) >= 0 for y >= 0 and floor(x) <= x")
    steps.append("sympy: floor(y) >= 0 for y >= 0 and floor(x) <= x with floor(x) an integer; so "
                 "0 <= c_t = floor(d min(...)) <= floor(d beta) (floor(d beta) is the largest integer <= d beta)")
    return proof(*steps)


OBLIGATIONS = (
    Obligation("T2.split", "||w||_p^p = (1 + eta_r) sum_{M_r} |w_i|^p.",
               ("SM_p = sum_{M_r} |w_i|^p > 0 (M_r holds a non-zero entry)", "R_p >= 0"), PROVED, split),
    Obligation("T2.holder", "sum_{M_r} |w_i|^p <= r^{1-p/q} (sum_{M_r} |w_i|^q)^{p/q}.",
               ("r = |M_r| >= 1", "0 < p < q", "zeros allowed"), PROVED, holder_on_m),
    Obligation("T2.tail", "(sum_{M_r} |w_i|^q)^{p/q} <= ||w||_q^p.",
               ("0 < p < q", "coordinates outside M_r kept as R_q >= 0"), PROVED, tail),
    Obligation("T2.chain", "The displayed chain ||w||_p^p <= (1+eta_r) r^{1-p/q} ||w||_q^p.",
               ("r >= 1", "SM_p > 0", "0 < p < q"), PROVED, chain),
    Obligation("T2.rearrange", "Theorem 2: r >= d (1+eta_r)^{-q/(q-p)} (1 - I(w))^{qp/(q-p)}.",
               ("r = |M_r| >= 1 (any index set M_r)", "SM_p > 0 (eta_r finite)", "0 < p < q", "w != 0"),
               PROVED, rearrange,
               Source("Section 3.1, Theorem 2, (2)", r"r \geq d(1 + \eta_r)^{-q/(q-p)} [1 - I(w)]^{\frac{qp}{q-p}}")),
    Obligation("T2.d_cancellation",
               "d (1+eta)^{-q/(q-p)} (1-I)^{qp/(q-p)} = (1+eta)^{-q/(q-p)} S_p^{q/(q-p)} / S_q^{p/(q-p)} "
               "(the form reference/pqi.py evaluates).",
               ("eta >= 0", "w != 0", "0 < p < q"), PROVED, d_cancellation),
    Obligation("T2.r_le_d", "r_t = pqi_bound(w) <= d_t.",
               ("eta_r >= 0", "I(w) >= 0 (T1.lower_bound)", "w != 0", "0 < p < q"), PROVED, bound_at_most_d),
    Obligation("SAP.count_range",
               "Algorithm 1: 0 <= c_t = floor(d_t min(gamma (1 - r_t/d_t), beta)) <= floor(beta d_t).",
               ("r_t <= d_t (T2.r_le_d: eta_r >= 0)", "gamma > 0", "0 < beta <= 1", "d_t >= 1"),
               PROVED, sap_range,
               Source("Section 3.2, Algorithm 1",
                      r"$c_t = \lfloor d_t \cdot \min(\gamma(1 - \frac{r_t}{d_t}), \beta) \rfloor$")),
)
