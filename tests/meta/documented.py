"""The oracle's error budgets as docs/oracle.md states them ("Error budgets"), written out
independently of ``sparsity_oracle.oracle.tolerances``, for the tests that pin the oracle's
strictness to them."""

from __future__ import annotations

import math

DTYPES = ("float64", "float32", "float16", "bfloat16")
#: unit roundoff of the accumulation (at least float32, contract §3) and of the result; the smallest subnormal
U = {"float64": 2.0**-53, "float32": 2.0**-24, "float16": 2.0**-24, "bfloat16": 2.0**-24}
U_OUT = {"float64": 2.0**-53, "float32": 2.0**-24, "float16": 2.0**-11, "bfloat16": 2.0**-8}
TINY = {"float64": 2.0**-1074, "float32": 2.0**-149, "float16": 2.0**-24, "bfloat16": 2.0**-133}


def summation(n: int) -> float:
    """A(n) = ceil(log2 n) + 1."""
    return math.ceil(math.log2(n)) + 1


def power_sum(n: int) -> float:
    """P(n) = A(n) + ln n + 3."""
    return summation(n) + math.log(n) + 3


def documented_budget(function: str, dtype: str, kwargs: dict, value: float) -> float:
    """The absolute error budget of docs/oracle.md for a result whose exact value is ``value``."""
    u, u_out, tiny = U[dtype], U_OUT[dtype], TINY[dtype]
    if function == "pq_index":
        p, q, d = kwargs["p"], kwargs["q"], len(kwargs["w"])
        return 4 * u * (1 - value) * ((1 / p + 1 / q) * power_sum(d) + 4) + u_out * abs(value) + tiny
    if function == "gini":
        return 4 * u * (2 * summation(len(kwargs["w"])) + 4) + u_out * abs(value) + tiny
    if function == "pqi_bound":
        p, q, d = kwargs["p"], kwargs["q"], len(kwargs["w"])
        return pqi_bound_relative(dtype, d, p, q) * value + tiny
    if function == "radius":
        d = len(kwargs["magnitudes"])
        return (4 * u * (d / 2 + 2) + u_out) * value
    raise ValueError(function)


def pqi_bound_relative(dtype: str, d: int, p: float, q: float) -> float:
    """The PQI-bound's relative budget rho_r."""
    return 4 * U[dtype] * ((q + p) / (q - p) * power_sum(d) + q / (q - p) + 4) + U_OUT[dtype]


def limit_relative(dtype: str, d: int) -> float:
    """rho_F, the relative budget of F(k) of the pruning limit."""
    return 4 * U[dtype] * (d + summation(d) + 4)


def product(dtype: str, value) -> float:
    """A short product of exact factors (d beta, gamma d): 4 u |value|."""
    return 4 * U[dtype] * abs(value)
