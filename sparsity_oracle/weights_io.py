"""Reading weight files for the ``pqi`` command (SPEC §6).

Supported, by file suffix:

* ``.npy``          one array, named after the file stem;
* ``.npz``          every array of the archive, in the archive's order (no pickles);
* ``.pt`` / ``.pth`` a PyTorch state_dict (tensors converted to numpy; bfloat16 becomes
  float32, exactly), loaded with ``weights_only=True``; ``{"state_dict": {...}}`` (a training
  checkpoint) is accepted; non-tensor entries are skipped.  torch is imported here only.
* ``.safetensors``  every tensor, via ``safetensors.numpy``.

Any failure to read a file (missing, unreadable, corrupt, an unknown suffix, no arrays in it)
raises ``WeightsFileError`` (a ``ValueError``) with a one-line message naming the file.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

SUFFIXES = (".npy", ".npz", ".pt", ".pth", ".safetensors")


class WeightsFileError(ValueError):
    """A weights file that cannot be read (missing, corrupt, unsupported)."""


def _load_npy(path: Path) -> dict[str, np.ndarray]:
    with open(path, "rb") as file:
        if file.read(6) != b"\x93NUMPY":
            raise WeightsFileError(f"{path}: not a .npy file (no NumPy header)")
    return {path.stem: np.load(path, allow_pickle=False)}


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    if not zipfile.is_zipfile(path):
        raise WeightsFileError(f"{path}: not a .npz file (not a zip archive)")
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _load_torch(path: Path) -> dict[str, np.ndarray]:
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        reason = re.search(r"WeightsUnpickler error:\s*(.*?)(?:\.\s|\n|$)", str(error))
        detail = reason.group(1) if reason else type(error).__name__
        raise WeightsFileError(
            f"{path}: corrupt, or not a plain state_dict (torch.load(weights_only=True): {detail})"
        ) from error
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]
    if not isinstance(state, Mapping):
        raise WeightsFileError(
            f"{path}: expected a state_dict (a mapping name -> tensor), got {type(state).__name__}"
        )
    out = {}
    for name, tensor in state.items():
        if isinstance(tensor, torch.Tensor):
            tensor = tensor.detach().cpu()
            if tensor.dtype == torch.bfloat16:
                tensor = tensor.float()
            out[str(name)] = tensor.numpy()
    return out


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return dict(load_file(str(path)))


_LOADERS = {
    ".npy": _load_npy,
    ".npz": _load_npz,
    ".pt": _load_torch,
    ".pth": _load_torch,
    ".safetensors": _load_safetensors,
}


def load_weights(path) -> dict[str, np.ndarray]:
    """Every array in the file at ``path``, name -> numpy array (format by suffix, module doc).

    Raises ``WeightsFileError`` with a one-line message if the file cannot be read.
    """
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise WeightsFileError(
            f"{path}: unsupported file type {path.suffix or '(no suffix)'!r}; "
            f"expected one of {', '.join(SUFFIXES)}"
        )
    if not path.exists():
        raise WeightsFileError(f"{path}: no such file")
    if not path.is_file():
        raise WeightsFileError(f"{path}: not a regular file")
    try:
        weights = loader(path)
    except WeightsFileError:
        raise
    except ImportError as error:
        raise WeightsFileError(
            f"{path}: reading {path.suffix} files needs the {error.name} package "
            "(pip install 'sparsity-oracle[torch]')"
        ) from error
    except Exception as error:  # any reader failure is a bad file, reported on one line
        detail = " ".join(str(error).split()) or type(error).__name__
        raise WeightsFileError(f"{path}: cannot read as {path.suffix} ({detail[:300]})") from error
    if not weights:
        raise WeightsFileError(f"{path}: the file holds no arrays")
    return weights


def prunable(weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The prunable tensors: floating-point arrays with ndim >= 2 (SPEC §6), in order."""
    return {
        name: array
        for name, array in weights.items()
        if np.issubdtype(array.dtype, np.floating) and array.ndim >= 2
    }
