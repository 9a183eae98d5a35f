"""Reading weight files (sparsity_oracle.weights_io)."""

from fractions import Fraction

import numpy as np
import pytest

from sparsity_oracle.weights_io import WeightsFileError, is_prunable, load_weights, open_checkpoint


def _same(loaded, expected):
    assert list(loaded) == list(expected)
    for name, array in expected.items():
        assert loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name], array)


WEIGHTS = {
    "fc1.weight": np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5,
    "fc1.bias": np.array([0.5, -1.0, 2.0], dtype=np.float32),
    "conv.weight": np.linspace(-1, 1, 24).reshape(2, 3, 2, 2),
    "steps": np.array([[3, 4]], dtype=np.int64),
}


def test_npy_is_one_tensor_named_after_the_stem(tmp_path):
    path = tmp_path / "layer.weight.npy"
    np.save(path, WEIGHTS["conv.weight"])
    _same(load_weights(path), {"layer.weight": WEIGHTS["conv.weight"]})


def test_npz_keeps_every_array_in_order(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **WEIGHTS)
    _same(load_weights(str(path)), WEIGHTS)


@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_torch_state_dict(tmp_path, suffix):
    torch = pytest.importorskip("torch")
    state = {name: torch.from_numpy(array.copy()) for name, array in WEIGHTS.items()}
    state["half"] = torch.tensor([[1.5, -2.0]], dtype=torch.float16)
    state["brain"] = torch.tensor([[1.5, -2.0]], dtype=torch.bfloat16)
    path = tmp_path / f"model{suffix}"
    torch.save(state, path)
    loaded = load_weights(path)
    expected = {
        **WEIGHTS,
        "half": np.array([[1.5, -2.0]], dtype=np.float16),
        "brain": np.array([[1.5, -2.0]], dtype=np.float32),
    }
    _same(loaded, expected)


def test_torch_checkpoint_with_nested_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    state = {"fc.weight": torch.ones(2, 3), "fc.bias": torch.zeros(2)}
    path = tmp_path / "ckpt.pt"
    torch.save({"state_dict": state, "epoch": 3, "masks": {}}, path)
    _same(load_weights(path), {"fc.weight": np.ones((2, 3), np.float32), "fc.bias": np.zeros(2, np.float32)})


def test_safetensors(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "model.safetensors"
    safetensors_numpy.save_file({k: np.ascontiguousarray(v) for k, v in WEIGHTS.items()}, str(path))
    loaded = load_weights(path)
    assert set(loaded) == set(WEIGHTS)
    for name, array in WEIGHTS.items():
        np.testing.assert_array_equal(loaded[name], array)
        assert loaded[name].dtype == array.dtype


def test_prunable_keeps_floating_tensors_with_ndim_at_least_2(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **WEIGHTS, h=np.ones((2, 2), np.float16), s=np.array(1.0), b=np.ones((2, 2), bool))
    entries = open_checkpoint(path).entries
    assert [e.name for e in entries if is_prunable(e)] == ["fc1.weight", "conv.weight", "h"]
    assert [e.shape for e in entries][:2] == [(3, 4), (3,)]


# --- files people have (issue 12, item 8) ---------------------------------------------------


def _bfloat16_values():
    """float32 numbers exactly representable in bfloat16 (8 significant bits)."""
    rng = np.random.default_rng(3)
    return (rng.integers(-255, 256, size=(5, 7)) * 2.0 ** rng.integers(-20, 5, size=(5, 7))).astype(np.float32)


def test_bfloat16_safetensors_is_read_exactly_without_torch(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    values = _bfloat16_values()
    path = tmp_path / "model.safetensors"
    safetensors_torch.save_file({"w": torch.from_numpy(values).to(torch.bfloat16),
                                 "h": torch.from_numpy(values).to(torch.float16)}, str(path))
    loaded = load_weights(path)
    assert loaded["w"].dtype == np.float32
    np.testing.assert_array_equal(loaded["w"], values)
    np.testing.assert_array_equal(loaded["h"], values.astype(np.float16))
    entry = {e.name: e for e in open_checkpoint(path).entries}["w"]
    assert entry.dtype == "bfloat16" and entry.shape == (5, 7) and entry.nbytes == 70
    blocks = list(entry.blocks(max_bytes=3 * 7 * 2))
    assert [tuple(b.shape) for b in blocks] == [(3, 7), (2, 7)] and blocks[0].dtype == torch.bfloat16
    np.testing.assert_array_equal(torch.cat(blocks).float().numpy(), values)


@pytest.mark.parametrize("key", ["model_state_dict", "model", "state_dict"])
def test_torch_checkpoints_nesting_the_weights(tmp_path, key):
    torch = pytest.importorskip("torch")
    state = {"fc.weight": torch.ones(2, 3), "fc.bias": torch.zeros(2)}
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 3, key: state, "optimizer": {"lr": 0.1}}, path)
    _same(load_weights(path), {"fc.weight": np.ones((2, 3), np.float32), "fc.bias": np.zeros(2, np.float32)})


