"""The one-shot protocol of contract §10: PSO (SpODE) and the one-shot baselines.

1. Dense model: trained for ``epochs`` from the seeded initialisation with the iterative runs'
   recipe and batch order (so it equals their w_0), or loaded from ``init`` (a state_dict file,
   or a checkpoint holding one under ``"state_dict"``); written to ``OUT/dense.pt``.
2. For each target density rho in ``densities`` (in order), from the dense model:
   a. masks = the method's ``prune`` (``methods.METHODS``) given a ``OneShotContext`` seeded by
      (seed, rho);
   b. the dense weights times the masks; BatchNorm statistics re-estimated on the training set
      (``training.reestimate_batchnorm``, for every method); ``loss_pruned`` = mean training
      cross-entropy (the loss pruning minimises), ``accuracy_pruned`` = test accuracy;
   c. fine-tuning for ``finetune_epochs`` with the masks held fixed: SGD (Nesterov, no weight
      decay) at ``finetune_lr`` with the authors' warm-up-then-cosine shape scaled to the run
      (``training.warmup_cosine``); ``accuracy_finetuned`` = test accuracy after it;
   d. written: ``OUT/masks_{rho}.pt`` (bool masks by name), for PSO ``OUT/ode_{rho}.jsonl``
      (one line per Euler step), then rho's line of ``OUT/results.jsonl``.

A results line (contract §10): ``method``, ``model``, ``dataset``, ``scope``, ``seed``, ``density``,
``epochs``, ``finetune_epochs``, ``finetune_lr``, the method's own settings (PSO: ``ode_steps``,
``radius``, ``ode_index``, ``ode_schedule``), ``kept``, ``total``, ``kept_fraction``,
``accuracy_dense``, ``loss_dense``, ``accuracy_pruned``, ``loss_pruned``, ``accuracy_finetuned``,
``p``, ``q``, ``pqi`` and ``gini`` (of the fine-tuned kept weights, all prunable tensors
together; null where undefined) and ``layers`` {name: {"kept", "total"}}.  ``{rho}`` in file
names is ``repr(rho)`` (``0.1``, ``0.035``).

Files are written atomically; rho's results line is written last, so a line means rho is
complete.  ``--resume`` reuses ``dense.pt`` and every completed density and redoes an
interrupted one from its start; as every random stream is keyed by (seed, rho) (``training.
oneshot_generator``), the results equal an uninterrupted run's.  Only ``densities`` may change
on resume (new targets are added; finished ones are kept).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Callable, Optional

import torch

from ..measures import gini, pq_index
from . import data as data_module
from .methods import METHODS, OneShotContext
from .models import build_model, prunable_names
from .oneshot_config import OneShotConfig, density_name
from .run_files import check_folder, create_folder, read_jsonl
from .runner import (check_resumable, compute_settings, cpu_copy, measure, resolve_device, save_atomic,
                     write_config, write_text_atomic)
from .training import (BATCH_STREAM, FINETUNE_STREAM, PRUNE_STREAM, batches, epoch_generator, evaluate,
                       loss_function, make_finetune_optimizer, make_optimizer, oneshot_generator,
                       reestimate_batchnorm, train_epoch)

#: Settings that may differ on ``--resume`` (every other one must match config.json).
RESUMABLE_CHANGES = ("densities",)


def _read_results(path: Path, method: str) -> dict[float, dict]:
    if not path.exists():
        return {}
    lines = read_jsonl(path)
    for i, line in enumerate(lines):
        if "density" not in line or line.get("method") != method:
            raise ValueError(f"{path}: line {i + 1} is not a one-shot result of method {method!r}")
    return {line["density"]: line for line in lines}


def read_state_dict(path, device) -> dict:
    """The state_dict in ``path``: the file's dict itself, or its ``"state_dict"`` entry."""
    loaded = torch.load(path, map_location=device, weights_only=True)
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, dict):
        raise ValueError(f"init: {path} holds no state_dict (got {type(loaded).__name__})")
    return loaded


