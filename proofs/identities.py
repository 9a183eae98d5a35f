"""Identities and ranges used elsewhere in the project: Gini's range, Hoyer and the pq-mean
as functions of I_{p,q}."""

from __future__ import annotations

from .core import PROVED, Obligation, cached, identity, proof, sign
from . import theorem1


@cached
def gini_range():
    import sympy as sp

    N, S, k, c = sp.symbols("N S k c", positive=True)
    m, g, E, D = sp.symbols("m g E D", nonnegative=True)
    i, j = sp.symbols("i j", integer=True)
    weight = 2 * N - 2 * k + 1
    W = S + E
    gini = 1 - W / (N * S)
    return proof(
        "G = 1 - W/(N S), W = sum_k c_(k)(2N - 2k + 1), S = sum_k c_(k) > 0, c ascending",
        identity(c * weight - c, 2 * c * (N - k), "c_(k)(2N-2k+1) - c_(k) = 2 c_(k)(N - k)"),
        sign((2 * c * (N - k)).subs(N, k + m), "nonnegative", "k <= N: 2 c_(k)(N-k) >= 0, so W = S + E, E >= 0"),
        identity(1 - 1 / N - gini, E / (N * S), "1 - 1/N - G = E/(N S)"),
        sign(E / (N * S), "nonnegative", "E/(N S) >= 0: G <= 1 - 1/N"),
        identity(N * c - c * weight, c * (2 * k - N - 1), "N c_(k) - c_(k)(2N-2k+1) = c_(k)(2k - N - 1)"),
        identity(sp.Sum(1, (i, 1, k - 1)).doit() - sp.Sum(1, (j, k + 1, N)).doit(), 2 * k - N - 1,
                 "c_(k)'s coefficient in sum_{i<j} (c_(j) - c_(i)) is #{i<k} - #{j>k} = 2k - N - 1, "
                 "so N S - W = sum_{i<j} (c_(j) - c_(i)) =: D"),
        sign(g, "nonnegative", "c ascending: c_(j) - c_(i) = g >= 0 for i < j, so D >= 0"),
        identity(gini.subs(E, N * S - D - S), D / (N * S), "G = D/(N S) >= 0"),
        sign(D / (N * S), "nonnegative", "G >= 0"),
    )


@cached
def hoyer():
    import sympy as sp

    N, L1, L2 = sp.symbols("N L1 L2", positive=True)
    root = sp.sqrt(N)
    return proof(identity((root - L1 / L2) / (root - 1),
                          root / (root - 1) * theorem1.pqi(N, L1, L2**2, sp.Integer(1), sp.Integer(2)),
                          "hoyer = (sqrt N - ||c||_1/||c||_2)/(sqrt N - 1) = sqrt N/(sqrt N - 1) I_{1,2}"))


@cached
def pq_mean():
    import sympy as sp

    p, delta, N, Sp, Sq = sp.symbols("p delta N S_p S_q", positive=True)
    q = p + delta

    def power_mean(s, t):
        return (s / N) ** (1 / t)

    return proof(identity(-power_mean(Sp, p) / power_mean(Sq, q), theorem1.pqi(N, Sp, Sq, p, q) - 1,
                          "-M_p(c)/M_q(c) = I_{p,q}(c) - 1, M_t = (S_t/N)^{1/t}"))


OBLIGATIONS = (
    Obligation("GINI.range", "Gini's range: 0 <= G <= 1 - 1/N.",
               ("c >= 0 sorted ascending", "sum c > 0", "N >= 1"), PROVED, gini_range),
    Obligation("HOYER.pqi", "Hoyer = (sqrt N/(sqrt N - 1)) I_{1,2}.",
               ("N >= 2", "c != 0"), PROVED, hoyer),
    Obligation("PQ_MEAN.pqi", "pq_mean(p, q) = -M_p/M_q = I_{p,q} - 1.",
               ("c != 0", "0 < p < q"), PROVED, pq_mean),
)
