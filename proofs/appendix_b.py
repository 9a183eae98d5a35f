r"""Appendix B of Diao et al. (2023), display by display, checked as printed (contract §5).

One obligation per displayed equation or inequality of the proofs of Theorems 1 and 2 (each
line of a chain its own obligation), and per sentence that carries a step ("we only need to
prove ...").  Each has ``source`` = {paper, location, display (as printed)} and ``links`` to the
general-vector obligations of ``theorem1``/``theorem2`` it corresponds to.  A line is checked
sign for sign: where it is wrong it is ``refuted`` at a concrete point, and the corrected line
is a separate ``proved`` obligation next to it (id suffix ``.corrected``).

Notation as printed: a = w_i - t, b = w_j + t (D1); h(t) = sum w_i^{t-1} / sum w_i^t (D3);
M_r, eta_r as in Theorem 2.
"""

from __future__ import annotations

from .core import (PROVED, REFUTED, Obligation, Outcome, Source, StepFailed, cached, false_at, identity,
                   lemma, proof, sign, true_at, zero)
from . import counterexamples, lemmas, theorem1, theorem2

T1 = "Appendix B, proof of Theorem 1"
T2 = "Appendix B, proof of Theorem 2"


def _symbols():
    import sympy as sp

    p, delta, d = sp.symbols("p delta d", positive=True)
    return sp, p, p + delta, delta, d


# --- Hölder bounds and the range ----------------------------------------------------------

@cached
def holder_left():
    return proof(lemma(lemmas.norm_monotone, "L.norm_monotone") + ": ||w||_q <= ||w||_p as printed")


@cached
def holder_right():
    sp, p, q, delta, d = _symbols()
    Sq = sp.symbols("S_q", positive=True)
    return proof(
        lemma(lemmas.holder_power_mean, "L.holder_power_mean") + " (n = d): S_p <= d^{1-p/q} S_q^{p/q}",
        identity((d ** (1 - p / q) * Sq ** (p / q)) ** (1 / p), d ** (1 / p - 1 / q) * Sq ** (1 / q),
                 "raised to 1/p (increasing): (d^{1-p/q} S_q^{p/q})^{1/p} = d^{1/p-1/q} ||w||_q, as printed"),
    )


@cached
def range_from_holder():
    return proof(lemma(theorem1.bounds, "T1.bounds"))


# --- the reduction to S(w) = d^{1/p-1/q} ||w||_q / ||w||_p --------------------------------

@cached
def reduction_to_s():
    sp, p, q, delta, d = _symbols()
    Sp, Sq, x = sp.symbols("S_p S_q x", positive=True)
    s = d ** (1 / p - 1 / q) * Sq ** (1 / q) / Sp ** (1 / p)
    return proof(
        identity(1 - 1 / s, theorem1.pqi(d, Sp, Sq, p, q), "I = 1 - 1/S with S = d^{1/p-1/q} ||w||_q/||w||_p"),
        sign(sp.diff(1 - 1 / x, x), "positive", "f(x) = 1 - 1/x has f'(x) = 1/x^2 > 0: strictly increasing for x > 0"),
        "so each strict or equal comparison of I is the same comparison of S: D1-D4 for S are D1-D4 for I",
    )


@cached
def s_scaling_and_cloning():
    sp, p, q, delta, d = _symbols()
    Sp, Sq, lam = sp.symbols("S_p S_q lambda", positive=True)

    def s(d, Sp, Sq):
        return d ** (1 / p - 1 / q) * Sq ** (1 / q) / Sp ** (1 / p)

    return proof(
        identity(s(d, lam**p * Sp, lam**q * Sq), s(d, Sp, Sq), "S(lambda w) = S(w) (homogeneity of both norms)"),
        identity(s(2 * d, 2 * Sp, 2 * Sq), s(d, Sp, Sq), "S(w||w) = S(w): d -> 2d, S_t -> 2 S_t"),
    )


