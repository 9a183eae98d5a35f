r"""``sparsity-oracle sweep``: a grid of runs of one command, on Ray (contract §12).

    sparsity-oracle sweep SWEEP.toml --out DIR [--address ADDR] [--resume] [--no-progress]

``SWEEP.toml`` names a command, its fixed options, the lists to cross and the resources of
one run::

    command = "reproduce"     # any command with --out and --resume: reproduce, limit, ...
    [fixed]                   # the command's long options, underscores for dashes
    model = "mlp"
    iterations = 10
    no_progress = true        # a flag: true passes it, false leaves it out
    [grid]                    # the cross product of these lists is the set of runs
    method = [{method = "sap", p = 0.5, q = 1}, {method = "sap", p = 1, q = 2}, {method = "lt"}]
    seed = [0, 1, 2, 3]
    [resources]               # per run; fractions allowed (default cpus = 1, gpus = 0)
    cpus = 1
    gpus = 0

A grid list of scalars varies one option; a grid list of tables varies several options
together (each table is one choice, the key only names the group): above, SAP at two (p, q)
beside Lottery ticket, which takes the default p, q.  A list value in ``[fixed]`` passes several
values to one option (``ratios = [0.1, 0.5]`` is ``--ratios 0.1 0.5``).

Runs.  A grid point's options (fixed plus its grid values) become the command's arguments,
checked by the command's own parser before anything starts.  Its folder is
``DIR/runs/<name>/``, the name being its grid values as ``key=value`` joined by ``,`` in the
file's order (``method=sap,p=0.5,q=1,seed=0``), and it is written by the command's own entry
point (``cli.main``) in a Ray task with the file's resources, so it is exactly what the single
command writes.  A run is

* finished when ``DIR/status/<name>.json`` (written by its task once the command returned 0)
  holds the same arguments and the folder exists: never run again;
* started when its folder exists: the command is run with ``--resume``;
* new otherwise.

Every attempt decides ``--resume`` from the folder, so a task that Ray retries because its
worker process died (``RETRIES`` times at most) continues the run from its last completed step;
the commands' runs are deterministic per seed, so the result is that of an uninterrupted run.
A run that fails (a non-zero exit status, an exception) is reported with its log and not
retried (it would fail again); ``--resume`` tries it again.  Ctrl-C stops the sweep: its
tasks are cancelled (their workers killed) within ``WAIT_SECONDS``; ``--resume`` goes on from
there, and without ``--resume`` a folder that already holds runs is refused.  Scheduling, placement, retries and fault tolerance are Ray's:
a local Ray started in-process by default, an existing cluster with ``--address``, where DIR
and the folder ``sweep`` is started in (relative paths in the file are taken from it, as the
command would) must be on a filesystem every node sees at the same path.  A task with
``gpus = 0`` sees no GPU (``CUDA_VISIBLE_DEVICES`` empty), so ``--device auto`` means the CPU.

Outputs besides ``runs/``: ``summary.csv`` (``summary_rows``), ``figures/`` (the ``plot``
command's figures of the sweep's runs), ``logs/<name>.log`` (the command's output, every attempt
after a header line naming its process), ``status/<name>.json`` and ``sweep.toml`` (the file of
the latest invocation).  Exit status 0 when every run has finished, 1 when some failed,
130 on Ctrl-C, 2 for a file or folder that cannot be used.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import itertools
import json
import os
import re
import socket
import sys
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

HELP = "Run a grid of reproduce/limit runs on Ray (cores, GPUs, a cluster); resumable; summary.csv and figures."

#: Printed after Ctrl-C (the command line's hint; the sweep adds its counts and the command).
INTERRUPTED = "finished runs and completed iterations are kept: run the same command with --resume to continue"
#: The one-line reason the sweep cannot run without Ray.
UNAVAILABLE = "ray is not installed: pip install 'sparsity-oracle[sweep]'"
#: Attempts Ray makes after the first when a run's worker process dies (``max_retries``).
RETRIES = 3
#: How long the driver blocks in one ``ray.wait`` (seconds): the delay of Ctrl-C at most.
WAIT_SECONDS = 0.2
#: Top-level tables and keys of a sweep file.
FILE_KEYS = ("command", "fixed", "grid", "resources")
#: Resources of one run: name -> default.
RESOURCES = {"cpus": 1, "gpus": 0}
#: Options the sweep sets itself.
SWEEP_OPTIONS = ("out", "resume")
#: Characters a grid value may not hold (it becomes part of a folder name).
NAME_UNSAFE = ("/", "\\", ",", "=", "\0")


class SweepError(ValueError):
    """A sweep file or folder that cannot be used (exit status 2)."""


@dataclass(frozen=True)
class Run:
    """One grid point: ``name`` (its folder under ``DIR/runs``), ``settings`` (every option of
    the file for it, file order) and ``argv`` (the command's arguments, without --out/--resume)."""

    name: str
    settings: dict
    argv: tuple


@dataclass(frozen=True)
class Sweep:
    command: str
    runs: tuple
    cpus: float
    gpus: float


class _CommandParser(argparse.ArgumentParser):
    """The command's own parser, raising SweepError instead of exiting; ``long_options`` are
    the options its ``add_arguments`` declared."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.long_options = set()

    def add_argument(self, *names, **kwargs):
        self.long_options.update(name for name in names if name.startswith("--"))
        return super().add_argument(*names, **kwargs)

    def error(self, message):
        raise SweepError(message)


def _toml(text: str) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the sweep extra installs tomli
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SweepError(f"not a TOML file: {error}") from None


def format_value(value) -> str:
    """A scalar as it appears in a run name and on the command line (TOML spelling)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def option_arguments(key: str, value) -> list[str]:
    """``--key value`` for one option (underscores become dashes): a list gives its values,
    ``true`` the bare flag, ``false`` nothing."""
    option = "--" + key.replace("_", "-")
    if isinstance(value, bool):
        return [option] if value else []
    if isinstance(value, list):
        return [option, *(format_value(v) for v in value)]
    return [option, format_value(value)]


def _check_options(where: str, options: dict, *, scalar: bool) -> None:
    for key, value in options.items():
        if key in SWEEP_OPTIONS:
            raise SweepError(f"{where}: {key!r} is set by the sweep (--out DIR/runs/<name>, --resume)")
        kinds = (str, int, float, bool) if scalar else (str, int, float, bool, list)
        if not isinstance(value, kinds) or (isinstance(value, list) and not all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value)):
            allowed = "a string, number or boolean" + ("" if scalar else ", or a list of strings or numbers")
            raise SweepError(f"{where}: {key} = {value!r} must be {allowed}")
        if scalar and any(c in format_value(value) for c in NAME_UNSAFE):
            raise SweepError(f"{where}: {key} = {value!r}: a grid value may not contain any of / \\ , = "
                             "(it becomes part of a folder name)")


