"""The pruning-method registry: a method is one module plus one registry entry.

This module is itself a method ("toy": prune, over all prunable weights, the ``amount`` fraction
of unmasked weights with the smallest saliency |w dL/dw| on one mini-batch, SNIP-like), which
the tests register and run end to end through the command line.
"""

from __future__ import annotations

import json

import pytest
import torch

from sparsity_oracle.cli import main
from sparsity_oracle.gpu_impl.experiments.cli_plot import load_runs
from sparsity_oracle.gpu_impl.experiments.methods import METHODS, PruningMethod, register, unregister
from sparsity_oracle.gpu_impl.validation import in_unit_interval

def validate(config) -> None:
    in_unit_interval(config.amount, "amount", open_low=False)


def next_masks(context) -> dict:
    x, y = next(iter(context.batches()))
    params = dict(context.model.named_parameters())
    loss = context.loss(context.model(x), y)
    grads = torch.autograd.grad(loss, [params[n] for n in context.weights])
    scores = torch.cat([(w * g).abs()[context.masks[n]] for (n, w), g in zip(context.weights.items(), grads)])
    count = round(context.config.amount * scores.numel())
    threshold = torch.sort(scores).values[count - 1] if count else -1.0
    masks, pruned = {}, 0
    for (name, w), g in zip(context.weights.items(), grads):
        drop = context.masks[name] & ((w * g).abs() <= threshold)
        masks[name] = context.masks[name] & ~drop
        pruned += int(drop.sum())
    assert pruned == count, "toy: ties at the threshold (not expected with float saliencies)"
    return masks


TOY = PruningMethod("toy", "Toy saliency", "prune the smallest |w dL/dw| (a test method)", (), __name__)


@pytest.fixture
def toy():
    register(TOY)
    yield TOY
    unregister("toy")


def test_builtin_methods_are_registered():
    assert list(METHODS)[:3] == ["sap", "lt", "oneshot"]


def test_a_name_is_registered_once(toy):
    with pytest.raises(ValueError, match="already registered"):
        register(TOY)


def test_unregistered_method_is_not_a_choice(tmp_path, capsys):
    with pytest.raises(SystemExit) as usage:
        main(["reproduce", "--method", "toy", "--out", str(tmp_path / "run")])
    assert usage.value.code == 2 and "invalid choice: 'toy'" in capsys.readouterr().err


def test_registered_method_runs_end_to_end(toy, tmp_path, capsys):
    out = tmp_path / "toy"
    args = ["reproduce", "--method", "toy", "--model", "linear", "--iterations", "3", "--epochs", "1",
            "--amount", "0.3", "--out", str(out), "--no-progress"]
    assert main(args) == 0
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [line["method"] for line in lines] == ["toy"] * 3
    for line in lines:
        assert line["pruned_count"] == round(0.3 * line["kept"])
    for t in range(3):
        checkpoint = torch.load(out / "checkpoints" / f"iter_{t}.pt")
        for name, mask in checkpoint["next_masks"].items():
            assert not bool((mask & ~checkpoint["masks"][name]).any()), "a pruned weight was revived"
    assert main(["reproduce", "--method", "toy", "--amount", "2", "--out", str(tmp_path / "bad")]) == 2
    assert "amount must lie in [0, 1]" in capsys.readouterr().err
    (curve,) = load_runs([out])
    assert dict(curve)["method"] == "Toy saliency"  # the legend label comes from the registry
    png = tmp_path / "toy.png"
    assert main(["plot", str(out), "--output", str(png)]) == 0 and png.stat().st_size > 0
