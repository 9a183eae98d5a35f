"""``sparsity-oracle reproduce``: run a pruning experiment (contract §6, outputs §8 and §10).

Example (digits, MLP, SAP with p = 0.5, q = 1, 10 iterations of 10 epochs)::

    sparsity-oracle reproduce --method sap --model mlp --dataset digits \\
        --iterations 10 --epochs 10 --seed 0 --out runs/sap-mlp-s0

Example (one-shot: PSO to the paper's five densities, N = 100 Euler steps, r = 1.1)::

    sparsity-oracle reproduce --method spode --model cnn --epochs 10 --finetune-epochs 20 \\
        --seed 0 --out runs/spode-cnn-s0

``--resume`` continues an interrupted run in the same ``--out`` folder with the same settings
(``--iterations`` or ``--densities`` may grow; fewer iterations than completed are refused:
``runner``).  The ``--method`` choices are the registered
pruning methods (``methods.METHODS``); each declares its protocol (iterative or one-shot) and
its own options, and an option given for a method that does not take it is an error.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..names import DATASETS, MODELS, SCOPES, SPODE_INDICES, SPODE_SCHEDULES
from .methods import METHODS, PROTOCOL_OPTIONS
from .oneshot_config import OneShotConfig

#: Printed after Ctrl-C (completed iterations are kept: ``runner`` writes each atomically).
INTERRUPTED = "completed iterations are saved: run the same command with --resume to continue"
#: The same for a one-shot method (``oneshot_runner`` writes each density atomically).
INTERRUPTED_ONE_SHOT = "completed densities are saved: run the same command with --resume to continue"

HELP = "Run a pruning experiment (" + ", ".join(m.label for m in METHODS.values()) + ") and log results.jsonl."

_DEFAULTS = dict(
    scope="global", p=0.5, q=1.0, eta_r=0.0, gamma=1.0, beta=0.9, amount=0.2, lr=0.1,
    momentum=0.9, weight_decay=5e-4, batch_size=250, iterations=10,
)
_ONE_SHOT = {f.name: f.default for f in dataclasses.fields(OneShotConfig)}


def _specific_options() -> tuple[str, ...]:
    """Options that belong to a protocol or a method (their default is None: given or not)."""
    names = [o for options in PROTOCOL_OPTIONS.values() for o in options]
    names += [o for m in METHODS.values() for o in m.options]
    return tuple(dict.fromkeys(names))


def _takers(option: str) -> str:
    return ", ".join(name for name, m in METHODS.items() if option in m.settings())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", required=True, choices=tuple(METHODS),
                        help="; ".join(f"{m.name}: {m.help} ({m.protocol})" for m in METHODS.values()))
    parser.add_argument("--model", default="mlp", choices=MODELS, help="network (default %(default)s)")
    parser.add_argument("--dataset", default="digits", choices=DATASETS,
                        help="data (default %(default)s: scikit-learn's bundled 8x8 digits, offline)")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the FashionMNIST IDX files or CIFAR pickle batches")
    parser.add_argument("--epochs", type=int, default=10,
                        help="iterative: training epochs E per iteration; one-shot: dense training epochs (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the initialisation, the batch order and any random pruning (default %(default)s)")
    parser.add_argument("--out", required=True,
                        help="output folder (results.jsonl, config.json; checkpoints/ or dense.pt, masks_*.pt)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out after its last completed iteration/density (only "
                             "--iterations/--densities may change; fewer iterations than completed are refused)")
    d = _DEFAULTS
    parser.add_argument("--scope", default=d["scope"], choices=SCOPES,
                        help="pruning groups (default %(default)s; one-shot methods: global, and layer where the method has it)")
    parser.add_argument("--p", type=float, default=d["p"], help="SAP and logged PQI: p (default %(default)s)")
    parser.add_argument("--q", type=float, default=d["q"], help="SAP and logged PQI: q (default %(default)s)")
    parser.add_argument("--lr", type=float, default=d["lr"], help="(dense) training learning rate, cosine schedule (default %(default)s)")
    parser.add_argument("--momentum", type=float, default=d["momentum"], help="SGD momentum (default %(default)s)")
    parser.add_argument("--no-nesterov", dest="nesterov", action="store_false",
                        help="plain momentum instead of Nesterov's (default: Nesterov)")
    parser.add_argument("--weight-decay", type=float, default=d["weight_decay"],
                        help="SGD weight decay (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=d["batch_size"], help="mini-batch size (default %(default)s)")
    parser.add_argument("--device", default="auto",
                        help="auto (CUDA when present), cpu, cuda, cuda:N (default %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default 1 on CPU)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bar on stderr")

    iterative = parser.add_argument_group("iterative methods (" + _takers("iterations") + ")")
    iterative.add_argument("--iterations", type=int, default=None, help=f"pruning iterations T ({d['iterations']})")
    iterative.add_argument("--eta-r", type=float, default=None, help=f"SAP eta_r ({d['eta_r']:g})")
    iterative.add_argument("--gamma", type=float, default=None, help=f"SAP gamma ({d['gamma']:g})")
    iterative.add_argument("--beta", type=float, default=None, help=f"SAP beta ({d['beta']:g})")
    iterative.add_argument("--amount", type=float, default=None,
                           help=f"lt/oneshot: fraction of the remaining weights pruned per iteration ({d['amount']:g})")

    o = _ONE_SHOT
    oneshot = parser.add_argument_group("one-shot methods (" + _takers("densities") + ")")
    oneshot.add_argument("--densities", type=float, nargs="+", default=None, metavar="R",
                         help="target densities (fractions of prunable weights kept), pruned in this order "
                              f"(default {' '.join(map(str, o['densities']))})")
    oneshot.add_argument("--finetune-epochs", type=int, default=None,
                         help=f"fine-tuning epochs after each prune ({o['finetune_epochs']})")
    oneshot.add_argument("--finetune-lr", type=float, default=None,
                         help=f"peak fine-tuning learning rate, warm-up then cosine ({o['finetune_lr']:g})")
    oneshot.add_argument("--init", default=None, metavar="CHECKPOINT",
                         help="start from this trained dense state_dict (or a checkpoint with 'state_dict'); "
                              "skips dense training")
    ode = parser.add_argument_group("PSO (" + _takers("ode_steps") + ")")
    ode.add_argument("--ode-steps", type=int, default=None, help=f"Euler steps N ({o['ode_steps']})")
    ode.add_argument("--radius", type=float, default=None,
                     help=f"relative radius r of the authors' code, >= 1 ({o['radius']:g})")
    ode.add_argument("--ode-index", default=None, choices=SPODE_INDICES,
                     help=f"sparsity index G ({o['ode_index']})")
    ode.add_argument("--ode-schedule", default=None, choices=SPODE_SCHEDULES,
                     help=f"Euler step sizes ({o['ode_schedule']})")


def _config(args, method):
    """The config of ``method``'s protocol from ``args`` (unset specific options: defaults)."""
    given = [o for o in _specific_options() if getattr(args, o) is not None]
    foreign = [o for o in given if o not in method.settings()]
    if foreign:
        flag = "--" + foreign[0].replace("_", "-")
        raise ValueError(f"{flag} does not apply to --method {method.name} (it applies to: {_takers(foreign[0])})")
    if method.protocol == "iterative":
        from .runner import ExperimentConfig as config_class
    else:
        config_class = OneShotConfig
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(config_class) if hasattr(args, f.name)}
    return config_class(**{k: v for k, v in values.items() if v is not None})