def _grid_choices(grid: dict) -> list[list[dict]]:
    """Per grid key, its choices, each an {option: value} dict (one option, or a table's)."""
    if not isinstance(grid, dict) or not grid:
        raise SweepError("[grid] must list at least one option to vary, e.g. seed = [0, 1, 2, 3]")
    entries, owner = [], {}
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise SweepError(f"[grid] {key} must be a non-empty list, got {values!r}")
        tables = [isinstance(v, dict) for v in values]
        if any(tables) and not all(tables):
            raise SweepError(f"[grid] {key}: a list of tables (options set together) or of values, not both")
        choices = values if all(tables) else [{key: v} for v in values]
        for choice in choices:
            _check_options(f"[grid] {key}", choice, scalar=True)
            for option in choice:
                if owner.setdefault(option, key) != key:
                    raise SweepError(f"[grid] {option} is set by both {owner[option]!r} and {key!r}")
        entries.append(choices)
    return entries


def expand(fixed: dict, grid: dict) -> list[tuple[str, dict]]:
    """The grid points in order (the first grid key varies slowest): (name, settings)."""
    choices = _grid_choices(grid)
    points, names = [], set()
    for combination in itertools.product(*choices):
        values = {k: v for choice in combination for k, v in choice.items()}
        both = sorted(set(values) & set(fixed))
        if both:
            raise SweepError(f"{', '.join(both)}: set in both [fixed] and [grid]")
        name = ",".join(f"{k}={format_value(v)}" for k, v in values.items())
        if name in names:
            raise SweepError(f"[grid] gives the run {name!r} twice")
        names.add(name)
        points.append((name, {**fixed, **values}))
    return points


