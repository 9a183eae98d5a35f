"""``sparsity-oracle`` command line (contract §6).

Each subcommand lives in the package that owns it, as a module with ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status).  Those modules import
their heavy dependencies (sympy, torch, hypothesis) inside ``run`` so that ``--help`` is fast,
and a command that needs torch is listed and parsed without it: it then fails with one line
naming the missing extra (``gpu_impl.UNAVAILABLE``), exit status 1.
Usage errors exit 2 (argparse); a failed check exits 1.  Every command ends without a
traceback when interrupted (Ctrl-C: one line, with the module's ``INTERRUPTED`` hint if it has
one, exit status 130) or when its reader goes away (``... | head``: exit status 1, as Python's
documentation recommends for a broken pipe).

Hypothesis keeps its files (example database, constants cache) under
``$HYPOTHESIS_STORAGE_DIRECTORY``; the command line sets it, unless already set, to
``sparsity-oracle/hypothesis`` in the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``),
so that no command leaves a ``.hypothesis/`` folder in the folder it runs from.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from . import __version__
from .gpu_impl import unavailable

#: subcommand -> (module implementing it, whether it needs torch), in the order ``--help``
#: lists them.
COMMANDS = {
    "verify": ("sparsity_oracle.oracle.cli", False),
    "prove": ("sparsity_oracle.proofs.cli", False),
    "properties": ("sparsity_oracle.properties.cli", False),
    "claims": ("sparsity_oracle.claims.cli", False),
    "pqi": ("sparsity_oracle.pqi_report", False),
    "reproduce": ("sparsity_oracle.gpu_impl.experiments.cli_reproduce", True),
    "plot": ("sparsity_oracle.gpu_impl.experiments.cli_plot", True),
    "audit-run": ("sparsity_oracle.audit_run", True),
    "sweep": ("sparsity_oracle.sweep", False),
    "limit": ("sparsity_oracle.gpu_impl.experiments.cli_limit", True),
}


def _without_torch(name: str):
    def run(args) -> int:
        print(f"sparsity-oracle {name}: error: {unavailable()}", file=sys.stderr)
        return 1

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparsity-oracle",
        description="Certified reference, proofs and property fuzzing for sparsity measures and pruning.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    torch_missing = unavailable() is not None
    for name, (module_name, needs_torch) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=_without_torch(name) if needs_torch and torch_missing else module.run,
                             interrupted=getattr(module, "INTERRUPTED", None))
    return parser


def hypothesis_home() -> Path:
    """Where hypothesis keeps its files when run by the command line."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "sparsity-oracle" / "hypothesis"


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(hypothesis_home()))
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        hint = f"; {args.interrupted}" if args.interrupted else ""
        print(f"sparsity-oracle {args.command}: interrupted{hint}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1


if __name__ == "__main__":
    sys.exit(main())
