"""Mutation testing of the core modules: does each module's own test suite notice a small bug?

Two kinds of mutants, each run against the module's own tests only (``GROUPS``):

* ``mutmut`` (mutmut 3, from PyPI): every operator, number, string, comparison, argument
  and call swap mutmut generates inside the functions of the module's files.  mutmut names
  a mutant after the module it finds the file in, so the repository's folders are first laid
  out as the installed package (``reference/`` -> ``sparsity_oracle/reference/``, as the
  ``package-dir`` of pyproject.toml does) in a staging folder ``.mutation/<group>/``, and
  mutmut runs there; its copy ``mutants/`` comes first on ``sys.path``, ahead of the editable
  install (``--check`` shows that the staged mutants are the code the tests exercise).
* ``planted`` (``benchmarks/mutation_planted.py``): hand-written plausible bugs that mutmut
  cannot make, mostly in module-level constants (error budgets, margins) and whole
  behaviours (resume from scratch, One-shot ranking by w_t); each is applied to a fresh
  staged copy, and the group's tests run with ``PYTHONPATH`` on it.

A surviving mutant that no test can notice (the behaviour is the same) is *equivalent*; each
is listed with its reason in ``benchmarks/mutation_equivalents.toml`` and counted apart.
Score = killed / (mutants - equivalent), with timeouts counted as killed (the tests did not
pass: a hung test fails CI through pytest-timeout too), and so do crashes (the test process
killed by a signal, e.g. when a mutant exhausts the memory).  mutmut's own "timeout" also
covers its test runner's errors (exit 255: a test id pytest could not find again); those are
no verdict, and are judged again in a fresh process (``collect_mutmut``).  Results go to
``.mutation/results/<group>-<tool>.json`` and the table (markdown) to ``.mutation/table.md``;
each row records the commit it was measured on.

    bash benchmarks/mutation.sh                      # every group, both tools
    bash benchmarks/mutation.sh reference.sap proofs.core     # some modules
    bash benchmarks/mutation.sh --at a8f32a4 --label before proofs.core   # an earlier commit
    TOOL=planted bash benchmarks/mutation.sh         # only the planted mutants
    TOOL=mutmut bash benchmarks/mutation.sh --sample 37 reference.sap   # mutants numbered *3, *7
    python benchmarks/mutation.py --table            # the table of the stored results
    python benchmarks/mutation.py --check proofs.core     # the staged copy is what the tests run

Not part of CI: a full run takes hours on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"
RESULTS = WORK / "results"
#: repository folder -> its place in the installed package (pyproject.toml's package-dir)
LAYOUT = {
    "sparsity_oracle": "sparsity_oracle",
    "reference": "sparsity_oracle/reference",
    "gpu_impl": "sparsity_oracle/gpu_impl",
    "properties": "sparsity_oracle/properties",
    "proofs": "sparsity_oracle/proofs",
}


@dataclass(frozen=True)
class Group:
    """One mutmut run: the files mutated (repository paths) and the tests that judge them.
    ``confirm``: re-run every survivor against all of ``tests`` (``collect_mutmut``), for test
    folders whose assertions read module-scoped fixtures or whose modules run code on import."""

    files: tuple[str, ...]
    tests: tuple[str, ...]
    confirm: bool = False


_ORACLE_TESTS = ("tests/meta", "tests/oracle", "sparsity_oracle/oracle/test_oracle.py")

#: one group per core module (one mutmut run each, so that each row can be re-measured alone)
GROUPS = {
    "proofs.core": Group(("proofs/core.py",), ("tests/proofs",), confirm=True),
    "reference.sap": Group(("reference/sap.py",), ("tests/reference",)),
    "reference.limit": Group(("reference/limit.py",), ("tests/reference",)),
    "reference.gini": Group(("reference/gini.py",), ("tests/reference",)),
    "reference._precision": Group(("reference/_precision.py",), ("tests/reference",)),
    "gpu_impl.pruning": Group(("gpu_impl/pruning.py",), ("tests/gpu_impl",)),
    "gpu_impl.measures": Group(("gpu_impl/measures.py",), ("tests/gpu_impl",)),
    "reference.pqi": Group(("reference/pqi.py",), ("tests/reference",)),
    "reference._powersum": Group(("reference/_powersum.py",), ("tests/reference",)),
    "oracle.tolerances": Group(("sparsity_oracle/oracle/tolerances.py",), _ORACLE_TESTS),
    "oracle.checks": Group(("sparsity_oracle/oracle/checks.py",), _ORACLE_TESTS),
    "oracle.counts": Group(("sparsity_oracle/oracle/counts.py",), _ORACLE_TESTS),
    "oracle.masks": Group(("sparsity_oracle/oracle/masks.py",), _ORACLE_TESTS),
    "properties.predicates": Group(("properties/predicates.py",), ("tests/properties",)),
    "properties.check": Group(("properties/check.py",), ("tests/properties",)),
    "experiments.runner": Group(("gpu_impl/experiments/runner.py",), ("tests/experiments",), confirm=True),
}


def staged(path: str) -> str:
    """The path of a repository file in the staged package layout."""
    top, _, rest = path.partition("/")
    return f"{LAYOUT[top]}/{rest}" if top in LAYOUT else path


#: the source staged: None = the working tree, else a git revision (``--at``)
REVISION: str | None = None
#: the label results are stored under (``--label``); runs under different labels never share a folder
LABEL = ""
#: ``--sample``: mutmut runs only the mutants whose number ends in one of these digits (a
#: systematic sample of the module, "" = all)
SAMPLE = ""


def workspace(name: str) -> Path:
    """The staging folder of one run: ``.mutation/<name>[-<label>]``."""
    return WORK / (f"{name}-{LABEL}" if LABEL else name)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def commit() -> str:
    """The commit measured (with "+dirty" when the working tree's tracked files differ from it)."""
    if REVISION is not None:
        return git("rev-parse", "--short", REVISION)
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *LAYOUT, "tests")
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