def _command_parser(command: str) -> argparse.ArgumentParser:
    from . import cli

    if command == "sweep" or command not in cli.COMMANDS:
        raise SweepError(f"command = {command!r} is not a command to sweep (such as reproduce or limit)")

    parser = _CommandParser(prog=f"sparsity-oracle {command}", add_help=False)
    importlib.import_module(cli.COMMANDS[command][0]).add_arguments(parser)
    missing = [f"--{option}" for option in SWEEP_OPTIONS if f"--{option}" not in parser.long_options]
    if missing:
        raise SweepError(f"command = {command!r} cannot be swept: it has no {' or '.join(missing)} option")
    return parser


def load_sweep(path) -> Sweep:
    """Read and check a sweep file: every run's arguments are parsed by the command's parser
    (with ``--out`` and ``--resume``, which the sweep adds); SweepError says what is wrong."""
    path = Path(path)
    try:
        data = _toml(path.read_text())
    except OSError as error:
        raise SweepError(f"cannot read {path}: {error.strerror}") from None
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise SweepError(f"{path}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(FILE_KEYS)})")
    command = data.get("command")
    if not isinstance(command, str):
        raise SweepError(f"{path}: command = \"reproduce\" (or another command) is missing")
    parser = _command_parser(command)
    fixed = data.get("fixed", {})
    if not isinstance(fixed, dict):
        raise SweepError("[fixed] must be a table of options")
    _check_options("[fixed]", fixed, scalar=False)
    if not isinstance(data.get("resources", {}), dict):
        raise SweepError("[resources] must be a table: cpus = ..., gpus = ...")
    resources = {**RESOURCES, **data.get("resources", {})}
    for key, value in resources.items():
        if key not in RESOURCES:
            raise SweepError(f"[resources] {key}: unknown (allowed: {', '.join(RESOURCES)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                value == 0 or 0 < value < 1 or float(value).is_integer() and value > 0):
            raise SweepError(f"[resources] {key} = {value!r} must be 0, a fraction below 1 or a whole number")
    if not any(resources.values()):
        raise SweepError("[resources]: a run needs some cpus or gpus (with none, Ray would start every run at once)")
    runs = []
    for name, settings in expand(fixed, data.get("grid")):
        argv = tuple(a for key, value in settings.items() for a in option_arguments(key, value))
        try:
            parser.parse_args([*argv, "--out", "OUT", "--resume"])
        except SweepError as error:
            raise SweepError(f"run {name}: {error}") from None
        runs.append(Run(name, settings, argv))
    return Sweep(command, tuple(runs), float(resources["cpus"]), float(resources["gpus"]))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def is_finished(out: Path, run: Run) -> bool:
    """Whether the run finished with these arguments (its status file says so, its folder is there)."""
    status = out / "status" / f"{run.name}.json"
    if not status.is_file() or not (out / "runs" / run.name).is_dir():
        return False
    return json.loads(status.read_text())["argv"] == list(run.argv)


def execute(out: str, cwd: str, command: str, run: Run) -> dict:
    """One attempt at a run, in the calling process (a Ray worker): the command's entry point
    with ``--out DIR/runs/<name>`` (and ``--resume`` if the folder exists), its output appended
    to ``logs/<name>.log``; on success ``status/<name>.json``.  Returns {"name", "exit",
    "message"} (the message: the last line of the log when the command failed)."""
    from . import cli

    out = Path(out)
    if not out.is_dir():
        return {"name": run.name, "exit": 1,
                "message": f"{out} is not visible on {socket.gethostname()}: --out must be on a filesystem shared by all nodes"}
    if Path(cwd).is_dir():
        os.chdir(cwd)
    folder = out / "runs" / run.name
    argv = [command, *run.argv, "--out", str(folder), *(["--resume"] if folder.exists() else [])]
    started = time.time()
    log_path = out / "logs" / f"{run.name}.log"
    with open(log_path, "a") as log:
        log.write(f"# attempt: pid {os.getpid()} on {socket.gethostname()} at {time.strftime('%Y-%m-%d %H:%M:%S')}: "
                  f"sparsity-oracle {' '.join(argv)}\n")
        log.flush()
        with redirect_stdout(log), redirect_stderr(log):
            try:
                code = cli.main(argv)
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            except Exception:  # a failing run is reported with its traceback in the log, the sweep goes on
                traceback.print_exc()
                code = 1
    if code != 0:
        lines = [line for line in log_path.read_text().splitlines() if line.strip()]
        return {"name": run.name, "exit": code, "message": lines[-1] if lines else ""}
    finished = time.time()
    status = {"name": run.name, "command": command, "argv": list(run.argv), "exit": 0,
              "host": socket.gethostname(), "pid": os.getpid(), "seconds": round(finished - started, 3),
              "finished": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(finished))}
    _write_atomic(out / "status" / f"{run.name}.json", json.dumps(status, indent=2) + "\n")
    return {"name": run.name, "exit": 0, "message": ""}


