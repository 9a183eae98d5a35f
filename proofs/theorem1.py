"""Theorem 1 of Diao et al. (2023): the range of I_{p,q} and the six Hurley-Rickard properties,
step by step.  Notation: w in R^d (zeros allowed, w != 0), S_t = sum_k |w_k|^t, and

    I_{p,q}(w) = 1 - d^{1/q-1/p} S_p^{1/p} / S_q^{1/q},     0 < p < q  (q = p + delta).

Coordinates a step does not touch are the symbols A = sum_{k not touched} |w_k|^p and
B = sum_{k not touched} |w_k|^q (>= 0; 0 exactly when those coordinates are all 0).
"""

from __future__ import annotations

from .core import (PROVED, REFUTED, Obligation, Outcome, Source, cached, false_at, identity, lemma,
                   proof, sign, taylor_positive)
from . import counterexamples, lemmas


def _symbols():
    import sympy as sp

    p, delta, d, Sp, Sq = sp.symbols("p delta d S_p S_q", positive=True)
    return sp, p, p + delta, delta, d, Sp, Sq


def pqi(d, Sp, Sq, p, q):
    """I_{p,q} as a function of d and the power sums."""
    return 1 - d ** (1 / q - 1 / p) * Sp ** (1 / p) / Sq ** (1 / q)


# --- range ---------------------------------------------------------------------------------

@cached
def lower_bound():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    theta, v = sp.symbols("theta v", positive=True)
    holder_sp = d ** (1 - p / q) * Sq ** (p / q) * theta
    return proof(
        identity((1 - pqi(d, Sp, Sq, p, q)) ** p, d ** (p / q - 1) * Sp / Sq ** (p / q),
                 "(1 - I)^p = d^{p/q-1} S_p / S_q^{p/q}"),
        lemma(lemmas.holder_power_mean, "Hölder (n = d)")
        + ": S_p = d^{1-p/q} S_q^{p/q} theta with 0 < theta <= 1 (zeros allowed)",
        identity((1 - pqi(d, holder_sp, Sq, p, q)) ** p, theta, "so (1 - I)^p = theta"),
        identity(1 - (1 + v) ** (-1 / p), ((1 + v) ** (1 / p) - 1) / (1 + v) ** (1 / p),
                 "theta = 1/(1+v), v >= 0: I = 1 - theta^{1/p} = ((1+v)^{1/p} - 1)/(1+v)^{1/p}"),
        lemma(lemmas.power_at_least_one, "(1+v)^e >= 1") + ": I >= 0 (= 0 iff theta = 1 iff all |w_i| equal)",
    )


@cached
def upper_bound():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    v = sp.symbols("v", nonnegative=True)
    ceiling = 1 - d ** (1 / q - 1 / p)
    norm_ratio_sp = ((1 + v) * Sq ** (1 / q)) ** p
    return proof(
        lemma(lemmas.norm_monotone, "||w||_q <= ||w||_p")
        + ": S_p^{1/p} = (1 + v) S_q^{1/q} with v >= 0 (zeros allowed)",
        identity(ceiling - pqi(d, norm_ratio_sp, Sq, p, q), d ** (1 / q - 1 / p) * v,
                 "(1 - d^{1/q-1/p}) - I = d^{1/q-1/p} v"),
        sign(d ** (1 / q - 1 / p) * v, "nonnegative", "d^{1/q-1/p} v >= 0"),
    )


@cached
def bounds():
    return proof(lemma(lower_bound, "T1.lower_bound"), lemma(upper_bound, "T1.upper_bound"))


# --- D1 Robin Hood -------------------------------------------------------------------------

def _robin_hood():
    """f(t) = ||w(t)||_q / ||w(t)||_p along w_i -> a = w_i - t, w_j -> b = w_j + t (a > b > 0)."""
    sp, p, q, delta, d, Sp, Sq = _symbols()
    a, b, u, t = sp.symbols("a b u t", positive=True)
    A, B = sp.symbols("A B", nonnegative=True)
    wi, wj = sp.symbols("w_i w_j")
    numerator = ((a * b) ** (p - 1) * (a + b) * (b**delta - a**delta)
                 + A * (b ** (q - 1) - a ** (q - 1)) - B * (b ** (p - 1) - a ** (p - 1)))
    return sp, p, q, delta, a, b, u, t, A, B, wi, wj, numerator