#: folders some tests read (ready-made sweeps, committed results), staged as they are
ALSO_STAGED = ("docs", "benchmarks")


def stage(target: Path) -> None:
    """Copy the package folders (in the installed layout), the tests and ``ALSO_STAGED`` of the
    working tree, or of ``REVISION``, to ``target``."""
    if target.exists():
        shutil.rmtree(target)
    source = ROOT
    if REVISION is not None:
        source = target.with_name(target.name + "-source")
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", REVISION, *LAYOUT, "tests", *ALSO_STAGED], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for folder, place in LAYOUT.items():
        shutil.copytree(source / folder, target / place, ignore=ignore, dirs_exist_ok=True)
    for folder in ("tests", *ALSO_STAGED):
        shutil.copytree(source / folder, target / folder, ignore=ignore)
    if source != ROOT:
        shutil.rmtree(source)


def pytest_config() -> str:
    """The repository's pytest settings (markers, the per-test timeout that fails a hung test),
    without its addopts/testpaths."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    options = data["tool"]["pytest"]["ini_options"]
    return ("[tool.pytest.ini_options]\nmarkers = " + json.dumps(options.get("markers", []))
            + f"\ntimeout = {options['timeout']}\n")


def environment(**extra) -> dict:
    """This process's environment with CI set (the derandomized hypothesis profile), without its
    PYTHONPATH, then ``extra`` (a PYTHONPATH given there is kept)."""
    env = dict(os.environ, CI="true")
    env.pop("PYTHONPATH", None)
    return {**env, **extra}


# --- mutmut --------------------------------------------------------------------------------


def run_mutmut(name: str, group: Group, max_children: int) -> dict:
    where = workspace(name)
    stage(where)
    config = {
        "source_paths": ["sparsity_oracle"],
        "only_mutate": [staged(f) for f in group.files],
        "pytest_add_cli_args_test_selection": [staged(t) for t in group.tests],
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
        # each mutant is forked from a process that has only collected the tests, so no cache
        # filled by mutmut's stats run (the lemmas, lru_caches) can hide a mutant
        "process_isolation": "forkserver",
        # an earlier commit's tests (``--at``) may have test ids that pytest escapes, which a
        # second pytest run in the same process does not find again (tests/conftest.py refuses
        # them now): there each mutant's tests are collected in its own fresh process
        "forkserver_warmup": "collect" if REVISION is None else "none",
        # mutmut's time estimate leaves out fixtures (the proofs' check_all) and the machine is
        # shared: a wall-clock limit of (30 s + 15 x the tests' time) / 2 per mutant is generous
        "timeout_constant": 30.0,
        "use_git_change_detection": False,
        "also_copy": list(ALSO_STAGED),  # besides tests/, which mutmut copies itself
    }
    lines = ["[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in config.items()]
    (where / "pyproject.toml").write_text("\n".join(lines) + "\n\n" + pytest_config())
    measured_on = commit()
    sample = [f"*__mutmut_*{digit}" for digit in SAMPLE]
    subprocess.run([*MUTMUT, "run", "--max-children", str(max_children), *sample], cwd=where, env=environment(), check=False)
    result = collect_mutmut(name, group, measured_on)
    result["sample"] = SAMPLE
    return result


MUTMUT = [sys.executable, "-m", "mutmut"]
#: wall-clock limit of one confirmation run of a group's tests (shared machine, nice 19)
CONFIRM_TIMEOUT = 3600


#: mutmut's exit codes (``mutmut.stats``) read as a verdict; any other code is an error, not a
#: verdict ("no verdict"): 255 is an exception in mutmut's test runner (pytest exit 4, a test id
#: not found), which ``mutmut results`` prints as "timeout"
MUTMUT_VERDICTS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
                   -24: "timeout", 24: "timeout", 152: "timeout", 36: "timeout", -9: "crashed", -11: "crashed"}


def mutmut_statuses(where: Path) -> dict[str, str]:
    """Each mutant's verdict from mutmut's own records (``mutants/**/*.py.meta``)."""
    statuses = {}
    for meta in sorted((where / "mutants").rglob("*.py.meta")):
        for mutant, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code is not None:  # None: not run (outside ``--sample``)
                statuses[mutant] = MUTMUT_VERDICTS.get(code, f"no verdict (mutmut exit {code})")
    return statuses


def collect_mutmut(name: str, group: Group, measured_on: str) -> dict:
    """mutmut's verdicts, each mutant that mutmut did not see killed judged again.

    mutmut runs, for a mutant, only the tests that called its function while it collected its
    statistics: a test whose assertions come from a module-scoped fixture (the proofs'
    ``check_all``) is not associated with the functions the fixture called, and functions
    called at import time (decorators such as ``proofs.core.cached``) run before the mutant is
    switched on.  And mutmut's record may be no verdict at all (an error of its test runner).
    So every mutant without a verdict, and for groups with ``confirm`` (the patterns above)
    every survivor, is run once more, in a fresh process with the mutant active from the start,
    against all of the group's tests; if they fail it is killed ("killed (whole suite)")."""
    where = workspace(name)
    mutants = []
    for mutant, status in mutmut_statuses(where).items():
        entry = {"name": mutant, "status": status}
        if status.startswith("no verdict") or (status not in KILLED and group.confirm):
            entry["status"] = confirm(where, group, mutant, status)
            print(f"  {mutant}: {status} -> {entry['status']}", flush=True)
        if entry["status"] not in KILLED:
            entry["diff"] = subprocess.run([*MUTMUT, "show", mutant], cwd=where, env=environment(),
                                           capture_output=True, text=True).stdout
        mutants.append(entry)
    return {"group": name, "tool": "mutmut", "commit": measured_on, "mutants": mutants}