def _flatten(record: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def run_records(folder: Path) -> list[dict]:
    """The rows a run folder contributes: the lines of ``results.jsonl`` (reproduce: one per
    iteration or density), else one row holding the run's JSON records other than
    ``config.json`` (limit: ``limit.json``); nested objects flattened to ``a.b`` keys."""
    results = folder / "results.jsonl"
    if results.is_file():
        return [_flatten(json.loads(line)) for line in results.read_text().splitlines() if line.strip()]
    row = {}
    for path in sorted(folder.glob("*.json")):
        if path.name != "config.json":
            row.update(_flatten(json.loads(path.read_text())))
    return [row] if row else []


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return json.dumps(value)
    return format_value(value)


def summary_rows(out: Path, runs) -> tuple[list[str], list[dict]]:
    """The columns and rows of ``summary.csv``: one row per run and result record (iteration,
    density, ...), runs in grid order.  Columns: ``run``, every setting (the file's options,
    then the rest of the command's ``config.json`` settings; a setting's value is the command's
    own, from config.json, where it has one), then the records' fields.  A record field named
    like a setting is left out where it repeats the setting's value and kept as ``<name>
    (result)`` where it differs (limit: ``eps (result)``, the number ``--eps batch-std`` gave)."""
    columns, rows = ["run"], []
    for run in runs:
        folder = out / "runs" / run.name
        config = folder / "config.json"
        saved = json.loads(config.read_text()).get("settings", {}) if config.is_file() else {}
        settings = {**run.settings, **{k: v for k, v in saved.items() if k in run.settings}}
        settings.update({k: v for k, v in saved.items() if k not in settings})
        for record in run_records(folder):
            row = {"run": run.name, **settings}
            for key, value in record.items():
                if key not in settings:
                    row[key] = value
                elif value != settings[key]:
                    row[f"{key} (result)"] = value
            columns.extend(k for k in row if k not in columns)
            rows.append(row)
    return columns, rows


def write_summary(out: Path, runs) -> Path:
    """``DIR/summary.csv`` of ``runs`` (see ``summary_rows``), written atomically."""
    columns, rows = summary_rows(out, runs)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    path = out / "summary.csv"
    _write_atomic(path, buffer.getvalue())
    return path


def write_figures(out: Path, runs) -> list[Path]:
    """``DIR/figures/``: the ``plot`` command's figures of the finished runs of ``reproduce``
    (``cli_plot.plot_sweep``: per iteration, or per density); none, with a note, without matplotlib."""
    from .gpu_impl.experiments.cli_plot import plot_sweep, sweep_runs

    drawn = set(sweep_runs(out))
    members = [out / "runs" / run.name for run in runs if out / "runs" / run.name in drawn]  # grid order
    try:
        return plot_sweep(out, members) if members else []
    except ModuleNotFoundError as error:
        print(f"sparsity-oracle sweep: figures not drawn: {error.name} is not installed "
              "(pip install 'sparsity-oracle[torch]')", file=sys.stderr)
        return []


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="SWEEP.toml", help="the sweep: command, [fixed], [grid], [resources]")
    parser.add_argument("--out", required=True, help="output folder (runs/, summary.csv, figures/, logs/, status/)")
    parser.add_argument("--address", default=None,
                        help="an existing Ray cluster (ray start --head prints it; default: a local Ray in this process)")
    parser.add_argument("--resume", action="store_true",
                        help="continue: finished runs are skipped, started ones resumed")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar on stderr")


def _error(message: str) -> int:
    print(f"sparsity-oracle sweep: error: {message}", file=sys.stderr)
    return 2


