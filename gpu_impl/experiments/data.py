"""Datasets of the pruning experiments, loaded whole onto the device (they are small).

Images are float32 in [0, 1] with shape (N, C, H, W); labels int64.  No normalisation and no
augmentation (a deliberate simplification: the pruning comparison, not state-of-the-art
accuracy, is the object).

* ``digits``        scikit-learn's bundled 8x8 digits (offline, 1797 images, 16 grey levels,
                    scaled by 1/16).  Fixed stratified split, independent of the run's seed:
                    75 % train / 25 % test (1347 / 450) with ``random_state=0``.
* ``fashionmnist``  the four IDX files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
                    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each optionally
                    ``.gz``) in ``data_dir`` or ``data_dir/FashionMNIST/raw``.
* ``cifar10``       the python pickle batches ``data_batch_1`` ... ``data_batch_5`` and
                    ``test_batch`` in ``data_dir`` or ``data_dir/cifar-10-batches-py``.
* ``cifar100``      the pickles ``train`` and ``test`` (fine labels) in ``data_dir`` or
                    ``data_dir/cifar-100-python``.

A missing file raises ``FileNotFoundError`` naming every expected file and the folders searched.
"""

from __future__ import annotations

import gzip
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..names import DATASETS

#: Seed of the fixed digits train/test split (not the run's seed: every run sees one split).
DIGITS_SPLIT_SEED = 0

_IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_CIFAR = {
    "cifar10": ("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], b"labels"),
    "cifar100": ("cifar-100-python", ["train"], ["test"], b"fine_labels"),
}


@dataclass
class Dataset:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: int

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    def to(self, device) -> "Dataset":
        return Dataset(
            self.x_train.to(device),
            self.y_train.to(device),
            self.x_test.to(device),
            self.y_test.to(device),
            self.classes,
        )


def _dataset(x_train, y_train, x_test, y_test, classes) -> Dataset:
    return Dataset(
        torch.as_tensor(np.ascontiguousarray(x_train), dtype=torch.float32),
        torch.as_tensor(np.array(y_train), dtype=torch.int64),
        torch.as_tensor(np.ascontiguousarray(x_test), dtype=torch.float32),
        torch.as_tensor(np.array(y_test), dtype=torch.int64),
        classes,
    )


def _find(data_dir, subfolder: str, names, dataset: str, suffixes=("",)) -> list[Path]:
    """The paths of ``names`` in ``data_dir`` or ``data_dir/subfolder`` (first folder holding
    all of them), else FileNotFoundError listing the expected files."""
    if data_dir is None:
        raise FileNotFoundError(
            f"dataset {dataset!r} needs --data-dir: a folder with {', '.join(names)}"
        )
    folders = [Path(data_dir), Path(data_dir) / subfolder]
    for folder in folders:
        found = []
        for name in names:
            candidates = [folder / (name + s) for s in suffixes if (folder / (name + s)).is_file()]
            if not candidates:
                break
            found.append(candidates[0])
        else:
            return found
    alternatives = " (or with .gz)" if ".gz" in suffixes else ""
    raise FileNotFoundError(
        f"dataset {dataset!r}: expected the files {', '.join(names)}{alternatives} in "
        f"{' or '.join(str(f) for f in folders)}"
    )


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (unsigned-byte data), gzip-compressed or not."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:3] != b"\x00\x00\x08" or raw[3] < 1:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape} but holds {data.size} bytes")
    return data.reshape(shape)


def _digits() -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.25, random_state=DIGITS_SPLIT_SEED, stratify=digits.target
    )
    return _dataset(x_train, y_train, x_test, y_test, 10)


def _fashionmnist(data_dir) -> Dataset:
    paths = _find(data_dir, "FashionMNIST/raw", _IDX_FILES, "fashionmnist", ("", ".gz"))
    x_train, y_train, x_test, y_test = (read_idx(p) for p in paths)
    scale = np.float32(1 / 255)
    return _dataset(x_train[:, None] * scale, y_train, x_test[:, None] * scale, y_test, 10)


def _cifar(name: str, data_dir) -> Dataset:
    subfolder, train_files, test_files, label_key = _CIFAR[name]
    paths = _find(data_dir, subfolder, train_files + test_files, name)

    def load(files):
        images, labels = [], []
        for path in files:
            with open(path, "rb") as f:
                batch = pickle.load(f, encoding="bytes")
            images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            labels.append(np.asarray(batch[label_key], dtype=np.int64))
        return np.concatenate(images) * np.float32(1 / 255), np.concatenate(labels)

    x_train, y_train = load(paths[: len(train_files)])
    x_test, y_test = load(paths[len(train_files) :])
    return _dataset(x_train, y_train, x_test, y_test, 10 if name == "cifar10" else 100)


def load_dataset(name: str, data_dir=None, device="cpu") -> Dataset:
    """The dataset ``name`` (one of ``DATASETS``) on ``device``."""
    if name == "digits":
        data = _digits()
    elif name == "fashionmnist":
        data = _fashionmnist(data_dir)
    elif name in _CIFAR:
        data = _cifar(name, data_dir)
    else:
        raise ValueError(f"dataset must be one of {DATASETS}, got dataset={name!r}")
    return data.to(device)