def confirm(where: Path, group: Group, mutant: str, status: str) -> str:
    tests = [staged(t) for t in group.tests]
    try:
        run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "2", *tests],
                             cwd=where / "mutants", env=environment(MUTANT_UNDER_TEST=mutant, PYTHONPATH=str(where / "mutants")),
                             capture_output=True, text=True, timeout=CONFIRM_TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout"
    if run.returncode == 0:
        return "survived" if status.startswith("no verdict") else status
    return "killed (whole suite)" if run.returncode in (1, 2) else f"no verdict (pytest exit {run.returncode})"


def recheck(name: str, group: Group) -> dict:
    """The survivors of the stored mutmut run of ``name`` but the listed equivalents, judged again
    by the working tree's tests (each against the group's whole test selection, as ``confirm``);
    the mutated files must be unchanged since that run, and those tests must pass on the staged
    package without a mutant (else a full run is needed).  The row then records both commits:
    ``<source commit> / tests <tests commit>``."""
    where = workspace(name)
    path = RESULTS / f"{name}-mutmut{'-' + LABEL if LABEL else ''}.json"
    result = json.loads(path.read_text())
    for f in group.files:
        if (where / staged(f)).read_text() != (ROOT / f).read_text():
            raise SystemExit(f"{f} changed since the mutmut run of {name}: run it again in full")
    shutil.rmtree(where / "mutants" / "tests")
    shutil.copytree(ROOT / "tests", where / "mutants" / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    # a kill counts only where the tests pass without a mutant: a test of a change made since the
    # staging (in another file of the staged package) fails on every mutant alike
    baseline = confirm(where, group, "", "survived")
    if baseline != "survived":
        raise SystemExit(f"the working tree's tests do not pass on the package staged for {name} ({baseline}): "
                         "run it again in full")
    known = equivalents()
    for entry in result["mutants"]:
        if entry["status"] not in KILLED and not is_equivalent(entry, file_of(entry["name"], group), known):
            before = entry["status"]
            entry["status"] = confirm(where, group, entry["name"], before)
            print(f"  {entry['name']}: {before} -> {entry['status']}", flush=True)
    source = result["commit"].split(" / ")[0]
    result["commit"] = f"{source} / tests {commit()}"
    path.write_text(json.dumps(result, indent=1) + "\n")
    return result


def file_of(mutant: str, group: Group) -> str:
    """Repository file of a mutmut mutant name (``sparsity_oracle.reference.sap.x_f__mutmut_3``)."""
    module = mutant.split(".x_")[0].split(".xǁ")[0]
    for f in group.files:
        if staged(f)[: -len(".py")].replace("/", ".") == module:
            return f
    raise KeyError(mutant)


# --- planted mutants -------------------------------------------------------------------------


def run_planted(name: str, group: Group) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from mutation_planted import PLANTED

    measured_on = commit()
    where = workspace(f"{name}-planted")
    mutants = []
    for mutant in (m for m in PLANTED if m.file in group.files):
        stage(where)
        path = where / staged(mutant.file)
        source = path.read_text()
        if source.count(mutant.original) != 1:
            mutants.append({"name": mutant.name, "status": "stale (original text not found once)", "file": mutant.file})
            continue
        path.write_text(source.replace(mutant.original, mutant.mutated))
        tests = [staged(t) for t in (mutant.tests or group.tests)]
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "2", *tests],
            cwd=where, env=environment(PYTHONPATH=str(where)), capture_output=True, text=True,
        )
        killer = re.search(r"^(?:FAILED|ERROR) (\S+)", run.stdout, flags=re.M)
        status = "survived" if run.returncode == 0 else "killed" if planted_killed(run.returncode, killer) else f"error {run.returncode}"
        print(f"  {mutant.name}: {status}" + (f" by {killer.group(1)}" if killer else ""), flush=True)
        mutants.append({"name": mutant.name, "status": status, "file": mutant.file,
                        "diff": f"- {mutant.original}\n+ {mutant.mutated}", "killer": killer.group(1) if killer else None})
    shutil.rmtree(where, ignore_errors=True)
    return {"group": name, "tool": "planted", "commit": measured_on, "mutants": mutants}


