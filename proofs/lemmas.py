"""Term-wise lemmas: one-variable inequalities sympy proves (Taylor at a point, signs from
assumptions), to which the sums in the paper's proofs are reduced."""

from __future__ import annotations

from .core import Obligation, cached, identity, lemma, proof, sign, taylor_positive, PROVED


@cached
def power_above_one():
    """(1+u)^e > 1 for u > 0, e > 0."""
    import sympy as sp

    u, e = sp.symbols("u e", positive=True)
    return proof(taylor_positive((1 + u) ** e - 1, u, 1, "(1+u)^e - 1 > 0"))


@cached
def power_at_least_one():
    """(1+u)^e >= 1 for u > 0, e >= 0."""
    import sympy as sp

    u = sp.symbols("u", positive=True)
    e = sp.symbols("e", nonnegative=True)
    return proof(taylor_positive((1 + u) ** e - 1, u, 1, "(1+u)^e - 1 >= 0", strict=False))


@cached
def weighted_am_gm():
    """t^a <= a t + 1 - a for t >= 0, 0 < a < 1 (a = 1/(1+k), k > 0), equality iff t = 1."""
    import sympy as sp

    u, k = sp.symbols("u k", positive=True)
    a = 1 / (1 + k)
    above = a * (1 + u) + 1 - a - (1 + u) ** a
    below = (1 + u) * (a / (1 + u) + 1 - a) - (1 + u) ** (1 - a)
    return proof(
        taylor_positive(above, u, 2, "t = 1+u > 1: a t + 1 - a - t^a > 0"),
        taylor_positive(below, u, 2, "t = 1/(1+u) < 1: (1+u)(a t + 1 - a - t^a) > 0"),
        sign(1 - a, "positive", "t = 0: a*0 + 1 - a - 0^a = 1 - a > 0"),
        identity(a * 1 + 1 - a, sp.Integer(1) ** a, "t = 1: equality"),
    )


@cached
def log_pair():
    """(x - y)(log x - log y) > 0 for x != y, x, y > 0."""
    import sympy as sp

    y, u = sp.symbols("y u", positive=True)
    x = sp.symbols("x", positive=True)
    pair = (x - y) * (sp.log(x) - sp.log(y))
    shifted = sp.expand_log(pair.subs(x, y * (1 + u)), force=False)
    return proof(
        identity(pair, pair.subs({x: y, y: x}, simultaneous=True), "symmetric in x, y (so x > y suffices)"),
        identity(shifted, y * u * sp.log(1 + u), "x = y(1+u), u > 0: (x-y)(log x - log y) = y u log(1+u)"),
        sign(y * u * sp.log(1 + u), "positive", "y u log(1+u) > 0"),
    )


@cached
def holder_power_mean():
    """For n >= 1 entries x_i >= 0, not all 0, and 0 < p < q:
    sum x_i^p <= n^{1-p/q} (sum x_i^q)^{p/q}  (Hölder / power-mean), equality iff all x_i equal."""
    import sympy as sp

    x, m, n, p, delta, t = sp.symbols("x m n p delta t", positive=True)
    q = p + delta
    a = p / q
    y = x**q
    return proof(
        identity(a, 1 / (1 + delta / p), "a = p/q = 1/(1+k) with k = (q-p)/p > 0, as in the AM-GM lemma"),
        identity(y**a, x**p, "x_i^p = (x_i^q)^{p/q}"),
        identity(m**a * (y / m) ** a, y**a, "x_i^p = m^a (y_i/m)^a with y_i = x_i^q, m = mean of y (> 0)"),
        lemma(weighted_am_gm, "weighted AM-GM") + " at t_i = y_i/m: x_i^p <= m^a (a y_i/m + 1 - a)",
        identity(m**a * (a * (n * m) / m + n * (1 - a)), n ** (1 - a) * (n * m) ** a,
                 "summing over the n entries (sum y_i = n m): sum m^a (a y_i/m + 1 - a) = n^{1-a} (sum y_i)^a"),
    )


@cached
def norm_monotone():
    """||x||_q <= ||x||_p for 0 < p < q and x != 0 (zeros allowed), equality iff x has one
    non-zero entry."""
    import sympy as sp

    u, p, delta = sp.symbols("u p delta", positive=True)
    q = p + delta
    y = 1 / (1 + u)
    return proof(
        "normalise y_i = x_i/||x||_p in [0, 1] (homogeneity, obligation D2.scaling), so sum y_i^p = 1",
        identity(y**p - y**q, (1 + u) ** (-q) * ((1 + u) ** delta - 1),
                 "0 < y_i = 1/(1+u) < 1: y^p - y^q = (1+u)^{-q} ((1+u)^{q-p} - 1)"),
        lemma(power_above_one, "(1+u)^e > 1") + ": so y_i^q < y_i^p; y_i in {0, 1}: equal",
        identity(sp.Integer(0) ** q, sp.Integer(0) ** p, "y_i = 0 (a zero entry): 0^q = 0^p"),
        "summing: sum y_i^q <= sum y_i^p = 1, hence ||y||_q <= 1 = ||y||_p",
    )


LEMMAS = (
    Obligation("L.power_above_one", "(1+u)^e > 1 for u > 0, e > 0.",
               ("u > 0", "e > 0"), PROVED, power_above_one),
    Obligation("L.power_at_least_one", "(1+u)^e >= 1 for u > 0, e >= 0.",
               ("u > 0", "e >= 0"), PROVED, power_at_least_one),
    Obligation("L.weighted_am_gm", "Weighted AM-GM: t^a <= a t + 1 - a, equality iff t = 1.",
               ("t >= 0", "0 < a < 1"), PROVED, weighted_am_gm),
    Obligation("L.log_pair", "(x - y)(log x - log y) > 0 for distinct x, y.",
               ("x > 0", "y > 0", "x != y"), PROVED, log_pair),
    Obligation("L.holder_power_mean",
               "Hölder / power mean on n entries: sum x_i^p <= n^{1-p/q} (sum x_i^q)^{p/q}.",
               ("n >= 1 entries", "x_i >= 0, not all zero (zeros allowed)", "0 < p < q"),
               PROVED, holder_power_mean),
    Obligation("L.norm_monotone", "||x||_q <= ||x||_p (l_p norms decrease in p).",
               ("x != 0, zeros allowed", "0 < p < q"), PROVED, norm_monotone),
)
