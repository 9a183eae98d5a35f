"""``sparsity-oracle reproduce``: run a pruning experiment (SPEC §6, outputs §8).

Example (digits, MLP, SAP with p = 0.5, q = 1, 10 iterations of 10 epochs)::

    sparsity-oracle reproduce --method sap --model mlp --dataset digits \\
        --iterations 10 --epochs 10 --seed 0 --out runs/sap-mlp-s0

``--resume`` continues an interrupted run in the same ``--out`` folder with the same settings
(``--iterations`` may grow).  The ``--method`` choices are the registered pruning methods
(``methods.METHODS``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..names import DATASETS, MODELS, SCOPES
from .methods import METHODS

#: Printed after Ctrl-C (completed iterations are kept: ``runner`` writes each atomically).
INTERRUPTED = "completed iterations are saved: run the same command with --resume to continue"

HELP = "Run a pruning experiment (" + ", ".join(m.label for m in METHODS.values()) + ") and log results.jsonl."

_DEFAULTS = dict(
    scope="global", p=0.5, q=1.0, eta_r=0.0, gamma=1.0, beta=0.9, amount=0.2, lr=0.1,
    momentum=0.9, weight_decay=5e-4, batch_size=250,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", required=True, choices=tuple(METHODS),
                        help="; ".join(f"{m.name}: {m.help}" for m in METHODS.values()))
    parser.add_argument("--model", default="mlp", choices=MODELS)
    parser.add_argument("--dataset", default="digits", choices=DATASETS)
    parser.add_argument("--data-dir", default=None,
                        help="folder with the FashionMNIST IDX files or CIFAR pickle batches")
    parser.add_argument("--iterations", type=int, default=10, help="pruning iterations T")
    parser.add_argument("--epochs", type=int, default=10, help="training epochs E per iteration")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output folder (results.jsonl, checkpoints/, config.json)")
    parser.add_argument("--resume", action="store_true", help="continue after the last completed iteration")
    d = _DEFAULTS
    parser.add_argument("--scope", default=d["scope"], choices=SCOPES)
    parser.add_argument("--p", type=float, default=d["p"], help="SAP and logged PQI: p (default 0.5)")
    parser.add_argument("--q", type=float, default=d["q"], help="SAP and logged PQI: q (default 1)")
    parser.add_argument("--eta-r", type=float, default=d["eta_r"], help="SAP eta_r (default 0)")
    parser.add_argument("--gamma", type=float, default=d["gamma"], help="SAP gamma (default 1)")
    parser.add_argument("--beta", type=float, default=d["beta"], help="SAP beta (default 0.9)")
    parser.add_argument("--amount", type=float, default=d["amount"],
                        help="lt/oneshot: fraction of the remaining weights pruned per iteration (0.2)")
    parser.add_argument("--lr", type=float, default=d["lr"])
    parser.add_argument("--momentum", type=float, default=d["momentum"])
    parser.add_argument("--no-nesterov", dest="nesterov", action="store_false")
    parser.add_argument("--weight-decay", type=float, default=d["weight_decay"])
    parser.add_argument("--batch-size", type=int, default=d["batch_size"])
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default 1 on CPU)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bar on stderr")


def run(args) -> int:
    from .runner import ExperimentConfig, run_experiment

    try:
        config = ExperimentConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(ExperimentConfig)})
        results = run_experiment(config, args.out, resume=args.resume, progress=args.progress)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"sparsity-oracle reproduce: error: {error}", file=sys.stderr)
        return 2
    last = results[-1]
    print(
        f"{args.out}: {len(results)} iterations; last: kept {last['kept_fraction']:.4f}, "
        f"accuracy {last['accuracy_retrained']:.4f} (retrained), {last['accuracy_pruned']:.4f} (pruned)"
    )
    return 0
