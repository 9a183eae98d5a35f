r"""The pruning limit of a trained model against pruning it for real (contract §11).

1. **Train** the model (``epochs`` of SGD with Nesterov momentum, a per-batch cosine schedule,
   no weight decay by default, the authors' optional l1 term: each batch minimises mean
   cross-entropy + lambda sum |theta| over every parameter) or load ``init``; -> ``dense.pt``.
2. The **objective** of the limit is the training loss of the paper,
   L(w) = (1/N) sum_i CE_i(w) + lambda sum |theta|  (all N training samples, eval mode),
   and ``loss_dense`` = L(w*).
3. **eps**: a number, or ``"batch-std"`` (default, the authors' rule): the standard deviation
   (population, as ``np.std``) of the mini-batch values of L at w* over one pass in batches of
   ``EPS_BATCH`` = 128 samples drawn in the order of ``training.epoch_generator(seed, 0, 0)``.
4. The **spectrum** of the Hessian of L with respect to the D prunable weights
   (``gpu_impl.hessian``; the l1 term has none): ``exact`` (all D eigenvalues of the dense
   Hessian; refused with one line when its D x D float64 matrix, three times over, does not fit
   in the device's memory) or ``slq`` (``lanczos_steps`` steps of ``probes`` probes); ``auto``
   = exact when D <= ``AUTO_EXACT_MAX``, else slq.  ``hessian_samples`` restricts it to a
   fixed subset of the training set (drawn with ``seed``).
5. The **prediction**: ``gpu_impl.pruning_limit(|w*|, spectrum, eps, negative, eta)``.
6. **Actual pruning**: for each ratio of ``ratios`` (fractions removed), global one-shot
   magnitude pruning (``gpu_impl.fixed_ratio_masks`` with scope ``global``: round(ratio D)
   smallest |w*| removed, ties as contract §1), its L, test loss and accuracies; then, with
   ``finetune_epochs`` > 0, a masked fine-tune from the pruned w* (learning rate
   ``finetune_lr``, cosine, the same lambda; batch order ``epoch_generator(seed, i + 1, e)`` for
   ratio i) and the same measurements.
7. ``actual_removed_fraction`` = the largest ratio whose one-shot L <= loss_dense + eps (None if
   none), ``delta`` = predicted removed fraction - actual.

Outputs in ``out`` (contract §11): ``limit.json``, ``spectrum.npz``, ``magnitudes.npy`` (float32
|w*| in the order prunable tensors, C order within), ``actual.jsonl`` (one object per ratio,
keys ``ACTUAL_KEYS``), ``limit.png``; plus ``config.json`` and ``dense.pt``.  Every file is
written atomically.  ``resume`` keeps what is done: the trained ``dense.pt``, the finished
spectrum (or, for SLQ, each finished probe: ``slq_probes.npz``, removed once ``spectrum.npz``
is written), the finished lines of ``actual.jsonl``; an interrupted training restarts (it is
deterministic).  Every random choice is seeded, so a resumed run writes what an uninterrupted
one writes (same device and thread count).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from .. import hessian, validation
from ..devices import resolve_device
from ..limit import Spectrum, pruning_limit
from ..names import DATASETS, HESSIAN_DTYPES, MODELS, NEGATIVE_POLICIES, SPECTRA
from ..pruning import fixed_ratio_masks
from . import data as data_module
from .models import build_model, prunable_names
from .run_files import check_folder, create_folder
from .runner import check_resumable, compute_settings, cpu_copy, save_atomic, write_atomic, write_config, write_text_atomic
from .training import epoch_generator, evaluate, l1_norm, loss_function, make_optimizer, train_epoch

#: ``auto`` takes the exact spectrum up to this D (a 128 MiB float64 Hessian), else SLQ.
AUTO_EXACT_MAX = 4096
#: Batch size of the mini-batch losses whose standard deviation is eps = "batch-std".
EPS_BATCH = 128
#: Default ratios: 0, 0.01, ..., 0.99.
DEFAULT_RATIOS = tuple(i / 100 for i in range(100))
#: Keys of each ``actual.jsonl`` line.
ACTUAL_KEYS = ("ratio", "removed", "kept", "total", "loss", "train_accuracy", "test_loss",
               "test_accuracy", "loss_finetuned", "train_accuracy_finetuned", "test_loss_finetuned",
               "test_accuracy_finetuned", "within_eps")
#: Keys of ``limit.json`` (contract §11).
LIMIT_KEYS = ("kept", "total", "kept_fraction", "kept_lower", "kept_upper", "eps", "loss_dense",
              "spectrum", "negative", "actual_removed_fraction", "trace", "delta")


@dataclass(frozen=True)
class LimitConfig:
    """Every setting of a ``limit`` run (module docstring; the command's options)."""

    model: str = "mlp"
    dataset: str = "digits"
    data_dir: Optional[str] = None
    epochs: int = 50
    l1: float = 0.0
    seed: int = 0
    init: Optional[str] = None
    spectrum: str = "auto"
    lanczos_steps: int = 100
    probes: int = 10
    hessian_samples: Optional[int] = None
    hessian_batch: int = 1024
    hessian_dtype: str = "float64"
    eps: Union[float, str] = "batch-std"
    eta: float = 0.05
    negative: str = "abs"
    ratios: tuple = DEFAULT_RATIOS
    finetune_epochs: int = 2
    finetune_lr: float = 0.01
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 0.0
    batch_size: int = 128
    device: str = "auto"
    threads: Optional[int] = None

    def __post_init__(self):
        checks = [
            ("model", self.model in MODELS, f"one of {MODELS}"),
            ("dataset", self.dataset in DATASETS, f"one of {DATASETS}"),
            ("spectrum", self.spectrum in SPECTRA, f"one of {SPECTRA}"),
            ("negative", self.negative in NEGATIVE_POLICIES, f"one of {NEGATIVE_POLICIES}"),
            ("hessian_dtype", self.hessian_dtype in HESSIAN_DTYPES, f"one of {HESSIAN_DTYPES}"),
            ("epochs", self.epochs >= 1, ">= 1"),
            ("finetune_epochs", self.finetune_epochs >= 0, ">= 0"),
            ("lanczos_steps", self.lanczos_steps >= 1, ">= 1"),
            ("probes", self.probes >= 1, ">= 1"),
            ("hessian_samples", self.hessian_samples is None or self.hessian_samples >= 1, ">= 1"),
            ("hessian_batch", self.hessian_batch >= 1, ">= 1"),
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("threads", self.threads is None or self.threads >= 1, ">= 1"),
            ("ratios", len(self.ratios) >= 1, "a non-empty list"),
        ]
        for name, ok, rule in checks:
            if not ok:
                raise ValueError(f"{name} must be {rule}, got {name}={getattr(self, name)!r}")
        if self.eps != "batch-std":
            validation.positive(self.eps, "eps")
        eta = validation.real_param(self.eta, "eta")
        if not 0 < eta < 1:
            raise ValueError(f"eta must lie in (0, 1), got eta={self.eta!r}")
        for ratio in self.ratios:
            validation.in_unit_interval(ratio, "ratio", open_low=False)
        if any(b <= a for a, b in zip(self.ratios, self.ratios[1:])):
            raise ValueError(f"ratios must be strictly increasing, got {list(self.ratios)}")
        validation.non_negative(self.l1, "l1")
        validation.non_negative(self.weight_decay, "weight_decay")
        validation.positive(self.lr, "lr")
        validation.positive(self.finetune_lr, "finetune_lr")


def exact_memory_needed(d: int) -> int:
    """Bytes the exact spectrum needs: three D x D float64 matrices (the Hessian, its
    symmetrised copy, the eigensolver's work space)."""
    return 3 * 8 * d * d


def _device_memory(device: torch.device) -> int:
    """Bytes the exact spectrum may use: the free memory of a CUDA device, the physical memory
    of the machine otherwise."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _save_npz(path: Path, **arrays) -> None:
    def write(tmp):
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    write_atomic(path, write)


def _save_npy(path: Path, array: np.ndarray) -> None:
    def write(tmp):
        with open(tmp, "wb") as f:
            np.save(f, array)

    write_atomic(path, write)


class _Objective:
    """L(w) (module docstring, step 2) and the other measurements of one set of weights."""

    def __init__(self, model, dataset, l1):
        self.model, self.dataset, self.l1 = model, dataset, l1

    def measure(self, parameters=None) -> dict:
        """{"loss": L, "train_accuracy", "test_loss", "test_accuracy"} of the model's weights,
        ``parameters`` (name -> tensor) overriding some of them."""
        data = self.dataset
        train_loss, train_accuracy = evaluate(self.model, data.x_train, data.y_train, parameters=parameters)
        test_loss, test_accuracy = evaluate(self.model, data.x_test, data.y_test, parameters=parameters)
        return {"loss": train_loss + self.l1 * self._l1_norm(parameters), "train_accuracy": train_accuracy,
                "test_loss": test_loss, "test_accuracy": test_accuracy}

    def _l1_norm(self, parameters=None) -> float:
        values = dict(self.model.named_parameters())
        values.update(parameters or {})
        with torch.no_grad():
            return float(l1_norm(v.to(torch.float64) for v in values.values()))

    def batch_std(self, seed: int) -> float:
        """eps = "batch-std" (module docstring, step 3)."""
        data, values = self.dataset, []
        order = torch.randperm(data.x_train.shape[0], generator=epoch_generator(seed, 0, 0)).to(data.x_train.device)
        penalty = self.l1 * self._l1_norm()
        self.model.eval()
        with torch.no_grad():
            for start in range(0, order.numel(), EPS_BATCH):
                batch = order[start:start + EPS_BATCH]
                loss = loss_function(self.model(data.x_train[batch]), data.y_train[batch])
                values.append(float(loss) + penalty)
        return float(np.std(values))


def _load_init(path: str, model, device) -> None:
    """Load a state_dict (or a checkpoint holding one under "state_dict") into ``model``."""
    try:
        state = torch.load(path, map_location=device)
    except FileNotFoundError:
        raise FileNotFoundError(f"--init {path}: no such file") from None
    except Exception as error:  # an unreadable or non-torch file: one line, not a traceback
        raise ValueError(f"--init {path}: not a torch checkpoint ({type(error).__name__}: {error})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as error:
        first = str(error).strip().splitlines()[0]
        raise ValueError(f"--init {path} does not fit the {type(model).__name__} model: {first}") from None


def _train(config: LimitConfig, model, dataset, bar) -> None:
    steps = math.ceil(dataset.x_train.shape[0] / config.batch_size) * config.epochs
    optimizer, schedule = make_optimizer(model, lr=config.lr, momentum=config.momentum, nesterov=config.nesterov,
                                         weight_decay=config.weight_decay, total_steps=steps)
    for e in range(config.epochs):
        train_epoch(model, optimizer, schedule, dataset.x_train, dataset.y_train, batch_size=config.batch_size,
                    generator=epoch_generator(config.seed, 0, e), l1=config.l1)
        bar.update()


def _finetune(config: LimitConfig, model, dataset, pairs, index: int) -> None:
    steps = math.ceil(dataset.x_train.shape[0] / config.batch_size) * config.finetune_epochs
    optimizer, schedule = make_optimizer(model, lr=config.finetune_lr, momentum=config.momentum,
                                         nesterov=config.nesterov, weight_decay=config.weight_decay,
                                         total_steps=steps)
    for e in range(config.finetune_epochs):
        train_epoch(model, optimizer, schedule, dataset.x_train, dataset.y_train, batch_size=config.batch_size,
                    generator=epoch_generator(config.seed, index + 1, e), masks=pairs, l1=config.l1)


def _spectrum(config: LimitConfig, kind: str, model, names, dataset, out: Path, progress: bool):
    """The spectrum (eigenvalue tensor or ``Spectrum``), computed or read from ``out``."""
    from tqdm import tqdm

    path, partial = out / "spectrum.npz", out / "slq_probes.npz"
    if path.exists():
        with np.load(path) as saved:
            if kind == "exact":
                return torch.from_numpy(saved["eigenvalues"])
            return Spectrum(torch.from_numpy(saved["nodes"]), torch.from_numpy(saved["weights"]),
                            float(saved["zero_fraction"]))
    operator = hessian.LossHessian(model, names, dataset.x_train, dataset.y_train,
                                   loss_fn=lambda logits, y: loss_function(logits, y, reduction="sum"),
                                   batch_size=config.hessian_batch, samples=config.hessian_samples,
                                   seed=config.seed, dtype=getattr(torch, config.hessian_dtype))
    if kind == "exact":
        blocks = math.ceil(operator.size / 256) * operator.batches
        with tqdm(total=blocks, file=sys.stderr, disable=not progress, desc="exact Hessian (blocks)") as bar:
            values = hessian.eigenvalues(operator.matrix(columns=256, on_block=bar.update))
        _save_npz(path, eigenvalues=values.numpy())
        return values
    rules = []
    if partial.exists():
        with np.load(partial) as saved:
            rules = [(torch.from_numpy(saved[f"nodes_{v}"]), torch.from_numpy(saved[f"weights_{v}"]))
                     for v in range(int(saved["done"]))]
    bar = tqdm(total=(config.probes - len(rules)) * config.lanczos_steps, file=sys.stderr,
               disable=not progress, desc="SLQ (Hessian-vector products)")

    def matvec(v):
        bar.update()
        return operator.hvp(v)

    for rule in hessian.quadrature_rules(matvec, operator.size, steps=config.lanczos_steps,
                                         probes=config.probes, seed=config.seed, first=len(rules),
                                         dtype=operator.dtype, device=operator.device):
        rules.append(rule)
        arrays = {f"{key}_{v}": value.numpy() for v, (n, w) in enumerate(rules)
                  for key, value in (("nodes", n), ("weights", w))}
        _save_npz(partial, done=np.array(len(rules)), **arrays)
    bar.close()
    spectrum = hessian.slq_spectrum(rules)
    _save_npz(path, nodes=spectrum.nodes.numpy(), weights=spectrum.weights.numpy(),
              zero_fraction=np.array(spectrum.zero_fraction))
    partial.unlink()
    return spectrum


def _read_actual(path: Path, ratios) -> list[dict]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if i >= len(ratios) or line["ratio"] != ratios[i]:
            raise ValueError(f"{path}: line {i + 1} is ratio {line['ratio']}, not the configured ratios")
    return lines


def _prune_for_real(config: LimitConfig, model, dataset, objective: _Objective, threshold: float,
                    path: Path, progress: bool) -> list[dict]:
    """The lines of ``actual.jsonl`` (module docstring, step 6), continuing those in ``path``;
    the model is left at w*.  ``threshold`` = L(w*) + eps."""
    from tqdm import tqdm

    lines = _read_actual(path, config.ratios)
    names = prunable_names(model)
    params = dict(model.named_parameters())
    dense_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    weights = {n: params[n].detach().clone() for n in names}
    all_kept = {n: torch.ones_like(w, dtype=torch.bool) for n, w in weights.items()}
    total = sum(w.numel() for w in weights.values())
    bar = tqdm(total=len(config.ratios) - len(lines), file=sys.stderr, disable=not progress,
               desc="one-shot pruning" + (" + fine-tune" if config.finetune_epochs else ""))
    for index in range(len(lines), len(config.ratios)):
        ratio = config.ratios[index]
        masks = fixed_ratio_masks(weights, all_kept, scope="global", amount=ratio)
        kept = sum(int(m.sum()) for m in masks.values())
        line = {"ratio": ratio, "removed": total - kept, "kept": kept, "total": total}
        line.update(objective.measure({n: weights[n] * masks[n] for n in names}))
        tuned = dict.fromkeys(("loss", "train_accuracy", "test_loss", "test_accuracy"))
        if config.finetune_epochs:
            pairs = [(params[n], masks[n]) for n in names]
            with torch.no_grad():
                for param, mask in pairs:
                    param.mul_(mask)
            _finetune(config, model, dataset, pairs, index)
            tuned = objective.measure()
            model.load_state_dict(dense_state)
        line.update({f"{k}_finetuned": v for k, v in tuned.items()})
        line["within_eps"] = line["loss"] <= threshold
        lines.append(line)
        write_text_atomic(path, "".join(json.dumps(x) + "\n" for x in lines))
        bar.update()
    bar.close()
    return lines


def run_limit(config: LimitConfig, out, *, resume: bool = False, progress: bool = True) -> dict:
    """Run (or, with ``resume``, continue) the experiment into the folder ``out``; return the
    ``limit.json`` record."""
    from tqdm import tqdm

    out = check_folder(out)
    dense_path, actual_path = out / "dense.pt", out / "actual.jsonl"
    if not resume and (dense_path.exists() or (out / "limit.json").exists()):
        raise FileExistsError(f"{out} already holds a run: pass --resume or choose another --out")
    settings = dataclasses.asdict(config)
    saved = check_resumable(out, settings) if resume and (out / "config.json").exists() else None
    device = resolve_device(config.device)
    with compute_settings(device, config.threads):
        dataset = data_module.load_dataset(config.dataset, config.data_dir, device)
        torch.manual_seed(config.seed)
        model = build_model(config.model, dataset.in_shape, dataset.classes).to(device)
        names = prunable_names(model)
        d = sum(dict(model.named_parameters())[n].numel() for n in names)
        kind = config.spectrum if config.spectrum != "auto" else ("exact" if d <= AUTO_EXACT_MAX else "slq")
        if kind == "exact" and exact_memory_needed(d) > _device_memory(device):
            raise ValueError(
                f"--spectrum exact for D = {d} prunable weights needs {exact_memory_needed(d) / 2**30:.1f} GiB, "
                f"more than the {_device_memory(device) / 2**30:.1f} GiB of {device}: use --spectrum slq")
        if dense_path.exists():
            model.load_state_dict(torch.load(dense_path, map_location=device))
        elif config.init is not None:
            _load_init(config.init, model, device)
        write_config(create_folder(out), settings, device, dataset, saved)  # nothing written before
        if not dense_path.exists():
            if config.init is None:
                with tqdm(total=config.epochs, file=sys.stderr, disable=not progress,
                          desc=f"training {config.model}/{config.dataset}") as bar:
                    _train(config, model, dataset, bar)
            save_atomic(cpu_copy(model.state_dict()), dense_path)
        model.eval()
        params = dict(model.named_parameters())
        magnitudes = torch.cat([params[n].detach().reshape(-1) for n in names]).abs()
        _save_npy(out / "magnitudes.npy", magnitudes.cpu().numpy())

        objective = _Objective(model, dataset, config.l1)
        loss_dense = objective.measure()["loss"]
        eps = objective.batch_std(config.seed) if config.eps == "batch-std" else float(config.eps)
        spectrum = _spectrum(config, kind, model, names, dataset, out, progress)
        predicted = pruning_limit(magnitudes, spectrum, eps, negative=config.negative, eta=config.eta)

        lines = _prune_for_real(config, model, dataset, objective, loss_dense + eps, actual_path, progress)
        within = [x["ratio"] for x in lines if x["within_eps"]]
        actual = max(within) if within else None
        record = {
            "kept": predicted.kept,
            "total": predicted.total,
            "kept_fraction": predicted.kept_fraction,
            "kept_lower": predicted.kept_lower,
            "kept_upper": predicted.kept_upper,
            "eps": eps,
            "loss_dense": loss_dense,
            "spectrum": kind,
            "negative": config.negative,
            "actual_removed_fraction": actual,
            "trace": hessian.spectrum_trace(spectrum, d),
            "delta": None if actual is None else predicted.removed_fraction - actual,
        }
        write_text_atomic(out / "limit.json", json.dumps(record, indent=2) + "\n")
        plot_limit(out)
        return record


def plot_limit(out) -> Path:
    """``out``/limit.png from the run's files: test loss and accuracy (one-shot, and fine-tuned
    when present) and the training objective against the ratio removed, with the predicted
    limit (vertical line), its band (shaded) and the actual limit (dotted); and the Hessian
    spectrum smoothed (``hessian.spectral_density``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    record = json.loads((out / "limit.json").read_text())
    lines = [json.loads(x) for x in (out / "actual.jsonl").read_text().splitlines() if x.strip()]
    settings = json.loads((out / "config.json").read_text())["settings"]
    total = record["total"]
    ratio = np.array([x["ratio"] for x in lines]) * 100
    fig, (ax, ax_spec) = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    acc_ax = ax.twinx()
    ax.plot(ratio, [x["test_loss"] for x in lines], color="tab:blue", label="test loss (one-shot)")
    ax.plot(ratio, [x["loss"] for x in lines], color="tab:cyan", lw=1, label="training objective L (one-shot)")
    acc_ax.plot(ratio, [100 * x["test_accuracy"] for x in lines], color="tab:red", label="test accuracy (one-shot)")
    if lines[0]["test_loss_finetuned"] is not None:
        ax.plot(ratio, [x["test_loss_finetuned"] for x in lines], color="tab:blue", ls="--",
                label="test loss (fine-tuned)")
        acc_ax.plot(ratio, [100 * x["test_accuracy_finetuned"] for x in lines], color="tab:red", ls="--",
                    label="test accuracy (fine-tuned)")
    ax.axhline(record["loss_dense"] + record["eps"], color="tab:cyan", lw=0.8, ls=":", label="L(w*) + eps")
    predicted = 100 * (1 - record["kept_fraction"])
    ax.axvline(predicted, color="black", label=f"predicted limit {predicted:.1f} %")
    ax.axvspan(100 * (1 - record["kept_upper"] / total), 100 * (1 - record["kept_lower"] / total),
               color="grey", alpha=0.2, label=f"band (eta = {settings['eta']:g})")
    if record["actual_removed_fraction"] is not None:
        ax.axvline(100 * record["actual_removed_fraction"], color="tab:green", ls=":",
                   label=f"actual limit {100 * record['actual_removed_fraction']:.1f} %")
    ax.set_xlabel("pruning ratio (% of prunable weights removed)")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    acc_ax.set_ylabel("test accuracy (%)")
    handles = ax.get_legend_handles_labels()
    more = acc_ax.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], fontsize=7, loc="center left")
    ax.grid(alpha=0.3)
    ax.set_title(f"{settings['model']} on {settings['dataset']}, seed {settings['seed']}, l1 {settings['l1']:g}, "
                 f"eps {record['eps']:.3g}, {record['spectrum']} spectrum, negative={record['negative']}",
                 fontsize=9)

    with np.load(out / "spectrum.npz") as saved:
        if "eigenvalues" in saved:
            spectrum = torch.from_numpy(saved["eigenvalues"])
            nodes = spectrum
        else:
            spectrum = Spectrum(torch.from_numpy(saved["nodes"]), torch.from_numpy(saved["weights"]),
                                float(saved["zero_fraction"]))
            nodes = spectrum.nodes
    low, high = float(nodes.min()), float(nodes.max())
    span = max(high - low, 1e-12)
    grid = torch.linspace(low - 0.05 * span, high + 0.05 * span, 2000, dtype=torch.float64)
    density = hessian.spectral_density(spectrum, grid, sigma=span / 400)
    ax_spec.semilogy(grid.numpy(), density.numpy().clip(min=1e-12))
    ax_spec.set_ylim(bottom=max(float(density.max()) * 1e-8, 1e-12))
    ax_spec.set_xlabel("Hessian eigenvalue")
    ax_spec.set_ylabel("density (Gaussian kernel, width range/400)")
    below = 1e-3 * max(abs(low), abs(high))
    ax_spec.set_title(f"trace {record['trace']:.4g}; mass below -1e-3 max|lambda|: "
                      f"{hessian.negative_mass(spectrum, below):.3f}", fontsize=9)
    ax_spec.grid(alpha=0.3)
    fig.tight_layout()
    path = out / "limit.png"
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path