@cached
def robin_hood_derivative():
    sp, p, q, delta, a, b, u, t, A, B, wi, wj, numerator = _robin_hood()
    s_p = (wi - t) ** p + (wj + t) ** p + A
    s_q = (wi - t) ** q + (wj + t) ** q + B
    log_f = sp.log(s_q) / q - sp.log(s_p) / p
    at = {wi: a + t, wj: b - t}
    derivative = sp.diff(log_f, t).subs(at)
    Sa_p, Sa_q = s_p.subs(at), s_q.subs(at)
    stated = (b ** (q - 1) - a ** (q - 1)) / Sa_q - (b ** (p - 1) - a ** (p - 1)) / Sa_p
    return proof(
        identity(derivative, stated, "(log f)'(t) = (b^{q-1} - a^{q-1})/S_q - (b^{p-1} - a^{p-1})/S_p"),
        identity(Sa_p * Sa_q * stated, numerator,
                 "S_p S_q (log f)' = (ab)^{p-1}(a+b)(b^{q-p} - a^{q-p}) + A(b^{q-1} - a^{q-1}) - B(b^{p-1} - a^{p-1})"),
    )


@cached
def robin_hood_pair_term():
    sp, p, q, delta, a, b, u, t, A, B, wi, wj, numerator = _robin_hood()
    pair = numerator.subs({A: 0, B: 0}).subs(a, b * (1 + u))
    coefficient = -(b * b * (1 + u)) ** (p - 1) * b * (2 + u) * b**delta
    return proof(
        identity(pair, coefficient * ((1 + u) ** delta - 1),
                 "a = b(1+u): (ab)^{p-1}(a+b)(b^d - a^d) = -(ab)^{p-1}(a+b) b^d ((1+u)^d - 1), d = q-p"),
        sign(coefficient, "negative", "-(ab)^{p-1}(a+b) b^{q-p} < 0"),
        lemma(lemmas.power_above_one, "(1+u)^e > 1") + ": the pair term is < 0",
    )


@cached
def robin_hood_two_entries():
    return proof(
        lemma(robin_hood_derivative, "D1.derivative"),
        "d = 2: no other coordinate, A = B = 0, so S_p S_q (log f)' is the pair term",
        lemma(robin_hood_pair_term, "D1.pair_term") + ": f strictly decreases, I strictly decreases",
    )


@cached
def robin_hood_p_le_1_le_q():
    import sympy as sp

    b, u = sp.symbols("b u", positive=True)
    A, B, k, e = sp.symbols("A B k e", nonnegative=True)
    p, q = 1 / (1 + k), 1 + e
    a = b * (1 + u)
    c = 1 - p
    a_term = A * (b ** (q - 1) - a ** (q - 1))
    b_term = -B * (b ** (p - 1) - a ** (p - 1))
    return proof(
        lemma(robin_hood_derivative, "D1.derivative"),
        lemma(robin_hood_pair_term, "D1.pair_term") + " (pair term < 0 for every 0 < p < q)",
        identity(a_term, -A * b**e * ((1 + u) ** e - 1), "q = 1 + e: A(b^{q-1} - a^{q-1}) = -A b^e ((1+u)^e - 1)"),
        sign(-A * b**e, "nonpositive", "-A b^e <= 0"),
        identity(b_term, -B * b ** (p - 1) * ((1 + u) ** c - 1) / (1 + u) ** c,
                 "p = 1/(1+k), c = 1 - p in [0,1): -B(b^{p-1} - a^{p-1}) = -B b^{p-1} ((1+u)^c - 1)/(1+u)^c"),
        sign(-B * b ** (p - 1) / (1 + u) ** c, "nonpositive", "-B b^{p-1}/(1+u)^c <= 0"),
        sign(c, "nonnegative", "c = 1 - p >= 0"),
        lemma(lemmas.power_at_least_one, "(1+u)^e >= 1")
        + ": both terms of the other coordinates are <= 0, so (log f)' < 0: I strictly decreases",
    )


@cached
def robin_hood_fails_above_one():
    sp, p, q, delta, a, b, u, t, A, B, wi, wj, numerator = _robin_hood()
    e, M = sp.symbols("e M", positive=True)
    at = {p: 1 + e}
    large = sp.expand((numerator.subs({A: M**p, B: M**q}) / M**q).subs(at))
    limit = sp.limit(large, M, sp.oo)
    return proof(
        lemma(robin_hood_derivative, "D1.derivative"),
        identity(limit, a**e - b**e, "w = (a, b, M), p = 1 + e: lim_{M -> oo} S_p S_q (log f)'(0) / M^q = a^{p-1} - b^{p-1}"),
        identity((a**e - b**e).subs(a, b * (1 + u)), b**e * ((1 + u) ** e - 1), "a = b(1+u): a^e - b^e = b^e ((1+u)^e - 1)"),
        lemma(lemmas.power_above_one, "(1+u)^e > 1")
        + ": for M large f'(0) > 0, so a small Robin Hood transfer a -> a - t, b -> b + t increases I",
    )


