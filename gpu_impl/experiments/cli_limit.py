"""``sparsity-oracle limit``: the pruning limit of a trained model, predicted (Zhang et al. 2024)
and measured (contract §11; the steps are in ``limit_run``).

Example (digits, the linear model, exact spectrum; the MLP and CNN use SLQ)::

    sparsity-oracle limit --model linear --epochs 100 --seed 0 --out runs/limit-linear-s0

``--resume`` continues an interrupted run in the same ``--out`` folder with the same settings.
"""

from __future__ import annotations

import argparse
import sys

from ..names import DATASETS, HESSIAN_DTYPES, MODELS, NEGATIVE_POLICIES, SPECTRA

#: Printed after Ctrl-C (``limit_run`` keeps the trained weights, each SLQ probe and each ratio).
INTERRUPTED = "finished stages are saved: run the same command with --resume to continue"

HELP = "Predict the pruning limit of a trained model from its Hessian spectrum and prune it for real."


def _eps(text: str):
    if text == "batch-std":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number or batch-std, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="mlp", choices=MODELS)
    parser.add_argument("--dataset", default="digits", choices=DATASETS)
    parser.add_argument("--data-dir", default=None, help="folder with the FashionMNIST IDX files or CIFAR pickles")
    parser.add_argument("--out", required=True,
                        help="output folder (limit.json, spectrum.npz, magnitudes.npy, actual.jsonl, limit.png)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    parser.add_argument("--epochs", type=int, default=50, help="training epochs (default 50)")
    parser.add_argument("--l1", type=float, default=0.0, metavar="LAMBDA",
                        help="l1 coefficient: each batch minimises CE + LAMBDA sum|theta| (default 0)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", default=None, metavar="CHECKPOINT",
                        help="load these trained weights (a state_dict, or a checkpoint with one) instead of training "
                             "(--epochs is then unused; --l1 still defines the loss)")
    parser.add_argument("--spectrum", default="auto", choices=SPECTRA,
                        help="exact: all D eigenvalues; slq: stochastic Lanczos quadrature; auto: exact for D <= 4096")
    parser.add_argument("--lanczos-steps", type=int, default=100, metavar="M", help="SLQ: Lanczos steps (default 100)")
    parser.add_argument("--probes", type=int, default=10, metavar="V", help="SLQ: random probes (default 10)")
    parser.add_argument("--hessian-samples", type=int, default=None, metavar="N",
                        help="Hessian of the loss on a fixed subset of N training samples (default: all)")
    parser.add_argument("--hessian-batch", type=int, default=1024, help="samples per Hessian batch (default 1024)")
    parser.add_argument("--hessian-dtype", default="float64", choices=HESSIAN_DTYPES)
    parser.add_argument("--eps", type=_eps, default="batch-std",
                        help="loss tolerance: a number, or batch-std (default: the std of the 128-sample "
                             "mini-batch losses at w*, the authors' rule)")
    parser.add_argument("--eta", type=float, default=0.05, help="band: k* -/+ sqrt(8 log(4/eta) D) (default 0.05)")
    parser.add_argument("--negative", default="abs", choices=NEGATIVE_POLICIES,
                        help="negative eigenvalues: abs uses |lambda| (the paper), zero treats them as flat")
    parser.add_argument("--ratios", type=float, nargs="+", default=None, metavar="R",
                        help="fractions of the prunable weights removed, increasing (default 0, 0.01, ..., 0.99)")
    parser.add_argument("--finetune-epochs", type=int, default=2, help="masked fine-tune after pruning (0: none)")
    parser.add_argument("--finetune-lr", type=float, default=0.01)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--no-nesterov", dest="nesterov", action="store_false")
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default 1 on CPU)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars on stderr")


def run(args) -> int:
    from .limit_run import DEFAULT_RATIOS, LimitConfig, run_limit

    fields = (
        "model dataset data_dir epochs l1 seed init spectrum lanczos_steps probes hessian_samples "
        "hessian_batch hessian_dtype eps eta negative finetune_epochs finetune_lr lr momentum nesterov "
        "weight_decay batch_size device threads"
    ).split()
    settings = {name: getattr(args, name) for name in fields}
    settings["ratios"] = DEFAULT_RATIOS if args.ratios is None else tuple(args.ratios)
    try:
        config = LimitConfig(**settings)
        record = run_limit(config, args.out, resume=args.resume, progress=args.progress)
    except (ValueError, TypeError, FileNotFoundError, FileExistsError) as error:
        print(f"sparsity-oracle limit: error: {error}", file=sys.stderr)
        return 2
    actual = record["actual_removed_fraction"]
    print(
        f"{args.out}: predicted limit {1 - record['kept_fraction']:.4f} removed "
        f"(band {1 - record['kept_upper'] / record['total']:.4f}-{1 - record['kept_lower'] / record['total']:.4f}, "
        f"{record['spectrum']} spectrum, eps {record['eps']:.4g}); actual "
        + ("none" if actual is None else f"{actual:.4f}")
        + ("" if record["delta"] is None else f", delta {record['delta']:+.4f}")
    )
    return 0
