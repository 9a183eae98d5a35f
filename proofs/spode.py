r"""The SpODE slides' closed form of the one-step direction F (Mo, Shi, Pan 2023, slide "Explicit
One-step Evolution of Optimal Mask"), as printed and as meant.

Notation: g = -grad G, e = -grad E (vectors of R^d), N = ||g||^2, c = g^T e, E2 = ||e||^2,
K = N E2 - c^2 >= 0 (Cauchy-Schwarz; K = 0 exactly when e and g are collinear), r >= 1 the
radius relative to 1/||g|| (the authors' code: the step is at most r/||g|| long).  The slides
print

    F = g/||g||^2                     if ||g|| ||e|| = |g^T e|^2,
    F = x e + y g                     else,
    x = sqrt(((r^2 - 1)/(||g|| ||e||)^2 - (g^T e)^2)),   y = (1 - g^T e x)/||g||^2.

Read with the denominator bracketed, x = sqrt((r^2 - 1)/K), and the test ||g|| ||e|| = |g^T e|,
F is ``reference.spode_direction(g, e, r/||g||)`` = g/N + sqrt(r^2/N - 1/N) e_perp/||e_perp||,
e_perp = e - (c/N) g: ``meant`` proves it coefficient by coefficient (F is a combination of e
and g), with g^T F = 1 and ||F|| = r/||g||.  As printed, x is not real for g = (1, 2, 2),
e = (1, 0, 0), r^2 = 3 (the notes' TV3), and the collinear test misses e = 2 g.
"""

from __future__ import annotations

from .core import PROVED, REFUTED, Obligation, Outcome, Source, cached, false_at, identity, proof

SLIDES = "mo2023-spode-slides.md"
WHERE = "Slide 'Explicit One-step Evolution of Optimal Mask'"

#: The printed x's counterexample: g, e (exact entries) and r^2 (TV3 of the research notes).
TV3 = {"g": ["1", "2", "2"], "e": ["1", "0", "0"], "r_squared": "3"}
#: A collinear pair the printed test calls "not collinear".
COLLINEAR = {"g": ["1", "0"], "e": ["2", "0"]}


def _gram(example):
    """(||g||^2, g^T e, ||e||^2) of the example, exact."""
    import sympy as sp

    g, e = ([sp.Rational(v) for v in example[k]] for k in ("g", "e"))
    return sum(v * v for v in g), sum(a * b for a, b in zip(g, e)), sum(v * v for v in e)


@cached
def printed_x_is_real():
    import sympy as sp

    n, c, e2 = _gram(TV3)
    radicand = (sp.Rational(TV3["r_squared"]) - 1) / (sp.sqrt(n) * sp.sqrt(e2)) ** 2 - c**2
    return Outcome(REFUTED, false_at(radicand, ">=", {}, "the printed radicand of x at g = (1, 2, 2), e = (1, 0, 0), "
                                     "r^2 = 3"), {**TV3, "printed_radicand": str(radicand)})


@cached
def printed_collinear_test():
    import sympy as sp

    n, c, e2 = _gram(COLLINEAR)
    difference = sp.sqrt(n) * sp.sqrt(e2) - abs(c) ** 2
    return Outcome(REFUTED, false_at(difference, "=", {}, "||g|| ||e|| - |g^T e|^2 at the collinear g = (1, 0), "
                                     "e = (2, 0)"), {**COLLINEAR, "printed_difference": str(difference)})


@cached
def meant():
    import sympy as sp

    n, k, s = sp.symbols("N K s", positive=True)  # s = r^2 - 1 > 0
    c = sp.symbols("c", real=True)
    e2 = (k + c**2) / n
    x = sp.sqrt(s / k)
    y = (1 - c * x) / n
    # spode_direction with the absolute radius r/||g||: g/N + sqrt(r^2/N - 1/N) (e - (c/N) g)/||e_perp||
    root = sp.sqrt(s / n) / sp.sqrt(e2 - c**2 / n)
    return proof(
        identity(x, root, "coefficient of e: x = sqrt((r^2/N - 1/N)/||e_perp||^2), ||e_perp||^2 = K/N"),
        identity(y, 1 / n - root * c / n, "coefficient of g: y = 1/N - x c/N"),
        identity(x * c + y * n, sp.Integer(1), "g^T F = x c + y N = 1"),
        identity(x**2 * e2 + 2 * x * y * c + y**2 * n, (s + 1) / n, "||F||^2 = r^2/N"),
    )


OBLIGATIONS = (
    Obligation("SpODE.printed_x", "The printed x = sqrt(((r^2 - 1)/(||g|| ||e||)^2 - (g^T e)^2)) is real for "
               "every non-collinear g, e and r >= 1.", ("r >= 1", "e, g not collinear"), REFUTED,
               printed_x_is_real,
               Source(WHERE, r"x \triangleq \sqrt{((r^2 - 1)/(\|\mathbf{g}\|\|\mathbf{e}\|)^2 - "
                             r"(\mathbf{g}^\top \mathbf{e})^2)}", SLIDES),
               ("SpODE.meant",)),
    Obligation("SpODE.printed_collinear_test", "The printed test ||g|| ||e|| = |g^T e|^2 holds for collinear e, g "
               "(the case F = g/||g||^2).", ("e = lambda g",), REFUTED, printed_collinear_test,
               Source(WHERE, r"\text{if } \|\mathbf{g}\|\|\mathbf{e}\| = |\mathbf{g}^\top \mathbf{e}|^2", SLIDES),
               ("SpODE.meant",)),
    Obligation("SpODE.meant", "With x = sqrt((r^2 - 1)/(||g||^2 ||e||^2 - (g^T e)^2)) and y = (1 - g^T e x)/||g||^2, "
               "F = x e + y g = g/||g||^2 + sqrt(r^2 - 1) e_perp/(||g|| ||e_perp||) (spode_direction at the "
               "absolute radius r/||g||), with g^T F = 1 and ||F|| = r/||g||.",
               ("r >= 1", "||g||^2 ||e||^2 > (g^T e)^2"), PROVED, meant),
)
