"""``sparsity-oracle audit-run DIR --method sap|lt|oneshot [parameters]`` (contract §7).

Checks a pruning run made by any code: for each mask transition it recomputes the next masks
with the reference and reports, per layer, the entries that differ and the cause
(``sparsity_oracle.oracle.audit``).  DIR holds one file per iteration (``.pt``/``.pth``,
ordered by the last number in the file name), in one of two layouts:

* state_dicts (``torch.save(model.state_dict(), f"DIR/iter_{t}.pt")`` before pruning step t):
  a prunable tensor ``<name>`` has its mask in ``<name>_mask`` (True/1 = kept) and its weights
  in ``<name>_orig`` (torch.nn.utils.prune) or ``<name>``; a file without ``<name>_mask``
  (before the first step) means all kept.  File t gives w_t and m_t, file t + 1 gives
  m_{t+1}.  ``{"state_dict": ...}`` and ``{"model_state_dict": ...}`` wrappers are read.
* this project's ``reproduce`` output (DIR or DIR/checkpoints): ``iter_{t}.pt`` holds
  ``state_dict`` (w_t), ``masks`` (m_t) and ``next_masks`` (m_{t+1}); DIR/config.json gives
  the method and parameters, which options override.

The run is judged in the dtype of its weights (admitted counts allow that dtype's rounding).
Exit status 0 if every transition agrees (or differs only by ``--accept``ed conventions), 1
otherwise, 2 for usage errors (an unreadable DIR, unknown parameters).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HELP = "check a recorded pruning run's masks, transition by transition, against the reference"

_WRAPPERS = ("state_dict", "model_state_dict")
_DTYPES = {"torch.float64": "float64", "torch.float32": "float32", "torch.float16": "float16",
           "torch.bfloat16": "bfloat16"}


class RunError(ValueError):
    """A run folder that cannot be read (one line, naming the file)."""


def add_arguments(parser) -> None:
    from .oracle.audit import METHODS
    from .oracle.causes import CONVENTIONS

    parser.add_argument("dir", metavar="DIR", help="folder of per-iteration .pt files, or a reproduce output folder")
    parser.add_argument("--method", choices=tuple(METHODS),
                        help="how the run chose its masks (default: DIR/config.json's method)")
    parser.add_argument("--scope", choices=("global", "layer", "neuron"),
                        help="pruning groups (default: DIR/config.json's scope, else layer)")
    added = set()
    for method, (_, defaults, _) in METHODS.items():
        for name, default in defaults.items():
            if name not in added:
                added.add(name)
                parser.add_argument(f"--{name.replace('_', '-')}", type=float, metavar=name.upper(),
                                    help=f"{name} of {'SAP' if method == 'sap' else 'lt and oneshot'} "
                                    f"(default: DIR/config.json's, else {default})")
    parser.add_argument("--accept", action="append", default=[], choices=sorted(CONVENTIONS), metavar="CONVENTION",
                        help="pass differences explained by this named convention (repeatable)")
    parser.add_argument("--json", action="store_true", help="write the audit as JSON on stdout")


# --- reading a run ----------------------------------------------------------------------------


def _iteration(path: Path) -> int:
    numbers = re.findall(r"\d+", path.stem)
    if not numbers:
        raise RunError(f"{path}: cannot tell its iteration (no number in the file name)")
    return int(numbers[-1])


def _load(path: Path):
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a bad file is reported on one line
        detail = " ".join(str(error).split())[:200] or type(error).__name__
        raise RunError(f"{path}: cannot read ({detail})") from error


def _numpy(tensor):
    import torch

    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()  # exact
    return tensor.numpy()


def _state(path: Path, obj):
    """(weights, masks, next_masks or None, dtypes of the masked weights) of one file; weights
    are the floating tensors by name (``<name>_orig`` read as ``<name>``)."""
    import torch

    if isinstance(obj, dict) and "masks" in obj and "state_dict" in obj:  # a reproduce checkpoint
        masks = {n: _numpy(m).astype(bool) for n, m in obj["masks"].items()}
        tensors = obj["state_dict"]
        next_masks = {n: _numpy(m).astype(bool) for n, m in obj["next_masks"].items()} if "next_masks" in obj else None
    else:
        for key in _WRAPPERS:
            if isinstance(obj, dict) and isinstance(obj.get(key), dict):
                obj = obj[key]
        if not isinstance(obj, dict):
            raise RunError(f"{path}: expected a state_dict, got {type(obj).__name__}")
        tensors = {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        masks = {k[: -len("_mask")]: _numpy(v).astype(bool) for k, v in tensors.items() if k.endswith("_mask")}
        next_masks = None
    weights = {(k[: -len("_orig")] if k.endswith("_orig") else k): t for k, t in tensors.items()
               if isinstance(t, torch.Tensor) and t.is_floating_point() and not k.endswith("_mask")}
    missing = [n for n in masks if n not in weights]
    if missing:
        raise RunError(f"{path}: masks {missing} have no weights ({missing[0]} or {missing[0]}_orig)")
    dtypes = {_DTYPES.get(str(weights[n].dtype)) for n in masks}
    return {n: _numpy(w).astype("float64") for n, w in weights.items()}, masks, next_masks, dtypes


def read_run(folder: Path):
    """(transitions, dtype, layout, settings from config.json or {}) of a run folder."""
    from .oracle.audit import Transition, check_layout

    if not folder.is_dir():
        raise RunError(f"{folder}: not a folder")
    settings = {}
    config = folder / "config.json"
    if config.is_file():
        try:
            settings = json.loads(config.read_text()).get("settings", {})
        except (json.JSONDecodeError, AttributeError) as error:
            raise RunError(f"{config}: not a reproduce config.json ({error})") from error
    if (folder / "checkpoints").is_dir():
        folder = folder / "checkpoints"
    files = sorted((p for p in folder.iterdir() if p.suffix in (".pt", ".pth")), key=_iteration)
    if not files:
        raise RunError(f"{folder}: no .pt or .pth files")
    states = [(path, *_state(path, _load(path))) for path in files]
    dtypes = set().union(*(s[4] for s in states)) - {None}
    if len(dtypes) > 1:
        raise RunError(f"{folder}: weights of several dtypes ({sorted(dtypes)})")
    transitions = []
    if all(s[3] is not None for s in states):  # reproduce checkpoints: one transition per file
        layout = "reproduce checkpoints"
        for path, weights, masks, next_masks, _ in states:
            transitions.append(Transition(_iteration(path), path.name, {n: weights[n] for n in masks}, masks,
                                          next_masks))
    else:
        layout = "state_dicts"
        names = list(dict.fromkeys(n for s in states for n in s[2]))
        if not names:
            raise RunError(f"{folder}: no <name>_mask tensors in any file")
        full = []
        for path, weights, masks, _, _ in states:
            absent = [n for n in names if n not in weights]
            if absent:
                raise RunError(f"{path}: no weights for {absent}")
            full.append((path, {n: weights[n] for n in names},
                         {n: masks.get(n, _all_kept(weights[n])) for n in names}))
        if len(full) < 2:
            raise RunError(f"{folder}: one state_dict holds no transition (need the files of two iterations)")
        for (path, weights, masks), (next_path, _, next_masks) in zip(full, full[1:]):
            transitions.append(Transition(_iteration(path), f"{path.name} -> {next_path.name}", weights, masks,
                                          next_masks))
    try:
        check_layout(transitions)
    except ValueError as error:
        raise RunError(str(error)) from error
    return transitions, (dtypes.pop() if dtypes else "float32"), layout, settings


def _all_kept(weights):
    import numpy as np

    return np.ones(weights.shape, dtype=bool)


# --- the command ------------------------------------------------------------------------------


def _settings(args, saved: dict):
    """(method, scope, parameters): options, else config.json's, else contract §2 defaults."""
    from .oracle.audit import METHODS

    method = args.method or saved.get("method")
    if method not in METHODS:
        raise RunError("give --method (sap, lt or oneshot): no config.json in DIR says how the run pruned"
                       if method is None else f"config.json's method {method!r} is not one of {tuple(METHODS)}")
    scope = args.scope or saved.get("scope", "layer")
    _, defaults, _ = METHODS[method]
    parameters = {}
    for name, default in defaults.items():
        given = getattr(args, name)
        parameters[name] = given if given is not None else saved.get(name, default)
    return method, scope, parameters