# --- D1: the two-coordinate f and its derivative, line by line ------------------------------

def _d1():
    """The printed f(t), its numerator N and denominator D, and the printed lines in a, b."""
    import sympy as sp

    p, delta, wi, wj, t = sp.symbols("p delta w_i w_j t", positive=True)
    q = p + delta
    a, b = sp.symbols("a b", positive=True)
    N = ((wi - t) ** q + (wj + t) ** q) ** (1 / q)
    D = ((wi - t) ** p + (wj + t) ** p) ** (1 / p)
    f_ab = (a**q + b**q) ** (1 / q) / (a**p + b**p) ** (1 / p)
    dN = (a**q + b**q) ** (1 / q - 1) * (-(a ** (q - 1)) + b ** (q - 1))
    dD = (a**p + b**p) ** (1 / p - 1) * (-(a ** (p - 1)) + b ** (p - 1))
    line1 = (dN * (a**p + b**p) ** (1 / p)) / (a**p + b**p) ** (2 / p) \
        - ((a**q + b**q) ** (1 / q) * dD) / (a**p + b**p) ** (2 / p)
    bracket2 = (-(a ** (q - 1)) + b ** (q - 1)) / (a**q + b**q) - (-(a ** (p - 1)) + b ** (p - 1)) / (a**p + b**p)
    factor3 = (a ** (p - q) - b ** (p - q)) * (a + b) * a ** (q - 1) * b ** (q - 1) / ((a**q + b**q) * (a**p + b**p))
    return sp, p, q, delta, wi, wj, t, a, b, N, D, f_ab, dN, dD, line1, bracket2, factor3


@cached
def d1_line1():
    sp, p, q, delta, wi, wj, t, a, b, N, D, f_ab, dN, dD, line1, bracket2, factor3 = _d1()
    at = {wi: a + t, wj: b - t}
    return proof(
        identity(sp.diff(N, t).subs(at), dN, "N'(t) = (a^q+b^q)^{1/q-1}(-a^{q-1} + b^{q-1}) (chain rule, a' = -1, b' = 1)"),
        identity(sp.diff(D, t).subs(at), dD, "D'(t) = (a^p+b^p)^{1/p-1}(-a^{p-1} + b^{p-1})"),
        identity(D.subs(at) ** 2, (a**p + b**p) ** (2 / p), "D^2 = (a^p+b^p)^{2/p}"),
        "quotient rule f' = (N'D - N D')/D^2: the printed first line term by term",
    )


@cached
def d1_line2():
    sp, p, q, delta, wi, wj, t, a, b, N, D, f_ab, dN, dD, line1, bracket2, factor3 = _d1()
    return proof(identity(line1, f_ab * bracket2, "line 1 = f(t) [(-a^{q-1}+b^{q-1})/(a^q+b^q) - (-a^{p-1}+b^{p-1})/(a^p+b^p)]"))


@cached
def d1_line3():
    sp, p, q, delta, wi, wj, t, a, b, N, D, f_ab, dN, dD, line1, bracket2, factor3 = _d1()
    numerator = sp.expand((-(a ** (q - 1)) + b ** (q - 1)) * (a**p + b**p)
                          - (-(a ** (p - 1)) + b ** (p - 1)) * (a**q + b**q)
                          - (a ** (p - q) - b ** (p - q)) * (a + b) * a ** (q - 1) * b ** (q - 1))
    return proof(
        zero(numerator, "over the common denominator (a^q+b^q)(a^p+b^p) the two brackets' numerators agree"),
        "so line 2 = f(t) (a^{p-q} - b^{p-q})(a+b) a^{q-1} b^{q-1} / ((a^q+b^q)(a^p+b^p)), as printed",
    )