def _prepare(args, sweep: Sweep) -> Path:
    out = Path(args.out).resolve()
    runs = out / "runs"
    if not args.resume and runs.is_dir() and any(runs.iterdir()):
        raise SweepError(f"{out} already holds a sweep: pass --resume or choose another --out")
    for sub in ("runs", "status", "logs"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    _write_atomic(out / "sweep.toml", Path(args.file).read_text())
    return out


class RayUnavailable(RuntimeError):
    """Ray could not be started, or the cluster of --address not reached (exit status 1)."""


def _start_ray(ray, address) -> None:
    # Ray >= 2.5x leaves CUDA_VISIBLE_DEVICES alone in a task given no GPU; this switch (Ray's
    # own) hides the GPUs from such a task again, so that "gpus = 0" runs stay off GPU 0.
    options = dict(log_to_driver=False, logging_level="WARNING",
                   runtime_env={"env_vars": {"RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO": "1"}})
    try:
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(include_dashboard=False, **options)
    except Exception as error:  # whatever Ray raises, the user gets one line
        what = f"reach the Ray cluster at {address}" if address else "start a local Ray"
        causes = [error, *([error.__cause__] if error.__cause__ else [])]
        raise RayUnavailable(f"cannot {what}: " + "; ".join(_last_line(e, first=True) for e in causes)) from None


def _last_line(error: BaseException, first: bool = False) -> str:
    """The first or last non-empty line of an exception's message, without terminal colours."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines() if line.strip()]
    return (lines[0] if first else lines[-1]) if lines else type(error).__name__


def _run_on_ray(ray, args, out: Path, sweep: Sweep, pending, bar) -> list[dict]:
    """Submit the pending runs as Ray tasks and wait for them all; returns the failures."""
    _start_ray(ray, args.address)
    task = ray.remote(num_cpus=sweep.cpus, num_gpus=sweep.gpus, max_retries=RETRIES)(execute)
    refs = {task.options(name=run.name).remote(str(out), os.getcwd(), sweep.command, run): run for run in pending}
    failures, waiting = [], list(refs)
    try:
        while waiting:
            # a short timeout: Ctrl-C reaches Python only between calls, not inside a blocked wait
            done, waiting = ray.wait(waiting, num_returns=1, timeout=WAIT_SECONDS)
            if not done:
                continue
            try:
                result = ray.get(done[0])
            except ray.exceptions.RayError as error:  # the worker died RETRIES + 1 times, the task could not start, ...
                result = {"name": refs[done[0]].name, "exit": 1, "message": _last_line(error)}
            if result["exit"]:
                failures.append(result)
            bar.update()
            bar.set_postfix(failed=len(failures))
    except KeyboardInterrupt:  # stop the runs now (their workers killed), not when Ray shuts down
        for ref in waiting:
            ray.cancel(ref, force=True)
        raise
    return failures


def run(args) -> int:
    try:
        import ray
    except ImportError:
        print(f"sparsity-oracle sweep: error: {UNAVAILABLE}", file=sys.stderr)
        return 1
    from tqdm import tqdm

    try:
        sweep = load_sweep(args.file)
        out = _prepare(args, sweep)
    except SweepError as error:
        return _error(str(error))
    pending = [run for run in sweep.runs if not is_finished(out, run)]
    bar = tqdm(total=len(sweep.runs), initial=len(sweep.runs) - len(pending), unit="run", file=sys.stderr,
               disable=not args.progress, desc=f"sweep {Path(args.file).name}")
    failures = []
    try:
        if pending:
            failures = _run_on_ray(ray, args, out, sweep, pending, bar)
    except RayUnavailable as error:
        bar.close()
        print(f"sparsity-oracle sweep: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        finished = sum(is_finished(out, run) for run in sweep.runs)
        address = f" --address {args.address}" if args.address else ""
        print(f"sparsity-oracle sweep: interrupted; {finished} of {len(sweep.runs)} runs finished; {INTERRUPTED}: "
              f"sparsity-oracle sweep {args.file} --out {args.out}{address} --resume", file=sys.stderr)
        return 130
    finally:
        if ray.is_initialized():
            ray.shutdown()
    bar.close()
    finished = [run for run in sweep.runs if is_finished(out, run)]
    summary = write_summary(out, finished)
    print(f"{out}: {len(finished)} of {len(sweep.runs)} runs finished "
          f"({len(sweep.runs) - len(pending)} before this invocation), {len(failures)} failed")
    for failure in failures:
        print(f"  failed: {failure['name']} (exit {failure['exit']}): {failure['message']} "
              f"[log: {out / 'logs' / (failure['name'] + '.log')}]")
    print(summary)
    for figure in write_figures(out, finished):
        print(figure)
    return 1 if failures else 0