@cached
def robin_hood_fails_below_one():
    sp, p, q, delta, a, b, u, t, A, B, wi, wj, numerator = _robin_hood()
    k, M, K = sp.symbols("k M K", positive=True)
    pair = numerator.subs({A: 0, B: 0})
    gain = b ** (q - 1) - a ** (q - 1)
    below_one = {p: 1 / (1 + k) - delta}
    c = k / (1 + k)
    return proof(
        lemma(robin_hood_derivative, "D1.derivative"),
        identity(sp.limit(numerator.subs({A: K, B: K * M**delta}), M, 0), pair + K * gain,
                 "w = (a, b, n copies of M), A = n M^p = K, B = K M^{q-p}: lim_{M -> 0} S_p S_q (log f)'(0) "
                 "= pair + K (b^{q-1} - a^{q-1})"),
        identity(gain.subs(below_one).subs(a, b * (1 + u)), b ** (-c) * ((1 + u) ** c - 1) / (1 + u) ** c,
                 "q = 1/(1+k) < 1, a = b(1+u), c = 1 - q: b^{q-1} - a^{q-1} = b^{-c} ((1+u)^c - 1)/(1+u)^c > 0"),
        lemma(lemmas.power_above_one, "(1+u)^e > 1"),
        lemma(robin_hood_pair_term, "D1.pair_term") + ": pair < 0",
        identity((pair + K * gain).subs(K, (1 - pair) / gain), 1,
                 "K = (1 - pair)/(b^{q-1} - a^{q-1}) (> 0) makes the limit 1 > 0: for n = K M^{-p} copies "
                 "of a small M, f'(0) > 0 and a small Robin Hood transfer increases I"),
    )


# --- D2, D4, P2: exact identities in d and the power sums ---------------------------------

@cached
def scaling():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    lam, x = sp.symbols("lambda x", positive=True)
    return proof(
        identity((lam * x) ** p, lam**p * x**p, "|lambda w_k|^t = lambda^t |w_k|^t, so S_t -> lambda^t S_t"),
        identity(pqi(d, lam**p * Sp, lam**q * Sq, p, q), pqi(d, Sp, Sq, p, q), "I(lambda w) = I(w)"),
    )


@cached
def cloning():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    return proof(identity(pqi(2 * d, 2 * Sp, 2 * Sq, p, q), pqi(d, Sp, Sq, p, q),
                          "w||w: d -> 2d, S_t -> 2 S_t, I(w||w) = I(w)"))


@cached
def babies():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    e, u = sp.symbols("e u", positive=True)
    gain = (d ** (-e) - (d + 1) ** (-e)) * Sp ** (1 / p) / Sq ** (1 / q)
    return proof(
        sign(1 / p - 1 / q, "positive", "e = 1/p - 1/q > 0"),
        identity(pqi(d + 1, Sp, Sq, p, q) - pqi(d, Sp, Sq, p, q),
                 gain.subs(e, 1 / p - 1 / q),
                 "w||0: d -> d+1, sums unchanged: I(w||0) - I(w) = (d^{-e} - (d+1)^{-e}) S_p^{1/p}/S_q^{1/q}"),
        taylor_positive(d ** (-e) - (d + u) ** (-e), u, 1, "d^{-e} - (d+u)^{-e} > 0 for u > 0 (u = 1)"),
    )


# --- D3 Rising Tide ------------------------------------------------------------------------

def indexed():
    """sympy, an index i and a length d (positive integers) for symbolic sums over 1..d."""
    import sympy as sp

    i = sp.symbols("i", integer=True, positive=True)
    d = sp.symbols("d", integer=True, positive=True)
    return sp, i, d


@cached
def rising_tide_derivative():
    sp, i, d = indexed()
    p, delta, alpha = sp.symbols("p delta alpha", positive=True)
    q = p + delta
    w = sp.IndexedBase("w", nonnegative=True)

    def power_sum(t):
        return sp.Sum((w[i] + alpha) ** t, (i, 1, d))

    log_ratio = sp.log(power_sum(p)) / p - sp.log(power_sum(q)) / q
    h_p_minus_h_q = power_sum(p - 1) / power_sum(p) - power_sum(q - 1) / power_sum(q)
    return proof(identity(sp.diff(log_ratio, alpha), h_p_minus_h_q,
                          "d/dalpha log(||w+alpha||_p/||w+alpha||_q) = h(p) - h(q), "
                          "h(s) = sum x_k^{s-1}/sum x_k^s, x = w + alpha > 0 (general d, symbolic sums)"))