def _load_init(model, path, device) -> None:
    state = read_state_dict(path, device)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or wrong:
        raise ValueError(f"init: {path} does not fit the model: missing {missing[:3]}, unexpected "
                         f"{unexpected[:3]}, wrong shape {wrong[:3]}")
    model.load_state_dict(state)


def _check_masks(masks, weights: dict, method: str) -> dict:
    if not isinstance(masks, dict) or list(masks) != list(weights):
        raise ValueError(f"method {method!r} returned masks for {list(masks) if isinstance(masks, dict) else masks!r}, "
                         f"expected {list(weights)}")
    for name, mask in masks.items():
        if mask.dtype != torch.bool or mask.shape != weights[name].shape:
            raise ValueError(f"method {method!r}: mask {name!r} must be a bool tensor of shape "
                             f"{tuple(weights[name].shape)}")
    return masks


def _result_line(config: OneShotConfig, density, dense_metrics, pruned_metrics, acc_finetuned, weights, masks) -> dict:
    layers = {n: {"kept": int(masks[n].sum()), "total": masks[n].numel()} for n in weights}
    kept = sum(layer["kept"] for layer in layers.values())
    total = sum(layer["total"] for layer in layers.values())
    flat = torch.cat([weights[n][masks[n]] for n in weights])
    own = {k: getattr(config, k) for k in METHODS[config.method].options}
    return {
        "method": config.method,
        "model": config.model,
        "dataset": config.dataset,
        "scope": config.scope,
        "seed": config.seed,
        "density": density,
        "epochs": config.epochs,
        "finetune_epochs": config.finetune_epochs,
        "finetune_lr": config.finetune_lr,
        **own,
        "kept": kept,
        "total": total,
        "kept_fraction": kept / total,
        "accuracy_dense": dense_metrics[1],
        "loss_dense": dense_metrics[0],
        "accuracy_pruned": pruned_metrics[1],
        "loss_pruned": pruned_metrics[0],
        "accuracy_finetuned": acc_finetuned,
        "p": config.p,
        "q": config.q,
        "pqi": measure(pq_index, flat, config.p, config.q),
        "gini": measure(gini, flat),
        "layers": layers,
    }