def planted_killed(returncode: int, killer) -> bool:
    """Whether a planted mutant's test run failed: pytest's 1 (a test failed), or 2 with a failed
    or erroring test named (xdist reports ``-x`` stopping the workers as an interruption)."""
    return returncode == 1 or (returncode == 2 and killer is not None)


def check_setup(name: str, group: Group) -> bool:
    """Stage ``name`` and confirm that the tests run the staged copy: with the first mutated
    file replaced by one that raises on import, the group's tests must fail."""
    where = workspace(f"{name}-check")
    stage(where)
    path = where / staged(group.files[0])
    path.write_text(path.read_text() + "\nraise RuntimeError('staged mutant imported')\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "0",
                          *[staged(t) for t in group.tests]],
                         cwd=where, env=environment(PYTHONPATH=str(where)), capture_output=True, text=True)
    shutil.rmtree(where, ignore_errors=True)
    ok = run.returncode != 0 and "staged mutant imported" in run.stdout + run.stderr
    print(f"{name}: the staged copy is {'exercised' if ok else 'NOT exercised'} by {', '.join(group.tests)}")
    return ok


# --- equivalents and the table ---------------------------------------------------------------


def changed_lines(diff: str, sign: str) -> str:
    return "\n".join(line[1:].strip() for line in diff.splitlines()
                     if line.startswith(sign) and not line.startswith(sign * 3))