@cached
def rising_tide_h_derivative():
    sp, i, d = indexed()
    s = sp.symbols("s", positive=True)
    x = sp.IndexedBase("x", positive=True)

    def total(f):
        return sp.Sum(f, (i, 1, d))

    h = total(x[i] ** (s - 1)) / total(x[i] ** s)
    stated = (total(x[i] ** (s - 1) * sp.log(x[i])) * total(x[i] ** s)
              - total(x[i] ** (s - 1)) * total(x[i] ** s * sp.log(x[i]))) / total(x[i] ** s) ** 2
    return proof(identity(sp.diff(h, s), stated,
                          "h'(s) = [sum x^{s-1} log x * sum x^s - sum x^{s-1} * sum x^s log x] / (sum x^s)^2"))


@cached
def rising_tide_symmetrisation():
    import sympy as sp

    s = sp.symbols("s", positive=True)
    xi, xj = sp.symbols("x_i x_j", positive=True)

    def term(y, z):
        return y ** (s - 1) * sp.log(y) * z**s - y ** (s - 1) * z**s * sp.log(z)

    def pair(y, z):
        return y ** (s - 1) * z ** (s - 1) * (y - z) * (sp.log(y) - sp.log(z))

    xs = sp.symbols("x_1:4", positive=True)
    numerator = (sum(y ** (s - 1) * sp.log(y) for y in xs) * sum(y**s for y in xs)
                 - sum(y ** (s - 1) for y in xs) * sum(y**s * sp.log(y) for y in xs))
    return proof(
        "product of finite sums = double sum: numerator of h' = sum_{i,j} F_ij, "
        "F_ij = x_i^{s-1} x_j^s (log x_i - log x_j); reindexing i <-> j: = 1/2 sum_{i,j} (F_ij + F_ji)",
        identity(term(xi, xj) + term(xj, xi), -pair(xi, xj),
                 "F_ij + F_ji = -x_i^{s-1} x_j^{s-1} (x_i - x_j)(log x_i - log x_j)"),
        identity(numerator, -sum(pair(xs[m], xs[n]) for m in range(3) for n in range(m + 1, 3)),
                 "instance d = 3 expanded: numerator = -sum_{i<j} x_i^{s-1} x_j^{s-1} (x_i - x_j)(log x_i - log x_j)"),
    )


@cached
def rising_tide_h_decreasing():
    return proof(
        lemma(rising_tide_h_derivative, "D3.h_derivative"),
        lemma(rising_tide_symmetrisation, "D3.symmetrisation"),
        lemma(lemmas.log_pair, "L.log_pair")
        + ": every pair term is >= 0 and > 0 when x_i != x_j, so h'(s) < 0 for non-constant x",
    )


@cached
def rising_tide():
    return proof(
        lemma(rising_tide_derivative, "D3.derivative"),
        lemma(rising_tide_h_decreasing, "D3.h_decreasing")
        + ": h(p) > h(q) for p < q (mean value theorem), so ||w+alpha||_p/||w+alpha||_q strictly "
        "increases and I(w + alpha) strictly decreases in alpha > 0 (continuous at alpha = 0 with zeros)",
    )


# --- P1 Bill Gates -------------------------------------------------------------------------

@cached
def bill_gates():
    sp, p, q, delta, d, Sp, Sq = _symbols()
    x, A, B, x0, u = sp.symbols("x A B x_0 u", positive=True)
    g = sp.log(x**p + A) / p - sp.log(x**q + B) / q
    factored = x ** (p - 1) * (B - A * x**delta) / ((x**p + A) * (x**q + B))
    return proof(
        identity(sp.diff(g, x), factored,
                 "x = w_i + beta: d/dx log(S_p^{1/p}/S_q^{1/q}) = x^{p-1}(B - A x^{q-p}) / ((x^p + A)(x^q + B))"),
        identity((B - A * x**delta).subs({B: A * x0**delta, x: x0 * (1 + u)}),
                 -A * x0**delta * ((1 + u) ** delta - 1),
                 "x0 = (B/A)^{1/(q-p)}, x = x0(1+u): B - A x^{q-p} = -A x0^{q-p} ((1+u)^{q-p} - 1)"),
        sign(-A * x0**delta, "negative", "-A x0^{q-p} < 0 (A > 0)"),
        lemma(lemmas.power_above_one, "(1+u)^e > 1")
        + ": for x > x0 the ratio decreases, so I strictly increases: beta = max(0, x0 - w_i) works",
    )