def _fail(message: str, status: int) -> int:
    print(f"sparsity-oracle audit-run: error: {message}", file=sys.stderr)
    return status


def _text(audits, args, header: str) -> list[str]:
    lines = [header]
    for audit in audits:
        t = audit.transition
        differing = [layer for layer in audit.layers if layer.differing]
        status = "agrees" if audit.agrees else ("differs (accepted)" if audit.accepted(args.accept) else "DIFFERS")
        lines.append(f"transition {t.index} -> {t.index + 1} ({t.source}): {status}"
                     + (f"; {audit.diagnosis.label}" if audit.diagnosis else "")
                     + (f" ({audit.note})" if audit.agrees and audit.note else ""))
        for layer in audit.layers:
            if layer.differing or layer.causes:
                causes = "; ".join(f"{label}: {n} group(s)" for label, n in layer.causes.items()) or "admitted"
                lines.append(f"  {layer.name}: {layer.differing} of {layer.entries} entries differ "
                             f"(pruned by the run, kept by the reference: {layer.pruned_only_by_run}; "
                             f"kept by the run, pruned by the reference: {layer.kept_only_by_run}); {causes}")
        if not differing and not audit.agrees:
            lines.append(f"  {audit.note}")
    return lines


def run(args) -> int:
    from .oracle.audit import audit_transition

    try:
        transitions, dtype, layout, saved = read_run(Path(args.dir))
        method, scope, parameters = _settings(args, saved)
    except RunError as error:
        return _fail(str(error), 2)
    dense = transitions[0].weights
    audits = []
    try:
        for transition in transitions:
            audits.append(audit_transition(transition, method, parameters, scope, dtype, dense))
    except ValueError as error:  # invalid parameters or tensors, as the reference words it
        return _fail(str(error), 2)
    failing = [a for a in audits if not a.accepted(args.accept)]
    causes = Counter(a.diagnosis.label for a in audits if a.diagnosis)
    settings = ", ".join(f"{k}={v}" for k, v in parameters.items())
    if args.json:
        json.dump({"run": str(args.dir), "layout": layout, "dtype": dtype, "method": method, "scope": scope,
                   "parameters": parameters, "accept": args.accept, "transitions": [a.to_json() for a in audits],
                   "causes": dict(causes), "failing_transitions": len(failing),
                   "verdict": "FAIL" if failing else "PASS"}, sys.stdout, indent=1)
        print()
    else:
        header = (f"sparsity-oracle audit-run {args.dir} ({layout}, {len(transitions)} transitions, {dtype}; "
                  f"method {method}, scope {scope}, {settings})")
        print("\n".join(_text(audits, args, header)))
        summary = ", ".join(f"{label} {n}" for label, n in causes.items())
        print(f"\n{'FAIL' if failing else 'PASS'}: {len(failing)} of {len(audits)} transitions differ"
              + (f" ({summary})" if summary else ""))
    return 1 if failing else 0