def equivalents() -> list[dict]:
    path = ROOT / "benchmarks" / "mutation_equivalents.toml"
    return tomllib.loads(path.read_text()).get("equivalent", []) if path.exists() else []


def is_equivalent(entry: dict, file: str, known: list[dict]) -> str | None:
    """The reason, when a listed equivalent matches this survivor (file, function, changed lines)."""
    diff = entry.get("diff", "")
    for eq in known:
        if eq["file"] != file or eq.get("function", "") not in entry["name"]:
            continue
        if changed_lines(diff, "-") == eq["original"].strip() and changed_lines(diff, "+") == eq["mutated"].strip():
            return eq["reason"]
    return None


KILLED = ("killed", "timeout", "crashed", "killed (whole suite)")


def is_killed(entry: dict) -> bool:
    """A stored verdict read as killed (planted runs stored before ``planted_killed`` recorded
    xdist's interrupted ``-x`` runs as "error 2" with the failing test named)."""
    status = entry["status"]
    if status.startswith("error "):
        return planted_killed(int(status.split()[1]), entry.get("killer"))
    return status in KILLED


def summarise(result: dict) -> list[dict]:
    group = GROUPS[result["group"]]
    known = equivalents()
    rows = {}
    for entry in result["mutants"]:
        file = entry.get("file") or file_of(entry["name"], group)
        row = rows.setdefault(file, {"file": file, "tool": result["tool"], "commit": result["commit"],
                                     "mutants": 0, "killed": 0, "timeouts": 0, "survived": 0, "equivalent": 0,
                                     "survivors": []})
        row["mutants"] += 1
        if is_killed(entry):
            row["killed"] += 1
            row["timeouts"] += entry["status"] == "timeout"
        elif is_equivalent(entry, file, known):
            row["equivalent"] += 1
        else:
            row["survived"] += 1
            row["survivors"].append(entry["name"])
    return [rows[f] for f in group.files if f in rows]