# --- refutations -----------------------------------------------------------------------

def _derivative_sign_fails(example):
    """The paper's sign claim (log f)' < 0, evaluated at the start (t = 0) of the transfer."""
    def prove():
        sp, p, q, delta, a, b, u, t, A, B, wi, wj, numerator = _robin_hood()
        w = [sp.Rational(x) for x in example["before"]]
        i, j = example["i"], example["j"]
        pv, qv = sp.Rational(example["p"]), sp.Rational(example["q"])
        rest = [x for k, x in enumerate(w) if k not in (i, j)]
        values = {p: pv, delta: qv - pv, a: w[i], b: w[j],
                  A: sum(x**pv for x in rest), B: sum(x**qv for x in rest)}
        return Outcome(REFUTED, false_at(numerator, "<", values, "S_p S_q (log f)'(0) < 0"), example)

    return prove


def exact_pqi(w, p, q):
    """I_{p,q}(w) as an exact sympy number (``pqi`` at w; w, p, q given as rational strings)."""
    import sympy as sp

    p, q = sp.Rational(p), sp.Rational(q)
    w = [abs(sp.Rational(x)) for x in w]
    return pqi(sp.Integer(len(w)), sum(x**p for x in w), sum(x**q for x in w), p, q)


def _robin_hood_fails(example):
    """D1 itself: I(after the transfer) < I(before) fails at the example."""
    def prove():
        change = (exact_pqi(example["after"], example["p"], example["q"])
                  - exact_pqi(example["before"], example["p"], example["q"]))
        return Outcome(REFUTED, false_at(change, "<", {}, "I(after) - I(before) < 0"), example)

    return prove


