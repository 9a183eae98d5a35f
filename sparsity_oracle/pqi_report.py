r"""``sparsity-oracle pqi``: PQI, Gini, PQI-bounds and SAP prune counts of a file (SPEC §6).

    sparsity-oracle pqi PATH [--p P] [--q Q] [--scope global|layer|neuron]
                             [--eta-r E] [--gamma G] [--beta B] [--dps N] [--json]
    sparsity-oracle pqi --example OUT.npz

PATH: ``.npy``, ``.npz``, a PyTorch state_dict ``.pt``/``.pth`` or ``.safetensors``
(``sparsity_oracle.weights_io``).  Only the prunable tensors are reported: floating-point, ndim >= 2;
the others are listed as skipped.  Every entry counts as unmasked (a file holds no masks).
``--example OUT.npz`` writes a small deterministic example file to try the command on.

Per prunable tensor and for all of them together ("global"): the entry count, the PQ Index
I_{p,q} = 1 - d^{1/q-1/p} ||w||_p/||w||_q and the Gini index (null / "-" for an all-zero
tensor).  SAP groups follow ``--scope`` (default ``layer``, as ``reference.sap``): for each
group the PQI-bound r_t and the SAP count c_t = floor(d_t min(gamma (1 - r_t/d_t), beta)).
A row reports the number of groups it covers (``groups``), the sum of their PQI-bounds
(``pqi_bound``; over the groups with a non-zero entry; null if none) and of their counts
(``prune``).  With ``--scope global`` the only group is the global row's, so tensor rows
carry ``groups`` 0 and null bound/count; with ``neuron`` a tensor row sums over its neurons.

Numbers: p, q, eta_r, gamma and beta are read as exact decimals or fractions ("0.1" is 1/10,
"1/3" is one third), unlike the Python API, where a float is its binary value.  Real results
are computed to ``--dps`` significant digits (default 20, enough for a report and fast);
counts are exact.  The table shows 6 digits.

JSON (``--json``), reals as decimal strings with ``dps`` digits (exact integers as ints)::

    {"file": str, "p": str, "q": str, "eta_r": str, "gamma": str, "beta": str,
     "scope": str, "dps": int,
     "tensors": [{"name": str, "shape": [int], "entries": int, "pqi": str|null,
                  "gini": str|null, "groups": int, "pqi_bound": str|null, "prune": int|null}],
     "global": {... the same keys, "name": "(global)", "shape": null ...},
     "skipped": [str]}

numpy and mpmath are imported at module level (``sparsity_oracle.reference`` imports them anyway);
torch and safetensors only when such a file is read.

Exit status 0; 2 with one ``sparsity-oracle pqi: error: ...`` line on stderr for a file that
cannot be read, holds no prunable tensor or a non-finite weight, or invalid parameters.
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np

from .reference import MAX_DPS, SCOPES, gini, pq_index, pruning_groups, sap_count_and_bound, sap_parameters
from .weights_io import load_weights, prunable

HELP = (
    "PQI, Gini and SAP prune counts of the weights in a file (.npy/.npz/.pt/.pth/.safetensors); "
    "--example OUT.npz writes a file to try it on."
)


def _exact(text: str) -> Fraction:
    """Argparse type: a decimal or fraction string read exactly."""
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _digits(text: str) -> int:
    """Argparse type: a number of digits from 1 to ``reference.MAX_DPS``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_DPS:
        raise argparse.ArgumentTypeError(f"dps must be an integer from 1 to {MAX_DPS}, got {text!r}")
    return value


def add_arguments(parser) -> None:
    parser.add_argument(
        "path", nargs="?", metavar="PATH", help="weights file (.npy, .npz, .pt, .pth, .safetensors)"
    )
    parser.add_argument("--p", type=_exact, default="0.5", help="PQI exponent p (default 0.5)")
    parser.add_argument("--q", type=_exact, default="1", help="PQI exponent q > p (default 1)")
    parser.add_argument("--scope", choices=SCOPES, default="layer",
                        help="SAP pruning groups (default layer)")
    parser.add_argument("--eta-r", type=_exact, default="0", help="SAP eta_r >= 0 (default 0)")
    parser.add_argument("--gamma", type=_exact, default="1", help="SAP gamma > 0 (default 1)")
    parser.add_argument("--beta", type=_exact, default="0.9", help="SAP beta in (0, 1] (default 0.9)")
    parser.add_argument(
        "--dps", type=_digits, default=20,
        help=f"significant digits of the reals, at most {MAX_DPS} (default 20)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--example", metavar="OUT.npz",
                        help="write a small deterministic example weights file to OUT.npz and exit")


def write_example(path) -> None:
    """A small deterministic weights file: conv and linear layers, one with many zeros."""
    if Path(path).suffix != ".npz":
        raise ValueError(f"--example writes a .npz file, got {str(path)!r}")
    rng = np.random.default_rng(20230206)
    np.savez(
        path,
        **{
            "conv1.weight": rng.standard_normal((4, 1, 3, 3)),
            "conv1.bias": rng.standard_normal(4),
            "fc1.weight": rng.laplace(size=(8, 36)) * (rng.random((8, 36)) < 0.5),
            "fc2.weight": rng.standard_normal((3, 8)).astype(np.float32),
        },
    )