@cached
def d1_sign():
    sp, p, q, delta, wi, wj, t, a, b, N, D, f_ab, dN, dD, line1, bracket2, factor3 = _d1()
    return proof(
        identity((a ** (p - q) - b ** (p - q)) * a ** (q - 1) * b ** (q - 1),
                 (a * b) ** (p - 1) * (b**delta - a**delta), "(a^{p-q} - b^{p-q}) a^{q-1} b^{q-1} = (ab)^{p-1}(b^{q-p} - a^{q-p})"),
        lemma(theorem1.robin_hood_pair_term, "D1.pair_term")
        + ": (ab)^{p-1}(a+b)(b^{q-p} - a^{q-p}) < 0 for a > b > 0; f(0) > 0 and the denominators are > 0, "
          "so the printed f'(0) < 0",
    )


def _printed_f_prime_at(example):
    """The printed f'(0) (line 3, pair only) at the example's w_i, w_j, p, q."""
    sp, p, q, delta, wi, wj, t, a, b, N, D, f_ab, dN, dD, line1, bracket2, factor3 = _d1()
    w = [sp.Rational(x) for x in example["before"]]
    pv, qv = sp.Rational(example["p"]), sp.Rational(example["q"])
    return (f_ab * factor3).subs({p: pv, delta: qv - pv, a: w[example["i"]], b: w[example["j"]]})


@cached
def d1_reduction():
    example = counterexamples.P_ABOVE_ONE
    printed = _printed_f_prime_at(example)
    change = (theorem1.exact_pqi(example["after"], example["p"], example["q"])
              - theorem1.exact_pqi(example["before"], example["p"], example["q"]))
    return Outcome(REFUTED, "; ".join((
        true_at(printed, "<", {}, "the printed f'(0) (w_i = 1, w_j = 1/2 only) at p = 2, q = 3"),
        false_at(change, "<", {}, "yet D1 on w = (1, 1/2, 10, 10), t = 1/10: I(after) - I(before) < 0"),
        "the coordinates the printed f leaves out decide the sign (D1.derivative keeps them as A, B)")),
        {**example, "printed_f_prime_0": str(printed)})


# --- D3 ---------------------------------------------------------------------------------

@cached
def d3_reduction():
    sp, p, q, delta, d = _symbols()
    Sp, Sq = sp.symbols("S_p S_q", positive=True)
    f = Sq ** (1 / q) / Sp ** (1 / p)
    return proof(
        identity(1 - d ** (1 / q - 1 / p) / f, theorem1.pqi(d, Sp, Sq, p, q),
                 "I(w + t) = 1 - d^{1/q-1/p}/f(t), f(t) = ||w+t||_q/||w+t||_p: I decreases exactly where f does"),
    )


@cached
def d3_f_prime():
    sp, i, d = theorem1.indexed()
    p, delta, t = sp.symbols("p delta t", positive=True)
    q = p + delta
    w = sp.IndexedBase("w", positive=True)

    def total(e):
        return sp.Sum(e, (i, 1, d))

    f = total((w[i] + t) ** q) ** (1 / q) / total((w[i] + t) ** p) ** (1 / p)
    printed = f.subs(t, 0) * (total(w[i] ** (q - 1)) / total(w[i] ** q) - total(w[i] ** (p - 1)) / total(w[i] ** p))
    return proof(identity(sp.diff(f, t).subs(t, 0), printed,
                          "f'(0) = f(0) [sum w^{q-1}/sum w^q - sum w^{p-1}/sum w^p] (general d, symbolic sums)"))


@cached
def d3_h_reduction():
    return proof(
        lemma(d3_f_prime, "B.T1.D3.f_prime_0") + ": f'(0) = f(0) (h(q) - h(p))",
        lemma(theorem1.rising_tide_h_decreasing, "D3.h_decreasing") + ": h(q) < h(p) for q > p, f(0) > 0, so f'(0) < 0",
    )


