"""The GPU check (benchmarks/gpu_check.sh, docs/gpu/README.md) on a machine without CUDA: the
script skips its CUDA parts saying so and writes its summary; the comparison of a CPU run with a
CUDA run (benchmarks/compare_runs.py) reports a planted mask or count difference and fails, and
reports a float difference without failing."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def _compare_runs():
    spec = importlib.util.spec_from_file_location("compare_runs", ROOT / "benchmarks" / "compare_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_lines(path: Path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _oneshot_run(folder: Path) -> None:
    """A one-shot run folder as `reproduce --method spode` writes it (two densities)."""
    folder.mkdir(parents=True)
    generator = torch.Generator().manual_seed(0)
    records = []
    for density in (0.1, 0.05):
        masks = {"1.weight": torch.rand(4, 8, generator=generator) < density * 4,
                 "3.weight": torch.rand(3, 4, generator=generator) < density * 4}
        torch.save(masks, folder / f"masks_{density}.pt")
        kept = sum(int(m.sum()) for m in masks.values())
        records.append({"method": "spode", "density": density, "kept": kept, "total": 44, "pqi": 0.25, "gini": 0.5,
                        "accuracy_finetuned": 0.75, "layers": {n: {"kept": int(m.sum()), "total": m.numel()}
                                                               for n, m in masks.items()}})
    _write_lines(folder / "results.jsonl", records)
    _write_lines(folder / "ode_0.1.jsonl", [{"step": k, "G": 1.0 - k / 10, "loss": 2.0} for k in range(3)])
    torch.save({"1.weight": torch.ones(4, 8)}, folder / "dense.pt")


def _limit_run(folder: Path) -> None:
    """A limit run folder as `sparsity-oracle limit` writes it."""
    folder.mkdir(parents=True)
    (folder / "limit.json").write_text(json.dumps({"kept": 30, "total": 44, "eps": 0.01, "trace": 3.5}))
    _write_lines(folder / "actual.jsonl", [{"ratio": r, "removed": round(44 * r), "kept": 44 - round(44 * r),
                                            "total": 44, "loss": 2.0 + r, "within_eps": r < 0.5} for r in (0, 0.5)])
    np.save(folder / "magnitudes.npy", np.arange(44, dtype=np.float32))
    np.savez(folder / "spectrum.npz", nodes=np.linspace(0, 1, 5), weights=np.full(5, 0.2))


def _iterative_run(folder: Path) -> None:
    """An iterative run folder as `reproduce --method sap` writes it (one iteration)."""
    (folder / "checkpoints").mkdir(parents=True)
    mask = torch.arange(12).reshape(3, 4) % 3 > 0
    _write_lines(folder / "results.jsonl", [{"iteration": 0, "kept": 8, "total": 12, "pruned_count": 4, "pqi": 0.1,
                                             "accuracy_retrained": 0.5, "layers": {"1.weight": {"kept": 8, "total": 12,
                                                                                                "pqi": 0.1}}}])
    torch.save({"masks": {"1.weight": mask}, "next_masks": {"1.weight": mask},
                "state_dict": {"1.weight": torch.ones(3, 4)}}, folder / "checkpoints" / "iter_0.pt")


@pytest.fixture
def runs(tmp_path):
    for side in ("cpu", "cuda"):
        _oneshot_run(tmp_path / side / "pso")
        _limit_run(tmp_path / side / "limit")
        _iterative_run(tmp_path / side / "sap")
    return tmp_path


def _compare(runs):
    return _compare_runs().compare(runs / "cpu", runs / "cuda", checkpoints=True, across_devices=True)


def test_equal_runs_pass_and_every_field_is_listed(runs):
    text, status = _compare(runs)
    assert status == 0, text
    assert "3 runs in both, 5 records compared" in text
    assert text.splitlines()[-1] == "OK: every exact field is equal"
    rows = {line.split(" | ")[0][2:]: line.split(" | ")[1] for line in text.splitlines() if line.startswith("| ")}
    assert rows["masks"] == rows["kept"] == rows["layers.kept"] == rows["magnitudes.npy"] == "exact"
    assert rows["actual.removed"] == rows["limit.total"] == rows["checkpoint.masks"] == rows["pruned_count"] == "exact"
    for reported in ("pqi", "accuracy_finetuned", "ode_0.1.G", "limit.kept", "actual.loss", "actual.within_eps",
                     "spectrum.nodes", "dense.pt", "checkpoint.state_dict", "accuracy_retrained", "layers.pqi"):
        assert rows[reported] == "reported", reported


def test_a_planted_mask_difference_is_counted_and_fails(runs):
    path = runs / "cuda" / "pso" / "masks_0.05.pt"
    masks = torch.load(path)
    masks["3.weight"][1, 2] = ~masks["3.weight"][1, 2]
    torch.save(masks, path)
    text, status = _compare(runs)
    assert status == 1
    row = next(line for line in text.splitlines() if line.startswith("| masks |"))
    assert "| 1 |" in row and "pso masks_0.05 3.weight: 1 of 12 entries differ" in row
    assert "differs: pso: masks" in text and text.splitlines()[-1].startswith("FAILED: exact fields differ: masks")


def test_a_count_difference_in_a_limit_run_fails_and_a_float_one_is_reported(runs):
    path = runs / "cuda" / "limit" / "actual.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[1]["loss"] += 1e-6
    _write_lines(path, records)
    text, status = _compare(runs)
    assert status == 0, text
    row = next(line for line in text.splitlines() if line.startswith("| actual.loss |"))
    assert "| reported | 2 | 1 | 1e-06 |" in row and "limit ratio=0.5" in row
    records[1]["removed"] += 1
    _write_lines(path, records)
    text, status = _compare(runs)
    assert status == 1 and "FAILED: exact fields differ: actual.removed" in text


def test_trained_weights_are_exact_on_one_device_and_reported_across_devices(runs):
    path = runs / "cuda" / "sap" / "checkpoints" / "iter_0.pt"
    checkpoint = torch.load(path)
    checkpoint["state_dict"]["1.weight"][2, 1] = 1.5
    torch.save(checkpoint, path)
    text, status = _compare(runs)
    assert status == 0, text
    row = next(line for line in text.splitlines() if line.startswith("| checkpoint.state_dict |"))
    assert "| reported | 12 | 1 | 0.5 | 0.333 | sap t=0 1.weight[9]: 1.0 -> 1.5 |" in row
    text, status = _compare_runs().compare(runs / "cpu", runs / "cuda", checkpoints=True)
    assert status == 1 and "FAILED: exact fields differ: checkpoint.state_dict" in text


def test_a_run_on_one_side_only_fails(runs):
    shutil.rmtree(runs / "cuda" / "limit")
    text, status = _compare(runs)
    assert status == 1 and f"only in {runs / 'cpu'}: limit" in text


def test_the_script_without_cuda_skips_the_cuda_parts_and_writes_its_summary(tmp_path):
    """The step machinery and the summary, with every step skipped by a spent time budget (the
    steps themselves are the benchmarks and commands tested elsewhere; the whole --quick run
    takes minutes on a loaded CPU)."""
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the test is of the path without it")
    env = {**os.environ, "OUT": str(tmp_path / "out"), "GPU_CHECK_BUDGET": "-1", "PYTHON": sys.executable}
    result = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--quick"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr  # steps skipped for the budget count as failed
    assert "NO CUDA DEVICE: the CUDA tests, the CUDA benchmark sections and the CUDA runs are skipped" in result.stdout
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "**No CUDA device: the CUDA parts were skipped.**" in summary
    assert "| CUDA tests (pytest -m gpu) | skipped: no CUDA device | 0 |" in summary
    assert "| limit run on cpu | skipped: the script's time budget (-1 s) is spent | 0 |" in summary
    assert "limit run on cuda" not in summary
    assert summary.rstrip().endswith("Result: FAILED (see the steps above and gpu_check.log)")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["benchmarks.md", "compare.md", "gpu_check.log",
                                                                    "summary.md"]


def test_the_script_refuses_an_unknown_argument(tmp_path):
    result = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--fast"], capture_output=True,
                            text=True, env={**os.environ, "OUT": str(tmp_path)}, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "gpu_check.sh: error: unknown argument --fast (only --quick)\n"
