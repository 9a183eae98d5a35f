"""Shared pytest configuration: Hypothesis profiles.  (The oracle's ``--impl`` plugin is loaded
through its ``pytest11`` entry point, as in any environment where sparsity-oracle is installed.)

* ``ci``       built into Hypothesis; loaded automatically when the ``CI`` variable is set
               (derandomized, no database).
* ``dev``      the local default.
* ``thorough`` long local or GPU runs: ``HYPOTHESIS_PROFILE=thorough pytest``.
All profiles use ``deadline=None``: numeric work at high precision has no fair deadline.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)


def _papers_dir():
    """The papers the project checks: $SPARSITY_ORACLE_PAPERS, else ../shared/papers beside the
    repository (or beside the main checkout for a worktree), else /work/shared/papers."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    candidates = [os.environ.get("SPARSITY_ORACLE_PAPERS"), root.parent / "shared" / "papers",
                  root.parent.parent / "shared" / "papers", "/work/shared/papers"]
    return next((Path(c) for c in candidates if c and (Path(c) / "diao2023-pqi-sap-fulltext.txt").is_file()), None)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def papers_dir():
    """The folder of the papers' texts; tests that quote them are skipped, with this reason, where
    the texts are not present (they are not part of the repository)."""
    found = _papers_dir()
    if found is None:
        pytest.skip("the papers' texts are not here: set SPARSITY_ORACLE_PAPERS to the folder holding "
                    "diao2023-pqi-sap-fulltext.txt (../shared/papers/)")
    return found


def pytest_make_parametrize_id(config, val, argname):
    """A string parameter's test id without backslashes, and its line breaks shown as " / "
    (regular expressions such as ``r"w\\[1\\]"``, TOML files), so that every test stays selectable
    by its node id; see ``pytest_collection_modifyitems``."""
    if isinstance(val, str) and ("\\" in val or "\n" in val):
        return val.replace("\\", "").replace("\n", " / ")
    return None


def pytest_collection_modifyitems(config, items):
    """Refuse a test whose node id pytest had to escape (a backslash, a line break, a character
    outside printable ASCII).  Such an id is printed escaped, and pytest, run a second time in the
    same process (as mutmut's workers do, benchmarks/mutation.py), does not find the test by it:
    mutmut then records an error as a "timeout" and the mutant is counted as killed."""
    escaped = [item.nodeid for item in items if "\\" in item.nodeid]
    if escaped:
        raise pytest.UsageError(f"{len(escaped)} test id(s) contain an escape; give them readable ids: "
                                + "; ".join(escaped[:3]))
