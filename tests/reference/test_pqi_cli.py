"""The ``pqi`` subcommand (contract §6) on real files, against the reference functions."""

import json
import shutil
import subprocess
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from sparsity_oracle.cli import main
from sparsity_oracle.reference.gini import gini
from sparsity_oracle.reference.pqi import pq_index, pqi_bound
from sparsity_oracle.reference.sap import sap_prune_count

DPS = 20


def _state():
    rng = np.random.default_rng(7)
    return {
        "conv.weight": rng.standard_normal((3, 2, 2, 2)).astype(np.float32),
        "conv.bias": rng.standard_normal(3).astype(np.float32),
        "fc.weight": (rng.laplace(size=(4, 6)) * (rng.random((4, 6)) < 0.6)).astype(np.float32),
        "fc.zero": np.zeros((2, 3), dtype=np.float32),
        "steps": np.array([[1, 2]], dtype=np.int64),
    }


PRUNABLE = ["conv.weight", "fc.weight", "fc.zero"]


@pytest.fixture
def torch_file(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({name: torch.from_numpy(array) for name, array in _state().items()}, path)
    return path


def _json(capsys, *argv):
    assert main(["pqi", *map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _close(text, value):
    assert text is not None
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(text) - value) <= abs(value) * mpmath.mpf(10) ** (1 - DPS)


def _expected_groups(state, scope):
    """(tensor name or None for global, values) per group, built independently of sap.py."""
    if scope == "global":
        return [(None, np.concatenate([state[n].ravel() for n in PRUNABLE]))]
    if scope == "layer":
        return [(n, state[n].ravel()) for n in PRUNABLE]
    return [(n, row.ravel()) for n in PRUNABLE for row in state[n]]


@pytest.mark.parametrize("scope", ["global", "layer", "neuron"])
def test_torch_state_dict_json_matches_the_reference(capsys, torch_file, scope):
    out = _json(capsys, torch_file, "--scope", scope)
    state = _state()
    assert out["scope"] == scope and out["p"] == "1/2" and out["q"] == "1" and out["dps"] == DPS
    assert [row["name"] for row in out["tensors"]] == PRUNABLE
    assert out["skipped"] == ["conv.bias", "steps"]
    for row in out["tensors"]:
        values = state[row["name"]].ravel()
        assert row["shape"] == list(state[row["name"]].shape) and row["entries"] == values.size
        if np.any(values):
            _close(row["pqi"], pq_index(values, dps=30))
            _close(row["gini"], gini(values, dps=30))
        else:
            assert row["pqi"] is None and row["gini"] is None
    everything = np.concatenate([state[n].ravel() for n in PRUNABLE])
    _close(out["global"]["pqi"], pq_index(everything, dps=30))
    _close(out["global"]["gini"], gini(everything, dps=30))

    rows = {row["name"]: row for row in out["tensors"]}
    rows[None] = out["global"]
    expected = {name: {"groups": 0, "prune": None, "bound": mpmath.mpf(0)} for name in rows}
    for name, values in _expected_groups(state, scope):
        for key in {name, None}:
            expected[key]["groups"] += 1
            expected[key]["prune"] = (expected[key]["prune"] or 0) + sap_prune_count(values)
            if np.any(values):
                with mpmath.workdps(40):
                    expected[key]["bound"] += pqi_bound(values, dps=30)
    for name, row in rows.items():
        assert row["groups"] == expected[name]["groups"]
        assert row["prune"] == expected[name]["prune"]
        if expected[name]["bound"]:
            _close(row["pqi_bound"], expected[name]["bound"])
        else:
            assert row["pqi_bound"] is None


def test_parameters_are_exact_decimals(capsys, torch_file):
    out = _json(capsys, torch_file, "--p", "0.1", "--q", "2", "--gamma", "1/3", "--beta", "1", "--dps", "25")
    values = _state()["fc.weight"].ravel()
    row = out["tensors"][1]
    assert out["p"] == "1/10" and out["gamma"] == "1/3" and out["dps"] == 25
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(row["pqi"]) - pq_index(values, Fraction(1, 10), 2, dps=30)) < mpmath.mpf(10) ** -24
    assert row["prune"] == sap_prune_count(values, Fraction(1, 10), 2, gamma=Fraction(1, 3), beta=1)


def _write(state, path):
    suffix = path.suffix
    if suffix == ".npz":
        np.savez(path, **state)
    elif suffix == ".safetensors":
        from safetensors.numpy import save_file

        save_file(state, str(path))
    else:
        np.save(path, state[path.stem])


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_other_formats_agree_with_the_state_dict(capsys, tmp_path, torch_file, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    path = tmp_path / f"model{suffix}"
    _write(_state(), path)
    reference = _json(capsys, torch_file)
    out = _json(capsys, path)
    assert sorted(out["tensors"], key=lambda r: r["name"]) == sorted(reference["tensors"], key=lambda r: r["name"])
    assert out["global"] == reference["global"]


def test_npy_single_tensor(capsys, tmp_path):
    path = tmp_path / "fc.weight.npy"
    _write(_state(), path)
    out = _json(capsys, path, "--scope", "global")
    values = _state()["fc.weight"].ravel()
    assert [row["name"] for row in out["tensors"]] == ["fc.weight"]
    assert out["global"]["prune"] == sap_prune_count(values)
    _close(out["global"]["pqi_bound"], pqi_bound(values, dps=30))


def test_table_is_aligned(capsys, torch_file):
    assert main(["pqi", str(torch_file), "--scope", "neuron"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "scope=neuron" in lines[0]
    table = lines[1:-1]
    assert table[0].split()[:5] == ["tensor", "shape", "entries", "PQI", "Gini"]
    assert len({len(line) for line in table}) == 1
    assert [line.split()[0] for line in table[2:]] == [*PRUNABLE, "(global)"]
    assert lines[-1].startswith("skipped") and "conv.bias" in lines[-1]


def test_example_file_is_deterministic_and_reportable(capsys, tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    assert main(["pqi", "--example", str(first)]) == 0
    assert main(["pqi", "--example", str(second)]) == 0
    capsys.readouterr()
    with np.load(first) as a, np.load(second) as b:
        assert a.files == b.files
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name])
    out = _json(capsys, first)
    assert len(out["tensors"]) == 3 and out["skipped"] == ["conv1.bias"]


# --- errors: exit status 2, one stderr line, no traceback ------------------------------------


def _fails(capsys, *argv, expect=None):
    assert main(["pqi", *map(str, argv)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparsity-oracle pqi: error: ")
    assert "Traceback" not in captured.err
    if expect:
        assert expect in lines[0]


def test_corrupt_torch_file(capsys, tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "corrupt.pt"
    path.write_bytes(b"\x80\x02garbage" * 10)
    _fails(capsys, path, expect="corrupt.pt")


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".safetensors"])
def test_corrupt_files(capsys, tmp_path, suffix):
    path = tmp_path / f"corrupt{suffix}"
    path.write_bytes(b"\x00garbage\xff" * 10)
    _fails(capsys, path, expect=path.name)


def test_other_bad_inputs(capsys, tmp_path):
    _fails(capsys, tmp_path / "missing.npz", expect="no such file")
    _fails(capsys, expect="PATH")
    only_bias = tmp_path / "bias.npz"
    np.savez(only_bias, bias=np.ones(3), steps=np.ones((2, 2), dtype=np.int32))
    _fails(capsys, only_bias, expect="no prunable tensor")
    with_nan = tmp_path / "nan.npz"
    np.savez(with_nan, w=np.array([[1.0, np.nan]]))
    _fails(capsys, with_nan, expect="'w'")
    good = tmp_path / "good.npz"
    np.savez(good, w=np.ones((2, 2)))
    _fails(capsys, good, "--p", "2", "--q", "1", expect="q must be > p, got q=1 and p=2")
    _fails(capsys, good, "--beta", "0.0", expect="beta must lie in (0, 1], got beta=0.0")
    _fails(capsys, good, "--gamma=-1/3", expect="gamma must be > 0, got gamma=-1/3")
    _fails(capsys, good, "--eta-r", "-0.5", expect="eta_r must be >= 0, got eta_r=-0.5")
    _fails(capsys, good, "--example", tmp_path / "x.npz", expect="not both")
    _fails(capsys, "--example", tmp_path / "x.pt", expect=".npz")


def test_console_script_on_a_corrupt_file(tmp_path):
    command = shutil.which("sparsity-oracle")
    if command is None:
        pytest.skip("the sparsity-oracle console script is not installed")
    path = tmp_path / "corrupt.pth"
    path.write_bytes(b"PK\x03\x04 truncated zip")
    result = subprocess.run([command, "pqi", str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparsity-oracle pqi: error: ")
    assert "Traceback" not in result.stderr


FILES = {"good.npz": np.ones((2, 2)), "nan.npz": np.array([[1.0, np.nan]]), "empty.npz": np.zeros((0, 5))}


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["good.npz", "--p", "0"], "p must be > 0, got p=0"),
        (["nan.npz"], "tensor 'w' has the non-finite entry nan at index (0, 1)"),
        (["empty.npz"], "tensor 'w' is empty (shape 0x5)"),
        (["folder"], "a folder without a checkpoint index (model.safetensors.index.json)"),
    ],
)
def test_readable_errors(capsys, tmp_path, monkeypatch, argv, expected):
    """Issue 12, item 7: the user's text, nan (not np.float64(nan)), the tensor's name, a folder
    (in this process: ``test_console_script_on_a_corrupt_file`` runs the command in a fresh one)."""
    for name, array in FILES.items():
        np.savez(tmp_path / name, w=array)
    (tmp_path / "folder").mkdir()
    monkeypatch.chdir(tmp_path)
    _fails(capsys, *argv, expect=expected)
