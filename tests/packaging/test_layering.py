"""The import structure of the package (docs/contract.md, "Packaging and layers"), read from the source with ``ast``:

* layers, ground up: reference -> proofs -> properties -> oracle -> the root modules (command
  line); gpu_impl beside reference.  A module imports only its own part and the parts its part
  may use (``MAY_IMPORT``); nothing runs back up;
* no module imports a private name (a module or attribute whose name starts with one ``_``) that
  belongs to another package (a sub-package counts as another package);
* project code is imported through the namespace: never a bare ``reference``, ``gpu_impl``, ...
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("reference", "gpu_impl", "proofs", "properties", "oracle", "root")
#: part -> the other parts it may import.
MAY_IMPORT = {
    "reference": set(),
    "gpu_impl": set(),
    "proofs": {"reference"},
    "properties": {"reference", "proofs"},
    "oracle": {"reference", "proofs", "properties", "gpu_impl"},
    "root": {"reference", "gpu_impl", "proofs", "properties", "oracle"},
}
BARE = ("reference", "gpu_impl", "proofs", "properties", "oracle")


def _modules() -> dict[str, Path]:
    """Dotted module name -> source file, through pyproject's package-dir mapping."""
    package_dir = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    modules = {}
    for package, folder in package_dir.items():
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT / folder).with_suffix("").parts
            if relative[-1] == "__init__":
                relative = relative[:-1]
            modules.setdefault(".".join((package, *relative)), path)
    return modules


MODULES = _modules()


def part(module: str) -> str:
    for name in ("reference", "gpu_impl", "proofs", "properties", "oracle"):
        if module == f"sparsity_oracle.{name}" or module.startswith(f"sparsity_oracle.{name}."):
            return name
    return "root"


def package_of(module: str) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to the package)."""
    path = MODULES[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def imports(module: str):
    """(target module, imported attribute or None, line) of every import in ``module``, relative
    ones resolved; only targets inside the project (or bare project names) are kept."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    here = package_of(module)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, None, node.lineno
                else:
                    yield source, alias.name, node.lineno


def violations() -> list[str]:
    found = []
    for module in sorted(MODULES):
        importer = part(module)
        for target, attribute, line in imports(module):
            where = f"{MODULES[module].relative_to(ROOT)}:{line}"
            top = target.split(".")[0]
            if top in BARE:
                found.append(f"{where}: bare import of {target!r} (use sparsity_oracle.{target})")
                continue
            if top != "sparsity_oracle" or target == "sparsity_oracle":
                continue
            owner_part = part(target)
            if owner_part != importer and owner_part not in MAY_IMPORT[importer]:
                found.append(f"{where}: {importer} imports {target} ({owner_part}): an upward import")
            names = target.split(".")
            for i, name in enumerate(names):
                if _is_private(name) and ".".join(names[:i]) != package_of(module):
                    found.append(f"{where}: private module {target} of another package")
            if attribute and _is_private(attribute) and package_of(target) != package_of(module):
                found.append(f"{where}: private name {attribute} of {target}")
    return found


def test_modules_are_found():
    assert {"sparsity_oracle.reference.pqi", "sparsity_oracle.oracle.checks", "sparsity_oracle.cli",
            "sparsity_oracle.gpu_impl.experiments.runner"} <= set(MODULES)


def test_no_upward_import_no_foreign_private_name():
    assert violations() == []


@pytest.mark.parametrize("planted_in, source, expected", [
    ("reference", "from sparsity_oracle.oracle import checks", "reference imports sparsity_oracle.oracle.checks"),
    ("reference", "from ..gpu_impl.validation import real_param", "reference imports sparsity_oracle.gpu_impl"),
    ("oracle", "from sparsity_oracle import cli", "oracle imports sparsity_oracle.cli (root)"),
    ("oracle", "from ..gpu_impl._core import ACC", "private module sparsity_oracle.gpu_impl._core"),
    ("oracle", "from ..reference.sap import _prune_count", "private name _prune_count"),
    ("oracle", "from .checks import _round", None),
    ("oracle", "import gpu_impl", "bare import of 'gpu_impl'"),
])
def test_the_scan_finds_what_it_must(monkeypatch, tmp_path, planted_in, source, expected):
    """The scan itself, on a planted module (a test that cannot fail is a bug)."""
    planted = tmp_path / "planted.py"
    planted.write_text(source + "\n")
    monkeypatch.setitem(MODULES, f"sparsity_oracle.{planted_in}.planted", planted)
    monkeypatch.setattr("pathlib.Path.relative_to", lambda self, other: self)
    found = [v for v in violations() if "planted" in v]
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found