def run_oneshot(
    config: OneShotConfig,
    out,
    *,
    resume: bool = False,
    progress: bool = True,
    on_density: Optional[Callable[[float, str], None]] = None,
) -> list[dict]:
    """Run (or, with ``resume``, continue) the one-shot experiment into ``out``; return the
    results lines of ``config.densities`` in order.  ``on_density(rho, stage)`` is called after
    the stages "pruned" and "finetuned" of each density (a hook for tests and monitoring)."""
    from tqdm import tqdm

    out = check_folder(out)
    results_path, dense_path = out / "results.jsonl", out / "dense.pt"
    if not resume and (results_path.exists() or dense_path.exists()):
        raise FileExistsError(f"{out} already holds a run: pass --resume or choose another --out")
    saved = None
    if resume and (out / "config.json").exists():
        saved = check_resumable(out, dataclasses.asdict(config), RESUMABLE_CHANGES)
    results = _read_results(results_path, config.method)

    device = resolve_device(config.device)
    with compute_settings(device, config.threads):
        dataset = data_module.load_dataset(config.dataset, config.data_dir, device)
        create_folder(out)
        write_config(out, dataclasses.asdict(config), device, dataset, saved)
        torch.manual_seed(config.seed)
        model = build_model(config.model, dataset.in_shape, dataset.classes).to(device)
        names = prunable_names(model)
        params = dict(model.named_parameters())

        def bar(total, desc):
            return tqdm(total=total, desc=desc, file=sys.stderr, disable=not progress)

        def inner(iterable, total, desc):
            return tqdm(iterable, total=total, desc=desc, file=sys.stderr, disable=not progress, leave=False,
                        position=1)

        if dense_path.exists():
            model.load_state_dict(torch.load(dense_path, map_location=device, weights_only=True))
        elif config.init is not None:
            _load_init(model, config.init, device)
            save_atomic(cpu_copy(model.state_dict()), dense_path)
        else:
            steps = math.ceil(dataset.x_train.shape[0] / config.batch_size) * config.epochs
            optimizer, schedule = make_optimizer(
                model, lr=config.lr, momentum=config.momentum, nesterov=config.nesterov,
                weight_decay=config.weight_decay, total_steps=steps,
            )
            dense_bar = bar(config.epochs, f"dense {config.model}/{config.dataset}")
            for e in range(config.epochs):
                train_epoch(model, optimizer, schedule, dataset.x_train, dataset.y_train,
                            batch_size=config.batch_size, generator=epoch_generator(config.seed, 0, e))
                dense_bar.update()
            dense_bar.close()
            save_atomic(cpu_copy(model.state_dict()), dense_path)
        dense_state = copy.deepcopy(model.state_dict())
        weights = {n: params[n].detach().clone() for n in names}
        dense_metrics = evaluate(model, dataset.x_test, dataset.y_test)

        todo = [rho for rho in config.densities if rho not in results]
        outer = bar(len(todo), f"{config.method}/{config.model}/{config.dataset} densities")
        for rho in todo:
            outer.set_postfix(density=rho)
            records = []
            batch_generator = oneshot_generator(config.seed, rho, BATCH_STREAM)
            model.load_state_dict(dense_state)  # every density starts from the dense model
            pruning_model = copy.deepcopy(model).train()
            context = OneShotContext(
                config=config, density=rho, model=pruning_model, weights=weights,
                batches=lambda: batches(dataset.x_train, dataset.y_train, batch_size=config.batch_size,
                                        generator=batch_generator),
                loss=loss_function, generator=oneshot_generator(config.seed, rho, PRUNE_STREAM),
                in_shape=dataset.in_shape, record=records.append, progress=inner,
            )
            masks = _check_masks(METHODS[config.method].prune(context), weights, config.method)
            del pruning_model, context

            pairs = [(params[n], masks[n]) for n in names]
            with torch.no_grad():
                for param, mask in pairs:
                    param.mul_(mask)
            reestimate_batchnorm(model, dataset.x_train, batch_size=config.batch_size)
            pruned_metrics = (evaluate(model, dataset.x_train, dataset.y_train)[0],
                              evaluate(model, dataset.x_test, dataset.y_test)[1])
            if on_density is not None:
                on_density(rho, "pruned")

            steps = math.ceil(dataset.x_train.shape[0] / config.batch_size) * config.finetune_epochs
            optimizer, schedule = make_finetune_optimizer(
                model, lr=config.finetune_lr, momentum=config.momentum, nesterov=config.nesterov, total_steps=steps)
            for e in inner(range(config.finetune_epochs), config.finetune_epochs, f"fine-tune {rho}"):
                train_epoch(model, optimizer, schedule, dataset.x_train, dataset.y_train,
                            batch_size=config.batch_size,
                            generator=oneshot_generator(config.seed, rho, FINETUNE_STREAM, e), masks=pairs)
            acc_finetuned = evaluate(model, dataset.x_test, dataset.y_test)[1]
            if on_density is not None:
                on_density(rho, "finetuned")

            finetuned = {n: params[n].detach() for n in names}
            line = _result_line(config, rho, dense_metrics, pruned_metrics, acc_finetuned, finetuned, masks)
            name = density_name(rho)
            save_atomic(cpu_copy(masks), out / f"masks_{name}.pt")
            if records:
                write_text_atomic(out / f"ode_{name}.jsonl", "".join(json.dumps(r) + "\n" for r in records))
            results[rho] = line
            write_text_atomic(results_path, "".join(json.dumps(r) + "\n" for r in results.values()))
            outer.update()
            outer.set_postfix(density=rho, accuracy=f"{acc_finetuned:.4f}")
        outer.close()
        return [results[rho] for rho in config.densities]