def _check_finite(name, array) -> None:
    finite = np.isfinite(array)
    if not finite.all():
        index = np.unravel_index(int(np.flatnonzero(~finite)[0]), array.shape)
        index = tuple(int(i) for i in index)
        raise ValueError(
            f"tensor {name!r} has the non-finite entry {array[index]!r} at index {index}"
        )


def _row(name, shape, values, p, q, dps) -> dict:
    defined = bool(np.any(values))
    return {
        "name": name,
        "shape": shape,
        "entries": int(values.size),
        "pqi": pq_index(values, p, q, dps=dps) if defined else None,
        "gini": gini(values, dps=dps) if defined else None,
        "groups": 0,
        "pqi_bound": None,
        "prune": None,
    }


def report(weights, *, p, q, scope, eta_r, gamma, beta, dps) -> dict:
    """The report of the module docstring, reals as mpf (``weights``: name -> numpy array)."""
    sap_parameters(p, q, eta_r, gamma, beta)
    tensors = prunable(weights)
    if not tensors:
        raise ValueError("no prunable tensor (floating point, ndim >= 2) in the file")
    for name, array in tensors.items():
        _check_finite(name, array)
    arrays = list(tensors.values())
    rows = [_row(name, list(a.shape), a.reshape(-1), p, q, dps) for name, a in tensors.items()]
    whole = _row("(global)", None, np.concatenate([a.reshape(-1) for a in arrays]), p, q, dps)
    masks = [np.ones(a.shape, dtype=bool) for a in arrays]
    with mpmath.workdps(dps + 5):
        for segments, values in pruning_groups(arrays, masks, scope):
            count, bound = sap_count_and_bound(values, p, q, eta_r=eta_r, gamma=gamma, beta=beta, dps=dps)
            for row in [whole] if scope == "global" else [rows[segments[0][0]], whole]:
                row["groups"] += 1
                row["prune"] = (row["prune"] or 0) + count
                if bound is not None:
                    previous = row["pqi_bound"]
                    row["pqi_bound"] = bound if previous is None else previous + bound
    return {"tensors": rows, "global": whole, "skipped": [n for n in weights if n not in tensors]}


def _decimal(value, digits):
    return None if value is None else mpmath.nstr(value, digits)


def _as_json(result, args) -> dict:
    def row(r):
        return {**r, **{k: _decimal(r[k], args.dps) for k in ("pqi", "gini", "pqi_bound")}}

    params = {k: str(getattr(args, k)) for k in ("p", "q", "eta_r", "gamma", "beta")}
    return {
        "file": str(args.path),
        **params,
        "scope": args.scope,
        "dps": args.dps,
        "tensors": [row(r) for r in result["tensors"]],
        "global": row(result["global"]),
        "skipped": result["skipped"],
    }


_COLUMNS = (
    ("tensor", "name"),
    ("shape", "shape"),
    ("entries", "entries"),
    ("PQI", "pqi"),
    ("Gini", "gini"),
    ("groups", "groups"),
    ("PQI-bound", "pqi_bound"),
    ("SAP prune", "prune"),
)


def _as_table(result, args) -> str:
    def cell(r, key):
        value = r[key]
        if value is None:
            return "-"
        if key == "shape":
            return "x".join(map(str, value))
        if key in ("pqi", "gini", "pqi_bound"):
            return _decimal(value, 6)
        return str(value)

    lines = [[title for title, _ in _COLUMNS]]
    lines += [[cell(r, key) for _, key in _COLUMNS] for r in [*result["tensors"], result["global"]]]
    widths = [max(len(line[j]) for line in lines) for j in range(len(_COLUMNS))]
    text = [
        "  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths)))
        for line in lines
    ]
    header = (
        f"{args.path}: p={args.p} q={args.q} scope={args.scope} "
        f"eta_r={args.eta_r} gamma={args.gamma} beta={args.beta}"
    )
    skipped = result["skipped"]
    footer = [f"skipped (not floating or ndim < 2): {', '.join(skipped)}"] if skipped else []
    return "\n".join([header, *text[:1], "-" * len(text[0]), *text[1:], *footer])


def _fail(message: str) -> int:
    print(f"sparsity-oracle pqi: error: {message}", file=sys.stderr)
    return 2


def run(args) -> int:
    if args.example is not None:
        if args.path is not None:
            return _fail("give either PATH or --example OUT.npz, not both")
        try:
            write_example(args.example)
        except (OSError, ValueError) as error:
            return _fail(" ".join(str(error).split()))
        print(f"wrote {args.example}; try: sparsity-oracle pqi {args.example}")
        return 0
    if args.path is None:
        return _fail("give a weights file PATH (or --example OUT.npz to write one)")
    try:
        result = report(
            load_weights(args.path),
            p=args.p,
            q=args.q,
            scope=args.scope,
            eta_r=args.eta_r,
            gamma=args.gamma,
            beta=args.beta,
            dps=args.dps,
        )
    except ValueError as error:
        return _fail(" ".join(str(error).split()))
    if args.json:
        print(json.dumps(_as_json(result, args), indent=2))
    else:
        print(_as_table(result, args))
    return 0
