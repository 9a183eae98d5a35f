"""Dataset readers (IDX, CIFAR pickles), model shapes and the reproduce / plot commands."""

import gzip
import pickle
import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparsity_oracle.gpu_impl.experiments.data import load_dataset, read_idx  # noqa: E402
from sparsity_oracle.gpu_impl.experiments.models import build_model  # noqa: E402
from sparsity_oracle.cli import main  # noqa: E402


def _write_idx(path, array, compress):
    raw = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape) + array.tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.fixture
def fashion_dir(tmp_path):
    rng = np.random.default_rng(0)
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n, compress in (("train", 12, True), ("t10k", 5, False)):
        suffix = ".gz" if compress else ""
        _write_idx(raw / f"{prefix}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), compress)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte{suffix}", rng.integers(0, 10, n, dtype=np.uint8), compress)
    return tmp_path


def test_fashionmnist_idx(fashion_dir):
    data = load_dataset("fashionmnist", fashion_dir)
    assert data.x_train.shape == (12, 1, 28, 28) and data.x_test.shape == (5, 1, 28, 28)
    images = read_idx(fashion_dir / "FashionMNIST/raw/train-images-idx3-ubyte.gz")
    assert torch.equal(data.x_train[:, 0], torch.as_tensor(images * np.float32(1 / 255)))
    assert data.y_train.dtype == torch.int64 and data.classes == 10


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_pickles(tmp_path, name):
    rng = np.random.default_rng(1)
    folder = tmp_path / ("cifar-10-batches-py" if name == "cifar10" else "cifar-100-python")
    folder.mkdir()
    files = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"] if name == "cifar10" else ["train", "test"]
    key = b"labels" if name == "cifar10" else b"fine_labels"
    for f in files:
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), key: list(rng.integers(0, 10, 4))}
        (folder / f).write_bytes(pickle.dumps(batch))
    data = load_dataset(name, tmp_path)
    assert data.x_train.shape == (4 * (len(files) - 1), 3, 32, 32) and data.x_test.shape == (4, 3, 32, 32)
    assert float(data.x_train.max()) <= 1 and data.classes == (10 if name == "cifar10" else 100)


@pytest.mark.parametrize("name", ["fashionmnist", "cifar10", "cifar100"])
def test_missing_files_are_named(tmp_path, name):
    expected = {"fashionmnist": "train-images-idx3-ubyte", "cifar10": "data_batch_1", "cifar100": "train"}[name]
    with pytest.raises(FileNotFoundError, match=expected):
        load_dataset(name, tmp_path)
    assert main(["reproduce", "--method", "lt", "--dataset", name, "--data-dir", str(tmp_path),
                 "--out", str(tmp_path / "o"), "--no-progress"]) == 2


@pytest.mark.parametrize("model", ["linear", "mlp", "cnn", "resnet18"])
@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32)])
def test_model_shapes(model, shape):
    torch.manual_seed(0)
    net = build_model(model, shape, 7).eval()
    assert net(torch.rand(2, *shape)).shape == (2, 7)


def test_reproduce_and_plot_cli(tmp_path, fashion_dir, capsys):
    runs = []
    for method in ("sap", "oneshot"):
        out = tmp_path / method
        assert main(["reproduce", "--method", method, "--model", "cnn", "--dataset", "fashionmnist",
                     "--data-dir", str(fashion_dir), "--iterations", "2", "--epochs", "1",
                     "--batch-size", "5", "--out", str(out), "--no-progress"]) == 0
        runs.append(str(out))
    png = tmp_path / "fig.png"
    assert main(["plot", *runs, "--output", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SystemExit) as usage:  # only registered methods are choices
        main(["reproduce", "--method", "no-such-method", "--out", str(tmp_path / "s")])
    assert usage.value.code == 2 and "invalid choice: 'no-such-method'" in capsys.readouterr().err
    assert main(["reproduce", "--method", "sap", "--p", "2", "--q", "1", "--out", str(tmp_path / "bad")]) == 2
    assert main(["plot", str(tmp_path / "nothing")]) == 2
