"""Report 002's small CNN (Flowers-17, trained from scratch): 3 conv + ReLU, dropout, 2 linear.

Each stage is conv 3x3 (padding 1) -> ReLU -> max-pool 2 (ceil mode, so an
8x8 digit becomes 4, 2, 1 and a 64x64 flower 32, 16, 8), then dropout and an
adaptive average pooling to at most ``pool`` x ``pool``: the same network
takes scikit-learn's 8x8 digits (the demo) and 64x64 RGB flowers. The head is
Linear -> ReLU -> dropout -> Linear (``classifier``). Channels and widths are
ours (the report does not give them).

>>> import torch
>>> small_cnn((1, 8, 8), 10)(torch.rand(2, 1, 8, 8)).shape
torch.Size([2, 10])
>>> small_cnn((3, 64, 64), 17)(torch.rand(2, 3, 64, 64)).shape
torch.Size([2, 17])
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mllab.models.nets._common import image_shape, make_activation, torch_meta
from mllab.models.registry import MODELS


class SmallCNN(nn.Module):
    """``features`` (conv stages), adaptive ``pool``, ``head`` (Linear, ReLU, dropout) and ``classifier``."""

    def __init__(self, input_shape, num_classes, channels, hidden, activation, dropout, fc_dropout, pool):
        super().__init__()
        c, h, w = input_shape
        layers, width = [], c
        for ch in channels:
            layers += [nn.Conv2d(width, ch, 3, padding=1), make_activation(activation), nn.MaxPool2d(2, ceil_mode=True)]
            width, h, w = ch, -(-h // 2), -(-w // 2)
        self.features = nn.Sequential(*layers, nn.Dropout(dropout))
        side = (min(pool, h), min(pool, w))  # never upsample a map smaller than pool x pool
        self.pool = nn.AdaptiveAvgPool2d(side)
        self.head = nn.Sequential(nn.Linear(width * side[0] * side[1], hidden), make_activation(activation),
                                  nn.Dropout(fc_dropout))
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.head(self.pool(self.features(x)).flatten(1)))  # (B, C', p, p) -> (B, K)


@MODELS.register("small_cnn", **torch_meta(example_input=(1, 8, 8), params=110_474))
def small_cnn(input_shape, num_classes, channels: Sequence[int] = (32, 64, 128), hidden: int = 128,
              activation: str = "relu", dropout: float = 0.25, fc_dropout: float = 0.5, pool: int = 2):
    """Small CNN (report 002, Flowers-17; the 8x8 digits demo): 3 conv stages, adaptive pooling, 2 linear."""
    c, h, w = image_shape(input_shape, "small_cnn")
    return SmallCNN((c, h, w), num_classes, tuple(channels), hidden, activation, dropout, fc_dropout, pool)
