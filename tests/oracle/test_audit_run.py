"""``sparsity-oracle audit-run``: runs made here with torch.nn.utils.prune, a plain state_dict run
with ``<name>_mask``, and this project's own ``reproduce`` folder, transition by transition."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn.utils import prune  # noqa: E402

from sparsity_oracle.cli import main  # noqa: E402


def prune_run(folder, *, scope="layer", ties=False, forward=True, iterations=4, amount=0.2):
    """A run as a user writes it: 'train' (perturb), evaluate, save the state_dict, prune."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 10))
    layers = [model[0], model[2]]
    for t in range(iterations):
        with torch.no_grad():
            for layer in layers:
                w = getattr(layer, "weight_orig", layer.weight)
                w.add_(0.01 * torch.randn_like(w))
                if ties:
                    w.copy_(torch.round(w * 10) / 10)
        if forward:
            model(torch.zeros(1, 20))  # refreshes module.weight = weight_orig * weight_mask
        torch.save(model.state_dict(), folder / f"iter_{t}.pt")
        if scope == "global":
            prune.global_unstructured([(layer, "weight") for layer in layers], pruning_method=prune.L1Unstructured,
                                      amount=amount)
        else:
            for layer in layers:
                prune.l1_unstructured(layer, "weight", amount=amount)
    return folder


def audit(capsys, *argv):
    status = main(["audit-run", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("scope", ["layer", "global"])
def test_l1_unstructured_runs_agree(tmp_path, capsys, scope):
    status, out, _ = audit(capsys, prune_run(tmp_path, scope=scope), "--method", "lt", "--scope", scope)
    assert status == 0, out
    assert "(state_dicts, 3 transitions, float32; method lt" in out
    assert out.count(": agrees") == 3 and "PASS: 0 of 3 transitions differ" in out


def test_torch_tie_order_is_named_and_can_be_accepted(tmp_path, capsys):
    run = prune_run(tmp_path, ties=True)
    status, out, _ = audit(capsys, run, "--method", "lt", "--json")
    report = json.loads(out)
    assert status == 1 and report["verdict"] == "FAIL"
    assert {t["cause"] for t in report["transitions"]} == {"convention"}
    assert {c for t in report["transitions"] for c in t["conventions"]} == {"tie-order"}
    layer = report["transitions"][0]["layers"]["2.weight"]
    assert layer["pruned_only_by_run"] == layer["kept_only_by_run"] > 0  # same count, other entries
    assert layer["kept_run"] == layer["kept_reference"] == 300 - round(0.2 * 300)
    status, out, _ = audit(capsys, run, "--method", "lt", "--accept", "tie-order")
    assert status == 0 and "differs (accepted)" in out


def test_pruning_stale_weights_is_found(tmp_path, capsys):
    """Without a forward pass between training and pruning, l1_unstructured ranks module.weight
    as the last forward pre-hook left it, not weight_orig * weight_mask: other entries go."""
    status, out, _ = audit(capsys, prune_run(tmp_path, forward=False), "--method", "lt")
    assert status == 1
    assert "transition 0 -> 1 (iter_0.pt -> iter_1.pt): agrees" in out  # no mask yet: weight is current
    assert "transition 1 -> 2 (iter_1.pt -> iter_2.pt): DIFFERS; wrong-value" in out


def test_plain_state_dicts_with_masks_and_a_floor_count(tmp_path, capsys):
    """`<name>` and `<name>_mask` tensors, pruned with int(amount * d): the floor-count convention."""
    rng = np.random.default_rng(3)
    weights = {"fc.weight": rng.standard_normal((7, 9)), "out.weight": rng.standard_normal((3, 7))}
    masks = {k: np.ones(w.shape, dtype=bool) for k, w in weights.items()}
    for t in range(3):
        torch.save({**{k: torch.from_numpy(w * masks[k]).float() for k, w in weights.items()},
                    **{f"{k}_mask": torch.from_numpy(m) for k, m in masks.items()}}, tmp_path / f"step{t}.pt")
        for k, w in weights.items():
            kept = np.flatnonzero(masks[k])
            order = kept[np.argsort(np.abs(w.reshape(-1)[kept]), kind="stable")]
            masks[k].reshape(-1)[order[: math.floor(0.3 * len(kept))]] = False
    status, out, _ = audit(capsys, tmp_path, "--method", "lt", "--amount", "0.3", "--json")
    report = json.loads(out)
    assert status == 1 and report["layout"] == "state_dicts"
    assert list(report["causes"]) == ["convention: floor-count"]  # where floor and round differ
    assert main(["audit-run", str(tmp_path), "--method", "lt", "--amount", "0.3", "--accept", "floor-count"]) == 0


def test_a_reproduce_folder_agrees_with_its_settings_from_config_json(tmp_path, capsys):
    from sparsity_oracle.gpu_impl.experiments.runner import ExperimentConfig, run_experiment

    run_experiment(ExperimentConfig(method="sap", model="mlp", iterations=2, epochs=1, seed=1, scope="neuron"),
                   tmp_path, progress=False)
    status, out, _ = audit(capsys, tmp_path)
    assert status == 0, out
    assert "(reproduce checkpoints, 2 transitions, float32; method sap, scope neuron, p=0.5, q=1.0" in out
    status, out, _ = audit(capsys, tmp_path, "--method", "oneshot", "--json")
    report = json.loads(out)
    assert status == 1 and report["transitions"][0]["cause"] == "wrong-value"


@pytest.mark.parametrize("make, argv, message", [
    (lambda d: prune_run(d), [], "give --method"),
    (lambda d: d, ["--method", "lt"], "no .pt or .pth files"),
    (lambda d: (d / "final.pt").write_bytes(b"x") and d, ["--method", "lt"], "cannot tell its iteration"),
    (lambda d: (d / "iter_0.pt").write_bytes(b"not a torch file") and d, ["--method", "lt"], "iter_0.pt: cannot read"),
    (lambda d: prune_run(d), ["--method", "lt", "--amount", "1.5"], "amount"),
])
def test_usage_errors_are_one_line(tmp_path, capsys, make, argv, message):
    status, out, err = audit(capsys, make(tmp_path) or tmp_path, *argv)
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
