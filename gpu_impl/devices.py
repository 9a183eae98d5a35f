"""The torch device of a computation, from a name a user typed (``--device``)."""

from __future__ import annotations

import torch

#: What a device name may be (besides a ``torch.device``).
DEVICE_NAMES = "auto, cpu, cuda or cuda:N"


def resolve_device(name) -> torch.device:
    """``"auto"`` -> CUDA when available, else the CPU; ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (or a
    ``torch.device``) as given, once checked: ``ValueError`` with one line for any other name,
    for CUDA where this torch has none (a CPU-only build, or no GPU), and for an index beyond
    the devices present, so that a run fails before it starts, not at its first tensor."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise ValueError(f"device {name!r}: expected {DEVICE_NAMES}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            build = "a CPU-only build" if torch.version.cuda is None else "no GPU found"
            raise ValueError(f"device {name!r}: CUDA is not available to this torch ({torch.__version__}, {build})")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return device
