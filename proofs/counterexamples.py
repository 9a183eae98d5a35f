"""Concrete counterexamples (exact rationals, JSON-ready as strings; ``theorem1`` evaluates
I_{p,q} at them exactly).  Each is a Robin Hood transfer of t from w_i to w_j (D1)."""

from __future__ import annotations

from fractions import Fraction


def _transfer(before, i, j, t):
    after = [Fraction(x) for x in before]
    after[i] -= Fraction(t)
    after[j] += Fraction(t)
    return [str(x) for x in after]


def robin_hood(p, q, before, i, j, t) -> dict:
    return {"property": "D1", "p": p, "q": q, "i": i, "j": j, "t": t,
            "before": list(before), "after": _transfer(before, i, j, t)}


#: D1 fails for 1 < p < q: the other coordinates are large.
P_ABOVE_ONE = robin_hood("2", "3", ["1", "1/2", "10", "10"], 0, 1, "1/10")
#: D1 fails for p < q < 1: many small other coordinates.
Q_BELOW_ONE = robin_hood("1/10", "1/2", ["1", "1/2", "1/100", "1/100", "1/100", "1/100"], 0, 1, "1/8")