def _h_lines():
    """h'(t)'s printed lines for w = (1, 2) at t = 1, and their corrected second line."""
    import sympy as sp

    t = sp.symbols("t", positive=True)
    w = (sp.Integer(1), sp.Integer(2))
    h = sum(x ** (t - 1) for x in w) / sum(x**t for x in w)
    denominator = sum(x**t for x in w) ** 2
    line1 = (sum(x ** (t - 1) * sp.log(x) for x in w) * sum(x**t for x in w)
             - sum(x ** (t - 1) for x in w) * sum(x**t * sp.log(x) for x in w)) / denominator
    pairs = sum((w[i] - w[j]) * (sp.log(w[i]) - sp.log(w[j])) * w[i] ** (t - 1) * w[j] ** (t - 1)
                for i in range(2) for j in range(i + 1, 2))
    return sp, t, h, line1, pairs / denominator, -pairs / denominator


@cached
def d3_h_line1():
    return proof(lemma(theorem1.rising_tide_h_derivative, "D3.h_derivative")
                 + ": it checks this expression, printed line 1 with s for t and log for ln, against the quotient rule")


@cached
def d3_h_line2():
    sp, t, h, line1, printed, corrected = _h_lines()
    return Outcome(REFUTED, false_at(line1 - printed, "=", {t: 1}, "line 1 - line 2 at w = (1, 2), t = 1")
                   + f" (line 1 = {sp.simplify(line1.subs(t, 1))}, the printed line 2 = {printed.subs(t, 1)}): "
                   "the sum over i < j needs a minus sign",
                   {"w": ["1", "2"], "t": "1", "line1": str(sp.simplify(line1.subs(t, 1))),
                    "printed_line2": str(printed.subs(t, 1)), "corrected_line2": str(corrected.subs(t, 1))})


@cached
def d3_h_line2_corrected():
    return proof(
        lemma(d3_h_line1, "B.T1.D3.h_line1"),
        lemma(theorem1.rising_tide_symmetrisation, "D3.symmetrisation")
        + ": numerator = -sum_{i<j} (w_i - w_j)(ln w_i - ln w_j) w_i^{t-1} w_j^{t-1}",
    )


@cached
def d3_h_sign():
    sp, t, h, line1, printed, corrected = _h_lines()
    return Outcome(REFUTED, false_at(printed, "<", {t: 1}, "the printed line 2 at w = (1, 2), t = 1")
                   + ": (w_i - w_j)(ln w_i - ln w_j) >= 0, so the printed expression is >= 0, never < 0",
                   {"w": ["1", "2"], "t": "1", "printed_line2": str(printed.subs(t, 1))})


@cached
def d3_h_sign_corrected():
    return proof(
        lemma(d3_h_line2_corrected, "B.T1.D3.h_line2.corrected"),
        lemma(lemmas.log_pair, "L.log_pair") + ": each pair term is >= 0, > 0 for w_i != w_j, so "
        "-sum_{i<j}(...)/(sum w^t)^2 < 0 when the w_i are not all the same",
    )


@cached
def d3_h_domain():
    import sympy as sp

    t = sp.Rational(1, 2)
    w = (sp.Integer(0), sp.Integer(1))
    value = sum(x ** (t - 1) for x in w)
    if value.is_finite is not False:
        raise StepFailed(f"sum w_i^(t-1) at w = (0, 1), t = 1/2 is {value}, finite")
    return Outcome(REFUTED, f"at w = (0, 1), t = 1/2: sum w_i^(t-1) = {value} (0^(-1/2)) and ln(0) is undefined, so "
                   "h and h' are not defined for w_i >= 0; the argument needs w_i > 0 (x = w + alpha > 0 for "
                   "alpha > 0, then continuity at alpha = 0: D3.rising_tide)",
                   {"w": ["0", "1"], "t": "1/2", "sum_w_pow_t_minus_1": str(value)})


# --- Theorem 2, line by line ------------------------------------------------------------------

def _t2():
    import sympy as sp

    p, delta, r, SMp, SMq = sp.symbols("p delta r SM_p SM_q", positive=True)
    Rp, Rq, eta = sp.symbols("R_p R_q eta", nonnegative=True)
    return sp, p, p + delta, delta, r, SMp, SMq, Rp, Rq, eta