def table() -> str:
    lines = ["| module | tool | tests | mutants | killed (timeouts) | survived | equivalent | killed / non-equivalent | commit |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for name in GROUPS:
        for tool in ("mutmut", "planted"):
            for path in sorted(RESULTS.glob(f"{name}-{tool}*.json"), key=lambda p: p.stem != f"{name}-{tool}-before"):
                result = json.loads(path.read_text())
                for row in summarise(result):
                    live = row["mutants"] - row["equivalent"]
                    score = f"{100 * row['killed'] / live:.1f} %" if live else "-"
                    tests = (result.get("label") or "now") + (f", sample *{'/*'.join(result['sample'])}" if result.get("sample") else "")
                    lines.append(f"| {row['file']} | {tool} | {tests} | {row['mutants']} "
                                 f"| {row['killed']} ({row['timeouts']}) | {row['survived']} | {row['equivalent']} | {score} | {row['commit']} |")
    return "\n".join(lines)


def equivalents_table() -> str:
    """The listed equivalent mutants as a markdown table (for docs/testing.md)."""
    lines = ["| module | function | original → mutated | why no test can tell |", "|---|---|---|---|"]
    for eq in equivalents():
        change = f"`{eq['original'].strip()}` → `{eq['mutated'].strip()}`".replace("|", "\\|")
        lines.append(f"| {eq['file']} | {eq.get('function', '')} | {change} | {eq['reason']} |")
    return "\n".join(lines)


def survivors() -> str:
    out = []
    for path in sorted(RESULTS.glob("*.json")):
        for row in summarise(json.loads(path.read_text())):
            out += [f"{row['file']} ({row['tool']}): {name}" for name in row["survivors"]]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"groups to run, of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--tool", choices=("mutmut", "planted", "both"), default="both")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--table", action="store_true", help="print the table of the stored results and exit")
    parser.add_argument("--survivors", action="store_true", help="list the non-equivalent survivors and exit")
    parser.add_argument("--equivalents", action="store_true", help="print the equivalent mutants' table and exit")
    parser.add_argument("--check", action="store_true", help="only confirm that the staged copy is what the tests run")
    parser.add_argument("--collect", action="store_true",
                        help="only collect (and confirm) the verdicts of the groups' last mutmut runs")
    parser.add_argument("--recheck", action="store_true",
                        help="judge the stored survivors again with the working tree's tests (sources unchanged)")
    parser.add_argument("--at", metavar="REV", help="measure the package and tests of git revision REV (default: the working tree)")
    parser.add_argument("--label", default="", help="stored apart under this label (e.g. before); the table shows it")
    parser.add_argument("--sample", default="", metavar="DIGITS",
                        help="mutmut: run only the mutants whose number ends in one of DIGITS (e.g. 37: a fifth)")
    args = parser.parse_args(argv)
    global REVISION, LABEL, SAMPLE
    REVISION, LABEL, SAMPLE = args.at, args.label, args.sample
    if SAMPLE and not (SAMPLE.isdigit() and len(set(SAMPLE)) == len(SAMPLE)):
        parser.error(f"--sample takes distinct digits, e.g. 37, got {SAMPLE!r}")
    if args.table or args.survivors or args.equivalents:
        print(table() if args.table else survivors() if args.survivors else equivalents_table())
        return 0
    names = args.groups or list(GROUPS)
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {unknown}; choose from {list(GROUPS)}")
    if args.check:
        return 0 if all([check_setup(n, GROUPS[n]) for n in names]) else 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.recheck:
        for name in names:
            recheck(name, GROUPS[name])
        print(table())
        return 0
    if args.collect:
        for name in names:
            result = collect_mutmut(name, GROUPS[name], commit())
            result["label"] = args.label
            suffix = f"-{args.label}" if args.label else ""
            (RESULTS / f"{name}-mutmut{suffix}.json").write_text(json.dumps(result, indent=1) + "\n")
        print(table())
        return 0
    for name in names:
        tools = ("mutmut", "planted") if args.tool == "both" else (args.tool,)
        for tool in tools:
            print(f"== {name}: {tool}", flush=True)
            result = run_mutmut(name, GROUPS[name], args.max_children) if tool == "mutmut" else run_planted(name, GROUPS[name])
            result["label"] = args.label
            suffix = f"-{args.label}" if args.label else ""
            (RESULTS / f"{name}-{tool}{suffix}.json").write_text(json.dumps(result, indent=1) + "\n")
    table_text = table()
    (WORK / "table.md").write_text(table_text + "\n")
    print(table_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