def run(args) -> int:
    method = METHODS[args.method]
    if method.protocol == "one-shot":
        args.interrupted = INTERRUPTED_ONE_SHOT  # the hint the command line prints after Ctrl-C
    try:
        config = _config(args, method)
        if method.protocol == "iterative":
            from .runner import run_experiment

            results = run_experiment(config, args.out, resume=args.resume, progress=args.progress)
        else:
            from .oneshot_runner import run_oneshot

            results = run_oneshot(config, args.out, resume=args.resume, progress=args.progress)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"sparsity-oracle reproduce: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # the run's files could not be written (disk full, ...)
        print(f"sparsity-oracle reproduce: error: {error}", file=sys.stderr)
        return 1
    if method.protocol == "iterative":
        last = results[-1]
        print(
            f"{args.out}: {len(results)} iterations; last: kept {last['kept_fraction']:.4f}, "
            f"accuracy {last['accuracy_retrained']:.4f} (retrained), {last['accuracy_pruned']:.4f} (pruned)"
        )
    else:
        print(f"{args.out}: {len(results)} densities; accuracy pruned -> fine-tuned: " + ", ".join(
            f"{r['density']:g}: {r['accuracy_pruned']:.4f} -> {r['accuracy_finetuned']:.4f}" for r in results))
    return 0
