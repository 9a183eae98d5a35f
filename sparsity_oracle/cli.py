"""``sparsity-oracle`` command line (SPEC §6).

Each subcommand lives in the package that owns it, as a module with ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status).  Those modules import
their heavy dependencies (sympy, torch, hypothesis) inside ``run`` so that ``--help`` is fast.
Usage errors exit 2 (argparse); a failed check exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

#: subcommand -> module implementing it, in the order ``--help`` lists them.
COMMANDS = {
    "verify": "sparsity_oracle.oracle.cli",
    "prove": "sparsity_oracle.proofs.cli",
    "properties": "sparsity_oracle.properties.cli",
    "pqi": "sparsity_oracle.pqi_report",
    "reproduce": "sparsity_oracle.gpu_impl.experiments.cli_reproduce",
    "plot": "sparsity_oracle.gpu_impl.experiments.cli_plot",
}


def _available_commands():
    for name, module in COMMANDS.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            yield name, importlib.import_module(module)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparsity-oracle",
        description="Certified reference, proofs and property fuzzing for sparsity measures and pruning.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in _available_commands():
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
