"""A small VGG-style CNN with BatchNorm: mllab's own fast model for the "best" recipes.

Stages of ``convs`` x (conv 3x3, BatchNorm, ReLU) at widths ``widths`` (``convs``
one count for every stage or one per stage: ``[1, 2, 2]`` spends less on the
full-resolution stage, where a conv costs four times the next stage's), each
but the last followed by 2x2 max-pooling; then global max+average pooling,
dropout and a linear ``classifier``. BatchNorm lets it train at high learning
rates with a one-cycle schedule, which is what makes it accurate per CPU
minute (the design follows the fast CIFAR-10 training literature: BN, few
wide stages, pooling between them, flip/crop augmentation, label smoothing).

>>> import torch
>>> vgg_bn((1, 28, 28), 10)(torch.rand(2, 1, 28, 28)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mllab.models.nets._common import image_shape, torch_meta
from mllab.models.registry import MODELS


def _stage(c_in: int, c_out: int, convs: int, pool: bool) -> nn.Sequential:
    layers = []
    for i in range(convs):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False),
                   nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class VGGBN(nn.Module):
    """``features`` (one stage per width, with its count of convs), global max+avg pooling, ``dropout``,
    ``classifier``."""

    def __init__(self, channels: int, num_classes: int, widths: Sequence[int], convs: Sequence[int],
                 dropout: float):
        super().__init__()
        stages, c = [], channels
        for i, (w, n) in enumerate(zip(widths, convs)):
            stages.append(_stage(c, w, n, pool=i < len(widths) - 1))
            c = w
        self.features = nn.Sequential(*stages)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(2 * c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)  # (B, C, h, w)
        pooled = torch.cat([f.amax(dim=(2, 3)), f.mean(dim=(2, 3))], dim=1)  # (B, 2C)
        return self.classifier(self.dropout(pooled))


@MODELS.register("vgg_bn", **torch_meta(example_input=(1, 28, 28), params=289_450))
def vgg_bn(input_shape, num_classes, widths: Sequence[int] = (32, 64, 128), convs: int | Sequence[int] = 2,
           dropout: float = 0.1):
    """VGG-style CNN with BatchNorm (mllab's fast model for the 'best' recipes): widths per stage, convs per
    stage (one count for all, or a list as long as ``widths``)."""
    c, h, w = image_shape(input_shape, "vgg_bn")
    counts = [convs] * len(widths) if isinstance(convs, int) else list(convs)
    if len(counts) != len(widths) or min(counts) < 1:
        raise ValueError(f"vgg_bn: convs must be a count >= 1 or one count >= 1 per stage ({len(widths)} widths); "
                         f"got {convs}")
    if min(h, w) < 2 ** (len(widths) - 1):
        raise ValueError(f"vgg_bn: {len(widths) - 1} pooling stages need images of at least "
                         f"{2 ** (len(widths) - 1)} pixels a side; got {h}x{w}. Use fewer widths.")
    return VGGBN(c, num_classes, tuple(widths), counts, dropout)