def test_data_parallel_prefix_is_removed(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "dp.pth"
    torch.save({"model_state_dict": {"module.fc.weight": torch.ones(2, 3), "module.fc.bias": torch.zeros(2)}}, path)
    assert list(load_weights(path)) == ["fc.weight", "fc.bias"]
    mixed = tmp_path / "mixed.pth"
    torch.save({"module.fc.weight": torch.ones(2, 3), "head.weight": torch.ones(2, 2)}, mixed)
    assert list(load_weights(mixed)) == ["module.fc.weight", "head.weight"]


def test_a_checkpoint_without_weights_names_its_keys(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 3, "optimizer": {"lr": 0.1}}, path)
    message = _error(path)
    assert "'model_state_dict'" in message and "'epoch'" in message


def test_folder_with_one_weights_file_and_natural_order(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    names = ["layers.10.w", "layers.2.w", "layers.1.w", "embed"]
    safetensors_numpy.save_file({n: np.ones((2, 2), np.float32) for n in names}, str(tmp_path / "model.safetensors"))
    (tmp_path / "notes.txt").write_text("not weights")
    checkpoint = open_checkpoint(tmp_path)
    assert checkpoint.path == tmp_path / "model.safetensors"
    assert [e.name for e in checkpoint.entries] == ["embed", "layers.1.w", "layers.2.w", "layers.10.w"]


# --- errors: one class, one line -------------------------------------------------------------


def _error(path) -> str:
    with pytest.raises(WeightsFileError) as info:
        load_weights(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    "suffix, expected",
    [
        (".npy", "not a .npy file"),
        (".npz", "not a .npz file"),
        (".pt", "corrupt"),
        (".pth", "corrupt"),
        (".safetensors", "not a valid .safetensors file"),
    ],
)
def test_corrupt_files(tmp_path, suffix, expected):
    if suffix in (".pt", ".pth"):
        pytest.importorskip("torch")
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(b"\x00\x01not really a weights file\xff" * 7)
    assert expected in _error(path)


def test_truncated_npz(tmp_path):
    path = tmp_path / "cut.npz"
    np.savez(path, **WEIGHTS)
    path.write_bytes(path.read_bytes()[:100])
    _error(path)


def test_missing_file_directory_and_unknown_suffix(tmp_path):
    assert "no such file" in _error(tmp_path / "absent.pt")
    folder = tmp_path / "dir.npz"
    folder.mkdir()
    assert "a folder without a checkpoint index" in _error(folder)
    other = tmp_path / "weights.h5"
    other.write_bytes(b"")
    assert "unsupported: file type '.h5'" in _error(other)
    assert "without a suffix" in _error(tmp_path / "noext")


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _error(path)


def test_torch_files_that_are_not_state_dicts(tmp_path):
    torch = pytest.importorskip("torch")
    tensor_only = tmp_path / "tensor.pt"
    torch.save(torch.ones(3), tensor_only)
    assert "state_dict" in _error(tensor_only)

    pickled = tmp_path / "custom.pt"
    torch.save({"x": Fraction(1, 3)}, pickled)  # not allowed by weights_only=True
    _error(pickled)


def test_empty_archive(tmp_path):
    path = tmp_path / "empty.npz"
    np.savez(path)
    assert "no arrays" in _error(path)


def test_error_is_a_value_error():
    assert issubclass(WeightsFileError, ValueError)
