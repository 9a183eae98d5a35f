"""Models of the pruning experiments, shaped for a dataset's input shape and class count.

``build_model(name, in_shape, classes)`` with ``in_shape = (channels, height, width)``:

* ``linear``   flatten, one Linear layer.
* ``mlp``      flatten, Linear in -> 128 -> 256 -> classes with ReLU.
* ``cnn``      4 x [Conv 3x3 (padding 1) - BatchNorm - ReLU - MaxPool 2x2] with 64/128/256/512
               channels, global average pooling, Linear.  A block whose input is already 1x1
               skips its pooling (8x8 digits: 8 -> 4 -> 2 -> 1 -> 1), so small inputs work.
* ``resnet18`` pre-activation ResNet-18 (He et al. 2016, "Identity Mappings in Deep Residual
               Networks") in its CIFAR form (3x3 stem, no stem pooling) for 32x32 inputs; the
               final pooling is adaptive, so other sizes (28x28, 8x8) run too.

Prunable tensors are the weights of Linear and Conv layers (``prunable_names``: parameters
with ndim >= 2); biases and BatchNorm parameters are never pruned.
"""

from __future__ import annotations

import torch
from torch import nn

from ..names import MODELS


class CNN(nn.Sequential):
    def __init__(self, in_shape, classes, widths=(64, 128, 256, 512)):
        channels, height, width = in_shape
        layers = []
        for out in widths:
            layers += [
                nn.Conv2d(channels, out, 3, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(inplace=True),
            ]
            if max(height, width) > 1:
                layers.append(nn.MaxPool2d(2, ceil_mode=True))
                height, width = -(-height // 2), -(-width // 2)
            channels = out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]
        super().__init__(*layers)


class PreActBlock(nn.Module):
    def __init__(self, channels, out, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv1 = nn.Conv2d(channels, out, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, padding=1, bias=False)
        self.shortcut = (
            nn.Conv2d(channels, out, 1, stride=stride, bias=False)
            if stride != 1 or channels != out
            else None
        )

    def forward(self, x):
        out = torch.relu(self.bn1(x))
        skip = x if self.shortcut is None else self.shortcut(out)
        out = self.conv1(out)
        out = self.conv2(torch.relu(self.bn2(out)))
        return out + skip


class PreActResNet18(nn.Module):
    def __init__(self, in_shape, classes):
        super().__init__()
        self.stem = nn.Conv2d(in_shape[0], 64, 3, padding=1, bias=False)
        blocks, channels = [], 64
        for out, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [PreActBlock(channels, out, stride), PreActBlock(out, out, 1)]
            channels = out
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(channels)
        self.head = nn.Linear(channels, classes)

    def forward(self, x):
        out = torch.relu(self.bn(self.blocks(self.stem(x))))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(out, 1), 1))


def build_model(name: str, in_shape, classes: int) -> nn.Module:
    """The model ``name`` (one of ``MODELS``) for inputs of shape ``in_shape`` (C, H, W)."""
    features = in_shape[0] * in_shape[1] * in_shape[2]
    if name == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(features, classes))
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(features, 128),
            nn.ReLU(),
            nn.Linear(128, 256),
            nn.ReLU(),
            nn.Linear(256, classes),
        )
    if name == "cnn":
        return CNN(in_shape, classes)
    if name == "resnet18":
        return PreActResNet18(in_shape, classes)
    raise ValueError(f"model must be one of {MODELS}, got model={name!r}")


def prunable_names(model: nn.Module) -> list[str]:
    """Names of the prunable parameters (Linear/Conv weights: ndim >= 2), in module order."""
    return [name for name, param in model.named_parameters() if param.ndim >= 2]