@cached
def t2_definition():
    return proof("||w||_p = (sum_{1<=i<=d} |w_i|^p)^{1/p}: the definition of the l_p norm (Definition 1)")


@cached
def t2_split():
    return proof("sum over 1..d = sum over M_r + sum over its complement (a partition of the indices)")


@cached
def t2_eta():
    sp, p, q, delta, r, SMp, SMq, Rp, Rq, eta = _t2()
    x = sp.symbols("x", positive=True)
    return proof(
        "the hypothesis sum_{not M_r} |w_i|^p <= eta_r sum_{M_r} |w_i|^p: SM_p + R_p <= SM_p + eta_r SM_p",
        sign(sp.diff(x ** (1 / p), x), "positive",
             "x -> x^{1/p} is increasing, so (SM_p + R_p)^{1/p} <= (SM_p + eta_r SM_p)^{1/p}"),
        identity((SMp + eta * SMp) ** (1 / p), SMp ** (1 / p) * (1 + eta) ** (1 / p),
                 "(SM_p + eta_r SM_p)^{1/p} = (SM_p)^{1/p} (1 + eta_r)^{1/p}, as printed"),
    )


@cached
def t2_holder():
    sp, p, q, delta, r, SMp, SMq, Rp, Rq, eta = _t2()
    return proof(
        lemma(theorem2.holder_on_m, "T2.holder") + ": SM_p <= r^{1-p/q} SM_q^{p/q}",
        identity((r ** (1 - p / q) * SMq ** (p / q)) ** (1 / p), SMq ** (1 / q) * r ** (1 / p - 1 / q),
                 "raised to 1/p: (SM_p)^{1/p} <= (SM_q)^{1/q} r^{1/p-1/q}; times (1+eta_r)^{1/p}, as printed"),
    )


@cached
def t2_tail():
    return proof(lemma(theorem2.tail, "T2.tail") + ": (SM_q)^{1/q} <= ||w||_q (x -> x^{1/p} increasing), "
                 "times r^{1/p-1/q} (1+eta_r)^{1/p} > 0, as printed")


@cached
def t2_rearrange():
    sp, p, q, delta, r, SMp, SMq, Rp, Rq, eta = _t2()
    d = sp.symbols("d", positive=True)
    e = q * p / delta
    return proof(
        lemma(theorem2.rearrange, "T2.rearrange"),
        identity(((1 + eta) ** (1 / p)) ** e * (1 + eta) ** (-q / delta), sp.Integer(1),
                 "the printed exponent -q/(q-p) cancels (1+eta_r)^{1/p} raised to qp/(q-p)"),
        identity((r ** (1 / p - 1 / q)) ** e, r, "(r^{1/p-1/q})^{qp/(q-p)} = r"),
        identity((d ** (1 / q - 1 / p)) ** e * d, sp.Integer(1), "d (d^{1/q-1/p})^{qp/(q-p)} = 1: the printed factor d"),
    )


