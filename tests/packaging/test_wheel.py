"""The distribution as a user gets it: one import namespace, and the oracle's shipped tests run
with ``pytest --pyargs`` from any folder in a fresh virtual environment (non-editable install)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Repository folders that are not part of the distribution.
NOT_SHIPPED = {"tests", "benchmarks", "docs", "build", "dist", "runs", ".git", ".ci"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_packages_list_every_package_folder():
    """pyproject's explicit ``packages`` names each folder with an ``__init__.py`` under the
    mapped package directories, so no subpackage is silently left out of the wheel."""
    setuptools = _pyproject()["tool"]["setuptools"]
    package_dir = setuptools["package-dir"]
    found = set()
    for package, folder in package_dir.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    assert found == set(setuptools["packages"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(ROOT, source, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(*NOT_SHIPPED, "*.egg-info", "__pycache__", ".hypothesis"))
    out = tmp_path_factory.mktemp("wheel")
    # built as pip builds it for a user: in an isolated environment with pyproject's build-system
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(out)], check=True)
    (found,) = out.glob("sparsity_oracle-*.whl")
    return found


def test_wheel_installs_one_namespace(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"sparsity_oracle"}
    for shipped in ("sparsity_oracle/reference/__init__.py", "sparsity_oracle/gpu_impl/experiments/runner.py",
                    "sparsity_oracle/oracle/test_oracle.py", "sparsity_oracle/properties/strategies.py",
                    "sparsity_oracle/proofs/theorem1.py", "sparsity_oracle/claims/mo2023-spode-slides.toml"):
        assert shipped in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]" in text and "sparsity_oracle.oracle.pytest_plugin" in text


#: A user's implementation, outside any checkout: a float64 Gini of numpy arrays.
USER_IMPL = '''
import numpy as np

def gini(w):
    c = np.sort(np.abs(np.asarray(w, dtype=np.float64)))
    if c.size == 0 or not np.all(np.isfinite(c)) or not c.any():
        raise ValueError("gini needs a non-empty finite vector with a non-zero entry")
    n = c.size
    k = np.arange(1, n + 1)
    return float(1 - 2 * np.sum((c / c.sum()) * (n - k + 0.5) / n))
'''


def test_pyargs_from_outside_the_checkout(wheel, tmp_path):
    """In a fresh venv (system site-packages for numpy, torch, pytest; the wheel installed into
    the venv, which shadows any other install), from a folder that is not the checkout:
    ``pytest --pyargs sparsity_oracle.oracle --impl usergini`` passes a correct Gini and fails a
    wrong one."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    str(wheel)], check=True)
    work = tmp_path / "user"
    work.mkdir()
    (work / "usergini.py").write_text(USER_IMPL)
    (work / "badgini.py").write_text(USER_IMPL.replace("(n - k + 0.5) / n", "(n - k + 0.5) / (n - 1)"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPARSITY_ORACLE_IMPL")}
    env["PYTHONPATH"] = str(work)

    def pytest_in_venv(impl):
        return subprocess.run(
            [str(python), "-m", "pytest", "--pyargs", "sparsity_oracle.oracle", "--impl", impl, "-v",
             "-p", "no:cacheprovider", "-k", "gini", "-W", "ignore::pytest.PytestAssertRewriteWarning"],
            cwd=work, env=env, capture_output=True, text=True, timeout=600,
        )

    where = subprocess.run([str(python), "-c", "import sparsity_oracle; print(sparsity_oracle.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(env_dir), where
    good = pytest_in_venv("usergini")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "sparsity-oracle implementations:" in good.stdout  # the plugin came through its entry point
    assert "test_hard_case[usergini-gini/one-hot] PASSED" in good.stdout  # one test per case
    assert "test_generated_case[usergini-gini/generated/seed=0/0] PASSED" in good.stdout
    bad = pytest_in_venv("badgini")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL gini" in bad.stdout
