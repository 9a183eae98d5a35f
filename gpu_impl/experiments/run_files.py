"""The files of a run folder (``--out``) that the commands read and create, without torch (so
that ``plot`` and the command line can use them before torch is loaded).

Errors are one-line ``ValueError``s naming the file (and the line), for the command line to
print as they are.
"""

from __future__ import annotations

import json
from pathlib import Path


def read_jsonl(path) -> list[dict]:
    """The objects of a JSON-lines file (blank lines skipped).  ``ValueError`` naming the file
    and the line for a line that is not a whole JSON object (a copy cut short, an edit)."""
    path = Path(path)
    objects = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}, line {number}: not a complete JSON object (error at column {error.colno}); "
                             "was the file cut short or edited?") from None
        if not isinstance(value, dict):
            raise ValueError(f"{path}, line {number}: expected a JSON object, got {type(value).__name__}")
        objects.append(value)
    return objects


def read_json(path) -> dict:
    """The JSON object in ``path``; ``ValueError`` naming the file if it is not one."""
    path = Path(path)
    try:
        value = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON (error at line {error.lineno}, column {error.colno}); "
                         "was the file cut short or edited?") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(value).__name__}")
    return value


def check_folder(folder, argument: str | None = None) -> Path:
    """``folder`` as a ``Path``, once checked that it can be a folder (it, or a folder above it,
    is not a file: ``ValueError`` starting with ``argument``, default ``--out FOLDER``), without
    creating anything."""
    folder = Path(folder)
    for path in (folder, *folder.parents):
        if path.exists() and not path.is_dir():
            raise ValueError(f"{argument or f'--out {folder}'}: {path} exists and is not a folder")
    return folder


def create_folder(folder, argument: str | None = None) -> Path:
    """Create ``folder`` (and its parents) if needed; ``ValueError`` saying why it cannot be one
    (``check_folder``; no permission, a read-only file system, ...), starting with ``argument``."""
    folder = check_folder(folder, argument)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"{argument or f'--out {folder}'}: cannot create the folder {folder} "
                         f"({error.strerror or error})") from None
    return folder