OBLIGATIONS = (
    Obligation("T1.lower_bound", "0 <= I_{p,q}(w), via (1 - I)^p = d^{p/q-1} S_p/S_q^{p/q} and Hölder.",
               ("w in R^d, w != 0, zeros allowed", "0 < p < q"), PROVED, lower_bound),
    Obligation("T1.upper_bound", "I_{p,q}(w) <= 1 - d^{1/q-1/p}, via ||w||_q <= ||w||_p.",
               ("w in R^d, w != 0, zeros allowed", "0 < p < q"), PROVED, upper_bound),
    Obligation("T1.bounds", "Theorem 1 (range): 0 <= I_{p,q}(w) <= 1 - d^{1/q-1/p}.",
               ("w in R^d, w != 0, zeros allowed", "0 < p < q"), PROVED, bounds,
               Source("Section 3.1, Theorem 1", r"We have $0 \leq I_{p,q}(w) \leq 1 - d^{\frac{1}{q}-\frac{1}{p}}$")),
    Obligation("D1.derivative",
               "Robin Hood transfer t (a = w_i - t > b = w_j + t): the displayed f'(t) for "
               "f = ||w||_q/||w||_p and its factorisation, other coordinates kept as A, B.",
               ("a > b > 0", "A = sum_{k != i,j} |w_k|^p >= 0", "B = sum_{k != i,j} |w_k|^q >= 0",
                "0 < p < q"), PROVED, robin_hood_derivative),
    Obligation("D1.pair_term", "The pair term (ab)^{p-1}(a+b)(b^{q-p} - a^{q-p}) of f' is negative.",
               ("a > b > 0", "0 < p < q"), PROVED, robin_hood_pair_term),
    Obligation("D1.two_entries", "D1 (Robin Hood) holds for d = 2, every 0 < p < q.",
               ("d = 2", "0 < p < q"), PROVED, robin_hood_two_entries),
    Obligation("D1.p_le_1_le_q", "D1 (Robin Hood) holds for every d when p <= 1 <= q.",
               ("0 < p <= 1 <= q, p < q", "w_i > w_j >= 0, 0 < t < (w_i - w_j)/2", "any d, zeros allowed"),
               PROVED, robin_hood_p_le_1_le_q),
    Obligation("D1.fails_every_p_above_one",
               "For every 1 < p < q, a Robin Hood transfer increases I on some w (d = 3: (a, b, M), M large).",
               ("1 < p < q", "a > b > 0"), PROVED, robin_hood_fails_above_one),
    Obligation("D1.fails_every_q_below_one",
               "For every 0 < p < q < 1, a Robin Hood transfer increases I on some w "
               "(a, b and many copies of a small M).",
               ("0 < p < q < 1", "a > b > 0"), PROVED, robin_hood_fails_below_one),
    Obligation("D2.scaling", "D2 (Scaling): I(lambda w) = I(w).",
               ("lambda > 0", "w != 0", "0 < p < q"), PROVED, scaling),
    Obligation("D3.derivative",
               "Rising Tide: d/dalpha log(||w+alpha||_p/||w+alpha||_q) = h(p) - h(q), "
               "h(s) = sum (w_k+alpha)^{s-1} / sum (w_k+alpha)^s (power-mean derivative).",
               ("alpha > 0", "w_k >= 0", "0 < p < q", "general d (symbolic sums)"),
               PROVED, rising_tide_derivative),
    Obligation("D3.h_derivative", "The displayed h'(s) (quotient rule, symbolic sums).",
               ("x_k > 0", "general d"), PROVED, rising_tide_h_derivative),
    Obligation("D3.symmetrisation",
               "Numerator of h'(s) = -1/2 sum_{i,j} x_i^{s-1} x_j^{s-1} (x_i - x_j)(log x_i - log x_j).",
               ("x_k > 0",), PROVED, rising_tide_symmetrisation),
    Obligation("D3.h_decreasing", "h(s) is strictly decreasing in s for a non-constant x > 0.",
               ("x_k > 0, not all equal",), PROVED, rising_tide_h_decreasing),
    Obligation("D3.rising_tide", "D3 (Rising Tide): I(w + alpha) < I(w) for every 0 < p < q.",
               ("alpha > 0", "w >= 0 not constant, zeros allowed", "0 < p < q"), PROVED, rising_tide),
    Obligation("D4.cloning", "D4 (Cloning): I(w||w) = I(w).", ("w != 0", "0 < p < q"), PROVED, cloning),
    Obligation("P1.bill_gates",
               "P1 (Bill Gates): for each i there is beta with I increasing in w_i beyond w_i + beta.",
               ("A = sum_{k != i} |w_k|^p > 0 (some other entry non-zero)", "0 < p < q"), PROVED, bill_gates),
    Obligation("P2.babies", "P2 (Babies): I(w||0) > I(w).", ("w != 0", "0 < p < q"), PROVED, babies),
    Obligation("T1.all_six",
               "Theorem 1 as stated: I_{p,q} satisfies D1, D2, D3, D4, P1, P2 for every 0 < p < q.",
               ("0 < p < q", "w != 0"), REFUTED, _robin_hood_fails(counterexamples.P_ABOVE_ONE),
               Source("Section 3.1, Theorem 1", "satisfies all the six properties (D1)-(D4) and (P1), (P2)"),
               ("D1.p_le_1_le_q", "D1.fails_every_p_above_one", "D1.fails_every_q_below_one")),
    Obligation("D1.derivative_sign",
               "The D1 argument's sign claim: f'(t) < 0 along every Robin Hood transfer, every 0 < p < q.",
               ("a > b > 0", "0 < p < q", "any d"), REFUTED,
               _derivative_sign_fails(counterexamples.P_ABOVE_ONE)),
    Obligation("D1.p_above_one", "D1 (Robin Hood) holds for 1 < p < q.",
               ("1 < p < q",), REFUTED, _robin_hood_fails(counterexamples.P_ABOVE_ONE)),
    Obligation("D1.q_below_one", "D1 (Robin Hood) holds for 0 < p < q < 1.",
               ("0 < p < q < 1",), REFUTED, _robin_hood_fails(counterexamples.Q_BELOW_ONE)),
)


#: The obligation that settles each property of I_{p,q} for every 0 < p < q (D1: see below).
PROPERTY_OBLIGATIONS = {"D2": "D2.scaling", "D3": "D3.rising_tide", "D4": "D4.cloning",
                        "P1": "P1.bill_gates", "P2": "P2.babies"}


def property_obligation(prop: str, p, q) -> str:
    """Id of the proved obligation that decides property ``prop`` of I_{p,q} at (p, q): that it
    holds, or (D1 with p > 1 or q < 1) that it fails."""
    if prop != "D1":
        return PROPERTY_OBLIGATIONS[prop]
    if p > 1:
        return "D1.fails_every_p_above_one"
    if q < 1:
        return "D1.fails_every_q_below_one"
    return "D1.p_le_1_le_q"
