"""Every test can be selected again by its node id: tests/conftest.py gives string parameters
readable ids and refuses an id pytest had to escape (mutmut, which re-runs tests by node id in
the same process, otherwise records "not found" as a timeout: benchmarks/mutation.py)."""

import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def collect(folder: Path, test_file: str) -> subprocess.CompletedProcess:
    shutil.copy(CONFTEST, folder / "conftest.py")
    (folder / "test_ids.py").write_text("import pytest\n\n" + test_file)
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(folder), str(folder)],
                          cwd=folder, capture_output=True, text=True)


def test_regular_expressions_and_multi_line_strings_get_readable_ids(tmp_path):
    run = collect(tmp_path, '@pytest.mark.parametrize("m", [r"w\\[1\\]", "a = 1\\nb = 2"])\n'
                            "def test_x(m):\n    pass\n")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_ids.py::test_x[w[1]]" in run.stdout
    assert "test_ids.py::test_x[a = 1 / b = 2]" in run.stdout


def test_an_id_pytest_must_escape_is_refused(tmp_path):
    run = collect(tmp_path, '@pytest.mark.parametrize("v", [1], ids=["caf\\u00e9"])\n'
                            "def test_x(v):\n    pass\n")
    assert run.returncode != 0
    assert "1 test id(s) contain an escape" in run.stdout + run.stderr
