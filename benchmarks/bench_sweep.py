"""A sweep on N cores against the same runs one after another (issue 16, docs/benchmarks.md).

    python benchmarks/bench_sweep.py [--sweep benchmarks/sweeps/pqi-fig2-mlp.toml] [--cpus 2] [--work DIR]
                                     [--no-processes]

Default: the digits Figure 2 grid (4 methods x 4 seeds, MLP, T = 10, E = 10; 16 runs).

1. Ray's start-up, in a fresh process: ``import ray``, a local ``ray.init`` with N CPUs (as the
   sweep starts it), the first task's round trip (a worker process started) and ``ray.shutdown``.
2. One after another, as the former ``benchmarks/run_reproduction.sh`` did: every run of the sweep as
   its own ``sparsity-oracle reproduce`` process, in grid order (skipped with ``--no-processes``).
3. The same runs one after another in one process (``cli.main``): no process start-up, the
   cost of the computation alone.
4. The sweep: ``sparsity-oracle sweep FILE --out WORK/sweep`` on a local Ray of N CPUs.

Then every run's ``results.jsonl`` of 2 (if run), 3 and 4 must be byte-identical (exit status 1 if not),
and the wall times, their ratios and ``uptime``'s load before and after are printed as
Markdown.  WORK defaults to a temporary folder, removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

from sparsity_oracle.cli import main
from sparsity_oracle.sweep import load_sweep

ROOT = Path(__file__).resolve().parents[1]
STARTUP = """
import json, time
t0 = time.perf_counter()
import ray
t1 = time.perf_counter()
ray.init(num_cpus={cpus}, include_dashboard=False, log_to_driver=False, logging_level="WARNING",
         runtime_env={{"env_vars": {{"RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO": "1"}}}})
t2 = time.perf_counter()
ray.get(ray.remote(lambda: 0).remote())
t3 = time.perf_counter()
ray.shutdown()
t4 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "init": t2 - t1, "first task": t3 - t2, "shutdown": t4 - t3}}))
"""


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run_checked(args, env=None) -> None:
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if result.returncode:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}")


def main_cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", default=str(ROOT / "benchmarks" / "sweeps" / "pqi-fig2-mlp.toml"))
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray (default 2)")
    parser.add_argument("--work", default=None, help="folder for the runs (default: a temporary folder)")
    parser.add_argument("--no-processes", dest="processes", action="store_false",
                        help="skip the baseline of one process per run")
    args = parser.parse_args()
    sweep = load_sweep(args.sweep)
    env = {**os.environ, "RAY_OVERRIDE_RESOURCES": json.dumps({"CPU": args.cpus})}
    command = [sys.executable, "-m", "sparsity_oracle"]
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(args.work or temporary)
        before = load()
        startup = json.loads(subprocess.run([sys.executable, "-c", STARTUP.format(cpus=args.cpus)],
                                            capture_output=True, text=True, check=True).stdout)
        processes = timed(lambda: [run_checked([*command, sweep.command, *run.argv,
                                                "--out", str(work / "processes" / run.name)])
                                   for run in sweep.runs]) if args.processes else None
        with open(os.devnull, "w") as quiet, redirect_stdout(quiet):  # each run's one-line report
            in_process = timed(lambda: [main([sweep.command, *run.argv, "--out", str(work / "in-process" / run.name)])
                                        for run in sweep.runs])
        on_ray = timed(lambda: run_checked([*command, "sweep", args.sweep, "--out", str(work / "sweep"),
                                            "--no-progress"], env=env))
        after = load()
        kinds = [*(["processes"] if args.processes else []), "in-process", "sweep/runs"]
        differ = [run.name for run in sweep.runs
                  if len({(work / kind / run.name / "results.jsonl").read_bytes() for kind in kinds}) != 1]
    print(f"sweep: {args.sweep} ({len(sweep.runs)} runs), local Ray with {args.cpus} CPUs, "
          f"{sweep.cpus:g} CPU per run\n")
    print(f"load before: {before}\nload after:  {after}\n")
    print("| measurement | wall time | ratio to the sweep |\n|---|---:|---:|")
    if processes is not None:
        print(f"| one after another, a process per run | {processes:.1f} s | {processes / on_ray:.2f}x |")
    print(f"| one after another, in one process | {in_process:.1f} s | {in_process / on_ray:.2f}x |")
    print(f"| the sweep (process start to exit) | {on_ray:.1f} s | 1 |")
    print("\nRay start-up (fresh process): " + ", ".join(f"{k} {v:.2f} s" for k, v in startup.items())
          + f"; total {sum(startup.values()):.2f} s")
    print(f"\nresults.jsonl identical ({', '.join(kinds)}): {'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main_cli())
