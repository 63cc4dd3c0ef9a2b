"""LeNet-5 as report 003 built it (MNIST, Fashion-MNIST, CIFAR-10).

conv 5x5x6 -> act -> pool 2 -> conv 5x5x16 -> act -> pool 2 -> 120 -> 84 -> classes.
A 28x28 input is zero-padded by 2 in the first convolution so both 28x28 and
32x32 inputs reach the classic 16x5x5 feature map. Parameter count for
32x32x1 and 10 classes (by hand): conv1 6*25+6 = 156, conv2 16*6*25+16 =
2,416, fc 400*120+120 = 48,120, 120*84+84 = 10,164, 84*10+10 = 850;
total 61,706 (62,006 for 3 channels).

>>> import torch
>>> lenet5((1, 28, 28), 10)(torch.rand(2, 1, 28, 28)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from mllab.models.nets._common import image_shape, make_activation, torch_meta
from mllab.models.registry import MODELS


class LeNet5(nn.Module):
    """``features`` (two conv/act/pool stages), ``fc`` (120, 84) and ``classifier``."""

    def __init__(self, channels: int, num_classes: int, padding: int, activation: str, pool: str):
        super().__init__()
        pool_cls = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}[pool]
        self.features = nn.Sequential(
            nn.Conv2d(channels, 6, 5, padding=padding), make_activation(activation), pool_cls(2),
            nn.Conv2d(6, 16, 5), make_activation(activation), pool_cls(2),
        )
        self.fc = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), make_activation(activation),
            nn.Linear(120, 84), make_activation(activation),
        )
        self.classifier = nn.Linear(84, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.fc(self.features(x).flatten(1)))  # (B, 16, 5, 5) -> (B, 400) -> (B, K)


@MODELS.register("lenet5", **torch_meta(example_input=(1, 32, 32), params=61_706))
def lenet5(input_shape, num_classes, activation: str = "relu", pool: str = "max", padding: int | None = None):
    """LeNet-5 (report 003): 28x28 (padding 2) or 32x32 inputs, 1 or 3 channels."""
    c, h, w = image_shape(input_shape, "lenet5")
    if padding is None:
        padding = {28: 2, 32: 0}.get(h)
    if padding is None or h != w or h + 2 * padding != 32:
        raise ValueError(
            f"lenet5: expects square 28x28 or 32x32 images (or padding so that H + 2*padding = 32); "
            f"got {h}x{w} with padding={padding}. Resize the images or pick another model (small_cnn)."
        )
    if pool not in ("max", "avg"):
        raise ValueError(f"lenet5: pool must be 'max' or 'avg'; got {pool!r}")
    return LeNet5(c, num_classes, padding, activation, pool)