OBLIGATIONS = (
    Obligation("B.T1.holder_left", "Hölder display, left: ||w||_q <= ||w||_p.",
               ("w != 0, zeros allowed", "0 < p < q"), PROVED, holder_left,
               Source(T1 + ", range", r"\|w\|_q \leq \|w\|_p"), ("L.norm_monotone",)),
    Obligation("B.T1.holder_right", "Hölder display, right: ||w||_p <= d^{1/p-1/q} ||w||_q.",
               ("w in R^d, w != 0", "0 < p < q"), PROVED, holder_right,
               Source(T1 + ", range", r"\|w\|_p \leq d^{\frac{1}{p} - \frac{1}{q}} \|w\|_q"),
               ("L.holder_power_mean",)),
    Obligation("B.T1.range", "From the Hölder display: I(w) in [0, 1 - d^{1/q-1/p}].",
               ("w != 0", "0 < p < q"), PROVED, range_from_holder,
               Source(T1 + ", range", r"I(w) \in [0, 1 - d^{\frac{1}{q} - \frac{1}{p}}]"), ("T1.bounds",)),
    Obligation("B.T1.reduction_to_S",
               "f(x) = 1 - 1/x is increasing, so D1-D4 for I are D1-D4 for S(w) = d^{1/p-1/q} ||w||_q/||w||_p.",
               ("w != 0", "0 < p < q"), PROVED, reduction_to_s,
               Source(T1, r"S(w) = d^{\frac{1}{p} - \frac{1}{q}} \|w\|_q / \|w\|_p")),
    Obligation("B.T1.D2_D4", "D2 holds for S by homogeneity and D4 is clear from the definition of S.",
               ("w != 0", "0 < p < q"), PROVED, s_scaling_and_cloning,
               Source(T1 + ", (D2) and (D4)", "(D2) Scaling is automatically satisfied for $S(w)$"),
               ("D2.scaling", "D4.cloning")),
    Obligation("B.T1.D1.reduction",
               "D1 follows from the printed f'(0) < 0, f(t) = {(w_i-t)^q + (w_j+t)^q}^{1/q} / "
               "{(w_i-t)^p + (w_j+t)^p}^{1/p} (the other coordinates left out).",
               ("w_i > w_j > 0", "any d", "0 < p < q"), REFUTED, d1_reduction,
               Source(T1 + ", (D1)",
                      r"f(t) = \frac{\{(w_i - t)^q + (w_j + t)^q\}^{1/q}}{\{(w_i - t)^p + (w_j + t)^p\}^{1/p}}"),
               ("D1.derivative", "D1.derivative_sign", "D1.two_entries", "D1.p_le_1_le_q")),
    Obligation("B.T1.D1.line1", "f'(t), first line: the quotient rule as printed.",
               ("a = w_i - t > 0, b = w_j + t > 0", "0 < p < q"), PROVED, d1_line1,
               Source(T1 + ", (D1)",
                      r"f'(t) &= \frac{(a^q + b^q)^{\frac{1}{q}-1}(-a^{q-1} + b^{q-1})(a^p + b^p)^{1/p}}"
                      r"{(a^p + b^p)^{2/p}} \\ &\quad - \frac{(a^q + b^q)^{1/q}(a^p + b^p)^{\frac{1}{p}-1}"
                      r"(-a^{p-1} + b^{p-1})}{(a^p + b^p)^{2/p}}"),
               ("D1.derivative",)),
    Obligation("B.T1.D1.line2", "f'(t), second line: f(t) times the difference of the two log-derivatives.",
               ("a, b > 0", "0 < p < q"), PROVED, d1_line2,
               Source(T1 + ", (D1)", r"&= f(t) \left[\frac{-a^{q-1} + b^{q-1}}{a^q + b^q} - "
                                     r"\frac{-a^{p-1} + b^{p-1}}{a^p + b^p} \right]"),
               ("D1.derivative",)),
    Obligation("B.T1.D1.line3", "f'(t), third line: the factorised form.",
               ("a, b > 0", "0 < p < q"), PROVED, d1_line3,
               Source(T1 + ", (D1)", r"&= f(t) \frac{(a^{p-q} - b^{p-q})(a + b)a^{q-1}b^{q-1}}{(a^q + b^q)(a^p + b^p)}"),
               ("D1.derivative", "D1.pair_term")),
    Obligation("B.T1.D1.sign", "At t = 0, f(0) > 0 and a > b > 0, so the printed f'(0) < 0.",
               ("a > b > 0", "0 < p < q"), PROVED, d1_sign,
               Source(T1 + ", (D1)", r"Note that when $t = 0$, $f(0) > 0$ and $a > b > 0$. Thus, $f'(t) < 0$."),
               ("D1.pair_term",)),
    Obligation("B.T1.D3.reduction", "D3 holds if f(t) = ||w+t||_q/||w+t||_p has f'(t) < 0.",
               ("w != 0", "0 < p < q"), PROVED, d3_reduction,
               Source(T1 + ", (D3)", r"f(t) = \frac{(\sum_{i=1}^d (w_i + t)^q)^{1/q}}{(\sum_{i=1}^d (w_i + t)^p)^{1/p}}"),
               ("D3.derivative",)),
    Obligation("B.T1.D3.f_prime_0", "The displayed f'(0) = f(0)[sum w^{q-1}/sum w^q - sum w^{p-1}/sum w^p].",
               ("w_i > 0", "general d", "0 < p < q"), PROVED, d3_f_prime,
               Source(T1 + ", (D3)", r"f'(0) = f(0) \left[\frac{\sum_{i=1}^d w_i^{q-1}}{\sum_{i=1}^d w_i^q} - "
                                     r"\frac{\sum_{i=1}^d w_i^{p-1}}{\sum_{i=1}^d w_i^p} \right]"),
               ("D3.derivative",)),
    Obligation("B.T1.D3.h_reduction", "f'(0) < 0 follows from h(t) = sum w^{t-1}/sum w^t decreasing.",
               ("w_i > 0, not all the same", "0 < p < q"), PROVED, d3_h_reduction,
               Source(T1 + ", (D3)", r"h(t) = (\sum_{i=1}^d w_i^{t-1})/(\sum_{i=1}^d w_i^t)"),
               ("D3.h_decreasing", "D3.rising_tide")),
    Obligation("B.T1.D3.h_domain", "h'(t) as displayed is defined for w_i >= 0 (the printed hypothesis).",
               ("w_i >= 0, not all the same", "t > 0"), REFUTED, d3_h_domain,
               Source(T1 + ", (D3)", r"since $w_i \geq 0$ and w_i 's are not all the same"),
               ("D3.h_derivative", "D3.rising_tide")),
    Obligation("B.T1.D3.h_line1", "h'(t), first line: the quotient rule as printed.",
               ("w_i > 0", "general d"), PROVED, d3_h_line1,
               Source(T1 + ", (D3)", r"h'(t) &= \frac{(\sum_{i=1}^d w_i^{t-1} \ln(w_i))(\sum_{i=1}^d w_i^t) - "
                                     r"(\sum_{i=1}^d w_i^{t-1})(\sum_{i=1}^d w_i^t \ln(w_i))}{(\sum_{i=1}^d w_i^t)^2}"),
               ("D3.h_derivative",)),
    Obligation("B.T1.D3.h_line2", "h'(t), second line as printed: = sum_{i<j} (w_i - w_j)(ln w_i - ln w_j) "
               "w_i^{t-1} w_j^{t-1} / (sum w^t)^2.",
               ("w_i > 0", "general d"), REFUTED, d3_h_line2,
               Source(T1 + ", (D3)", r"&= \frac{\sum_{1 \leq i < j \leq d} (w_i - w_j)(\ln(w_i) - \ln(w_j))"
                                     r"w_i^{t-1}w_j^{t-1}}{(\sum_{i=1}^d w_i^t)^2}"),
               ("B.T1.D3.h_line2.corrected", "D3.symmetrisation")),
    Obligation("B.T1.D3.h_line2.corrected", "h'(t) = -sum_{i<j} (w_i - w_j)(ln w_i - ln w_j) w_i^{t-1} w_j^{t-1} "
               "/ (sum w^t)^2 (the printed line with its sign corrected).",
               ("w_i > 0", "general d"), PROVED, d3_h_line2_corrected,
               Source(T1 + ", (D3), corrected", r"&= \frac{\sum_{1 \leq i < j \leq d} (w_i - w_j)(\ln(w_i) - \ln(w_j))"
                                                r"w_i^{t-1}w_j^{t-1}}{(\sum_{i=1}^d w_i^t)^2}"),
               ("D3.h_derivative", "D3.symmetrisation")),
    Obligation("B.T1.D3.h_sign", "The printed second line of h'(t) is < 0.",
               ("w_i > 0, not all the same",), REFUTED, d3_h_sign,
               Source(T1 + ", (D3)", r"{(\sum_{i=1}^d w_i^t)^2} < 0"),
               ("B.T1.D3.h_sign.corrected",)),
    Obligation("B.T1.D3.h_sign.corrected", "h'(t) < 0 (with the corrected second line).",
               ("w_i > 0, not all the same", "t > 0"), PROVED, d3_h_sign_corrected,
               Source(T1 + ", (D3), corrected", r"{(\sum_{i=1}^d w_i^t)^2} < 0"),
               ("D3.h_decreasing", "L.log_pair")),
    Obligation("B.T2.line1_definition", "||w||_p = (sum_{1<=i<=d} |w_i|^p)^{1/p}.", ("p > 0",), PROVED, t2_definition,
               Source(T2, r"\|w\|_p &= \left(\sum_{1 \leq i \leq d} |w_i|^p \right)^{\frac{1}{p}}")),
    Obligation("B.T2.line1_split", "(sum_{1<=i<=d} |w_i|^p)^{1/p} = (sum_{M_r} |w_i|^p + sum_{not M_r} |w_i|^p)^{1/p}.",
               ("M_r a set of indices",), PROVED, t2_split,
               Source(T2, r"= \left(\sum_{i \in M_r} |w_i|^p + \sum_{i \notin M_r} |w_i|^p \right)^{\frac{1}{p}}"),
               ("T2.split",)),
    Obligation("B.T2.line2_eta", "<= (sum_{M_r} |w_i|^p + eta_r sum_{M_r} |w_i|^p)^{1/p} = (sum_{M_r} |w_i|^p)^{1/p} "
               "(1 + eta_r)^{1/p}.",
               ("sum_{not M_r} |w_i|^p <= eta_r sum_{M_r} |w_i|^p", "SM_p > 0", "p > 0"), PROVED, t2_eta,
               Source(T2, r"&\leq \left(\sum_{i \in M_r} |w_i|^p + \eta_r \sum_{i \in M_r} |w_i|^p \right)^{\frac{1}{p}}"
                          r" = \left(\sum_{i \in M_r} |w_i|^p \right)^{\frac{1}{p}} (1 + \eta_r)^{\frac{1}{p}}"),
               ("T2.split",)),
    Obligation("B.T2.line3_holder", "<= (sum_{M_r} |w_i|^q)^{1/q} r^{1/p-1/q} (1 + eta_r)^{1/p}.",
               ("r = |M_r| >= 1", "0 < p < q"), PROVED, t2_holder,
               Source(T2, r"&\leq \left(\sum_{i \in M_r} |w_i|^q \right)^{\frac{1}{q}} r^{\frac{1}{p} - \frac{1}{q}} "
                          r"(1 + \eta_r)^{\frac{1}{p}}"),
               ("T2.holder", "L.holder_power_mean")),
    Obligation("B.T2.line3_tail", "<= ||w||_q r^{1/p-1/q} (1 + eta_r)^{1/p}.",
               ("0 < p < q",), PROVED, t2_tail,
               Source(T2, r"\leq \|w\|_q r^{\frac{1}{p} - \frac{1}{q}} (1 + \eta_r)^{\frac{1}{p}}"),
               ("T2.tail", "T2.chain")),
    Obligation("B.T2.rearrange", "Rearranging: r >= d (1 + eta_r)^{-q/(q-p)} [1 - I(w)]^{qp/(q-p)}, as printed.",
               ("r >= 1", "SM_p > 0", "0 < p < q", "w != 0"), PROVED, t2_rearrange,
               Source(T2, r"r \geq d(1 + \eta_r)^{-q/(q-p)} [1 - \mathbf{I}(w)]^{\frac{qp}{q-p}}"),
               ("T2.rearrange", "T2.chain")),
)
