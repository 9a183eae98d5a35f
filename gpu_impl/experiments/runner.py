"""The pruning loop of SAP (Algorithm 1 of Diao et al., ICLR 2023), Lottery ticket and One-shot.

For t = 0 .. T-1, with m_0 = all kept and w_init the seeded initialisation:

1. start from w_init ⊙ m_t (every method rewinds, as Algorithm 1 does: "initialize w_t = w_0 ⊙
   m_t", its w_0 being our w_init; BatchNorm statistics rewind too);
2. train E epochs with the masks held fixed (``training``) -> w_t;
3. m_{t+1} = the method's ``next_masks`` (``methods.METHODS``: ``sap``, ``lt``, ``oneshot``,
   or any registered method) given a ``PruningContext`` (w_t, w_0 = the dense weights trained at
   t = 0, m_t, the model, the data and the loss);
4. log one line of ``OUT/results.jsonl`` and write ``OUT/checkpoints/iter_{t}.pt``.

Logged per iteration (contract §8): ``kept`` = |m_t| (so iteration 0 has kept_fraction 1),
``pruned_count`` = |m_t| - |m_{t+1}|, ``accuracy_retrained`` = test accuracy of w_t,
``accuracy_pruned`` = test accuracy of w_t ⊙ m_{t+1} (pruned without retraining; BatchNorm
statistics as trained), ``pqi`` (I_{p,q} with the run's p, q, also for the baselines) and
``gini`` of the unmasked entries of w_t over all prunable tensors (group order: tensors in
module order, C order within), ``layers`` {name: {kept, total, pqi}}.  A PQI of a group whose
unmasked entries are all zero (or that has none) is undefined and logged as null.

Files are written atomically (a temporary file, then ``os.replace``): the checkpoint of t,
then the results file with t's line appended.  ``OUT/init.pt`` holds w_init.  ``--resume``
reads the completed lines, takes m_{t+1} from the last checkpoint and goes on; an
interrupted iteration is redone from its start, and since an iteration depends only on
(w_init, m_t, seed, t) (batch order: ``training.epoch_generator``) the results are those of
an uninterrupted run.

What ``--resume`` may change: only ``iterations`` (any other setting that differs from
``OUT/config.json`` is refused, naming each).  Fewer iterations than the run has completed
is refused (they exist; choose another folder); as many completes nothing; more continue.
``config.json`` is left as it is, except that a changed ``iterations`` is written into it.
Nothing is created in ``OUT`` before the settings, the device and the dataset are checked, so a
refused run leaves no file or folder behind.

CPU threads: ``threads`` (default 1 on CPU) is set for the run and restored afterwards;
results are reproducible for a given device and thread count.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import torch

from .. import validation
from ..measures import gini, pq_index
from ..names import DATASETS, MODELS, SCOPES
from ..devices import resolve_device
from . import data as data_module
from .run_files import check_folder, create_folder, read_json, read_jsonl
from .methods import METHODS, PruningContext
from .models import build_model, prunable_names
from .training import accuracy, batches, epoch_generator, loss_function, make_optimizer, pruning_generator, train_epoch
#: Settings that may differ on ``--resume`` (every other one must match config.json).
RESUMABLE_CHANGES = ("iterations",)


@dataclass(frozen=True)
class ExperimentConfig:
    method: str
    model: str = "mlp"
    dataset: str = "digits"
    data_dir: Optional[str] = None
    iterations: int = 10
    epochs: int = 10
    seed: int = 0
    scope: str = "global"
    p: float = 0.5
    q: float = 1.0
    eta_r: float = 0.0
    gamma: float = 1.0
    beta: float = 0.9
    amount: float = 0.2
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    batch_size: int = 250
    device: str = "auto"
    threads: Optional[int] = None

    def __post_init__(self):
        checks = [
            ("method", self.method in METHODS, f"one of {tuple(METHODS)}"),
            ("model", self.model in MODELS, f"one of {MODELS}"),
            ("dataset", self.dataset in DATASETS, f"one of {DATASETS}"),
            ("scope", self.scope in SCOPES, f"one of {SCOPES}"),
            ("iterations", self.iterations >= 1, ">= 1"),
            ("epochs", self.epochs >= 1, ">= 1"),
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("threads", self.threads is None or self.threads >= 1, ">= 1"),
        ]
        # checked by gpu_impl's validators before any training: every real setting is logged, so
        # finite; p < q for the logged PQI; the rest by the method
        validation.config_settings(self, checks)
        validation.p_and_q(self.p, self.q)
        validation.positive(self.lr, "lr")
        METHODS[self.method].validate(self)


@contextmanager
def compute_settings(device: torch.device, threads: Optional[int]):
    """For the duration of a run: ``threads`` CPU threads (default 1 on CPU, torch's choice on
    other devices), restored afterwards; deterministic cuDNN on CUDA."""
    threads = threads or (1 if device.type == "cpu" else None)
    previous_threads = torch.get_num_threads()
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    try:
        if threads:
            torch.set_num_threads(threads)
        yield
    finally:
        torch.set_num_threads(previous_threads)


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` to a temporary file next to ``path``, then rename it to ``path``: a reader
    (or a resumed run) sees the old file or the new one, never half a file."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def save_atomic(obj, path: Path) -> None:
    """``torch.save(obj)`` to ``path`` atomically."""
    write_atomic(path, lambda tmp: torch.save(obj, tmp))


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text))


def cpu_copy(tensors: dict) -> dict:
    """{name: a detached CPU copy of the tensor}."""
    return {name: t.detach().to("cpu", copy=True) for name, t in tensors.items()}


def check_resumable(out: Path, settings: dict, resumable=()) -> dict:
    """The record saved in ``out``/config.json, once checked that ``settings`` equal its
    settings except the keys in ``resumable`` (compared as JSON values, so a tuple equals the
    saved list); ValueError naming each difference, or the file if it is damaged."""
    record = read_json(out / "config.json")
    saved = record.get("settings", {})
    current = json.loads(json.dumps(settings))
    changed = [k for k in current if k not in resumable and saved.get(k) != current[k]]
    if changed:
        diffs = ", ".join(f"{k}: {saved.get(k)!r} -> {current[k]!r}" for k in changed)
        raise ValueError(f"--resume with settings that differ from {out / 'config.json'}: {diffs}")
    return record


def write_config(out: Path, settings: dict, device: torch.device, dataset, saved: Optional[dict] = None) -> None:
    """``out``/config.json: the run's ``settings`` and what else fixes its results (device,
    threads, torch version, the digits split seed, the dataset's shape and sizes).  A resumed
    run passes the ``saved`` record (``check_resumable``): it is kept as it is, with only the
    settings that changed (the resumable ones) written into it; unchanged, the file is left alone."""
    if saved is not None:
        current = json.loads(json.dumps(settings))
        if saved.get("settings") != current:
            write_text_atomic(out / "config.json", json.dumps({**saved, "settings": current}, indent=2) + "\n")
        return
    record = {
        "settings": settings,
        "resolved_device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "digits_split_seed": data_module.DIGITS_SPLIT_SEED,
        "in_shape": list(dataset.in_shape),
        "classes": dataset.classes,
        "train_size": dataset.x_train.shape[0],
        "test_size": dataset.x_test.shape[0],
    }
    write_text_atomic(out / "config.json", json.dumps(record, indent=2) + "\n")


def measure(fn, values: torch.Tensor, *args) -> Optional[float]:
    """fn(values) as a float, or None where it is undefined (no entry or all zero)."""
    if not bool(values.ne(0).any()):
        return None
    return float(fn(values, *args))


def _log_line(config, t, weights, masks, next_masks, acc_retrained, acc_pruned) -> dict:
    layers, kept_values = {}, []
    for name, w in weights.items():
        values = w[masks[name]]
        kept_values.append(values)
        layers[name] = {
            "kept": values.numel(),
            "total": w.numel(),
            "pqi": measure(pq_index, values, config.p, config.q),
        }
    flat = torch.cat(kept_values)
    kept = sum(layer["kept"] for layer in layers.values())
    total = sum(layer["total"] for layer in layers.values())
    next_kept = sum(int(m.sum()) for m in next_masks.values())
    return {
        "iteration": t,
        "method": config.method,
        "model": config.model,
        "dataset": config.dataset,
        "scope": config.scope,
        **{k: getattr(config, k) for k in ("p", "q", "eta_r", "gamma", "beta", "amount", "seed", "epochs")},
        "kept": kept,
        "total": total,
        "kept_fraction": kept / total,
        "pruned_count": kept - next_kept,
        "accuracy_retrained": acc_retrained,
        "accuracy_pruned": acc_pruned,
        "pqi": measure(pq_index, flat, config.p, config.q),
        "gini": measure(gini, flat),
        "layers": layers,
    }


def _read_results(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = read_jsonl(path)
    for i, line in enumerate(lines):
        if line["iteration"] != i:
            raise ValueError(f"{path}: line {i + 1} is iteration {line['iteration']}, expected {i}")
    return lines


def run_experiment(
    config: ExperimentConfig,
    out,
    *,
    resume: bool = False,
    progress: bool = True,
    on_epoch: Optional[Callable[[int, int], None]] = None,
) -> list[dict]:
    """Run (or, with ``resume``, continue) the experiment into the folder ``out``; return all
    results lines.  ``on_epoch(t, e)`` is called after each training epoch (a hook for tests
    and monitoring)."""
    from tqdm import tqdm

    out = check_folder(out)
    results_path, init_path = out / "results.jsonl", out / "init.pt"
    if not resume and (results_path.exists() or init_path.exists()):
        raise FileExistsError(f"{out} already holds a run: pass --resume or choose another --out")
    saved = None
    if resume and (out / "config.json").exists():
        saved = check_resumable(out, dataclasses.asdict(config), RESUMABLE_CHANGES)
    results = _read_results(results_path)
    if len(results) > config.iterations:
        raise ValueError(f"--iterations {config.iterations}: {out} already holds {len(results)} completed "
                         f"iterations; ask for {len(results)} or more, or choose another --out")

    device = resolve_device(config.device)
    with compute_settings(device, config.threads):
        dataset = data_module.load_dataset(config.dataset, config.data_dir, device)
        (create_folder(out) / "checkpoints").mkdir(exist_ok=True)
        write_config(out, dataclasses.asdict(config), device, dataset, saved)
        torch.manual_seed(config.seed)
        model = build_model(config.model, dataset.in_shape, dataset.classes).to(device)
        if init_path.exists():
            model.load_state_dict(torch.load(init_path, map_location=device))
        else:
            save_atomic(cpu_copy(model.state_dict()), init_path)
        w_init = {k: v.detach().clone() for k, v in model.state_dict().items()}
        params = dict(model.named_parameters())
        names = prunable_names(model)

        masks = {n: torch.ones_like(params[n], dtype=torch.bool) for n in names}
        dense = None
        if results:
            last = torch.load(out / "checkpoints" / f"iter_{len(results) - 1}.pt", map_location=device)
            masks = last["next_masks"]
            first = torch.load(out / "checkpoints" / "iter_0.pt", map_location=device)
            dense = {n: first["state_dict"][n] for n in names}

        steps = math.ceil(dataset.x_train.shape[0] / config.batch_size) * config.epochs
        bar = tqdm(
            total=(config.iterations - len(results)) * config.epochs,
            file=sys.stderr,
            disable=not progress,
            desc=f"{config.method}/{config.model}/{config.dataset}",
        )
        for t in range(len(results), config.iterations):
            model.load_state_dict(w_init)
            pairs = [(params[n], masks[n]) for n in names]
            with torch.no_grad():
                for param, mask in pairs:
                    param.mul_(mask)
            optimizer, schedule = make_optimizer(
                model, lr=config.lr, momentum=config.momentum, nesterov=config.nesterov,
                weight_decay=config.weight_decay, total_steps=steps,
            )
            kept_fraction = sum(int(m.sum()) for m in masks.values()) / sum(m.numel() for m in masks.values())
            for e in range(config.epochs):
                train_epoch(
                    model, optimizer, schedule, dataset.x_train, dataset.y_train,
                    batch_size=config.batch_size, generator=epoch_generator(config.seed, t, e),
                    masks=pairs,
                )
                bar.update()
                bar.set_postfix(iteration=t, epoch=e, kept=f"{kept_fraction:.4f}")
                if on_epoch is not None:
                    on_epoch(t, e)
            acc_retrained = accuracy(model, dataset.x_test, dataset.y_test)
            weights = {n: params[n].detach() for n in names}
            if dense is None:
                dense = {n: w.clone() for n, w in weights.items()}
            context = PruningContext(
                config=config, iteration=t, model=model, weights=weights, dense=dense, masks=masks,
                batches=lambda t=t: batches(dataset.x_train, dataset.y_train, batch_size=config.batch_size,
                                            generator=pruning_generator(config.seed, t)),
                loss=loss_function, generator=pruning_generator(config.seed, t),
            )
            next_masks = METHODS[config.method].next_masks(context)
            acc_pruned = accuracy(
                model, dataset.x_test, dataset.y_test,
                parameters={n: weights[n] * next_masks[n] for n in names},
            )
            line = _log_line(config, t, weights, masks, next_masks, acc_retrained, acc_pruned)
            bar.set_postfix(iteration=t, accuracy=f"{acc_retrained:.4f}", kept=f"{kept_fraction:.4f}")
            save_atomic(
                {"state_dict": cpu_copy(model.state_dict()), "masks": cpu_copy(masks), "next_masks": cpu_copy(next_masks)},
                out / "checkpoints" / f"iter_{t}.pt",
            )
            results.append(line)
            write_text_atomic(results_path, "".join(json.dumps(r) + "\n" for r in results))
            masks = next_masks
        bar.close()
        return results
