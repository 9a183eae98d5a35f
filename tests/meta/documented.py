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


# --- SpODE / PSO: docs/oracle.md's second table (not judged by ``check``: no subnormal) ---------

def sparsity_index(dtype: str, d: int, value: float) -> float:
    """G(m) or one component of grad G(m): (4u (A(D) + 3) + u_out) |value|."""
    return (4 * U[dtype] * (summation(d) + 3) + U_OUT[dtype]) * abs(value)


def spode_direction(dtype: str, n: int, g_norm: float, e_norm: float, e_perp_norm: float, tilt: float,
                    f_norm: float) -> float:
    """delta (1/||g|| + t (1 + 2 ||e||/||e_perp||)) + tau + u_out ||F||; collinear: no e_perp term, no tau."""
    delta = 4 * U[dtype] * (summation(n) + 4)
    base = delta / g_norm + delta * tilt + U_OUT[dtype] * f_norm
    if e_perp_norm == 0:
        return base
    r = math.sqrt(tilt * tilt + 1 / (g_norm * g_norm))
    tau = 2 * delta * r * r / tilt if tilt * tilt >= 2 * delta * r * r else 2 * math.sqrt(delta) * r
    return base + delta * tilt * 2 * e_norm / e_perp_norm + tau


def euler_step(dtype: str, direction_budget: float, dt: float, m_norm: float, f_norm: float,
               result_norm: float) -> float:
    """dt b_F + 4u (||m|| + dt ||F||) + u_out ||m'||."""
    return dt * direction_budget + 4 * U[dtype] * m_norm + 4 * U[dtype] * dt * f_norm + U_OUT[dtype] * result_norm


def step_size_relative(dtype: str, log_ratio: float) -> float:
    """4u (|ln(rho/s)| + 4) + u_out."""
    return 4 * U[dtype] * (abs(log_ratio) + 4) + U_OUT[dtype]


def g_path(dtype: str, d: int, g_level: float, dt: float, radius: float) -> float:
    """4u (A(D) + 4) 4 (G_k + r dt)^2."""
    return 16 * U[dtype] * (summation(d) + 4) * (g_level + radius * dt) ** 2
