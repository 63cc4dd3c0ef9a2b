"""Report 001's MNIST CNN: two conv blocks with BatchNorm and dropout, a linear layer, LogSoftmax.

The report's figure counts 12 layers including the output; we read them as
2 x (Conv, BatchNorm, ReLU, MaxPool, Dropout 0.1) + Linear + LogSoftmax. Kernel
size and channels are not legible in the report; ours are 3x3 (padding 1)
with 32 and 64 channels. The output is log-probabilities, so train with the
``nll`` loss as the report did (``cross_entropy`` gives the same value:
log-softmax of a log-softmax is itself).

>>> import torch
>>> out = cnn_bn((1, 28, 28), 10)(torch.rand(2, 1, 28, 28))
>>> out.shape, bool(torch.allclose(out.exp().sum(1), torch.ones(2)))
(torch.Size([2, 10]), True)
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mllab.models.nets._common import image_shape, make_activation, make_output, torch_meta
from mllab.models.registry import MODELS


def _conv_block(c_in: int, c_out: int, kernel: int, activation: str, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2), nn.BatchNorm2d(c_out), make_activation(activation),
        nn.MaxPool2d(2), nn.Dropout(dropout),
    )


class CNNBN(nn.Module):
    """``features`` (conv blocks), ``classifier`` (one Linear) and ``output`` (LogSoftmax)."""

    def __init__(self, input_shape, num_classes, channels, kernel, activation, dropout, output):
        super().__init__()
        c, h, w = input_shape
        blocks, width = [], c
        for ch in channels:
            blocks.append(_conv_block(width, ch, kernel, activation, dropout))
            width, h, w = ch, h // 2, w // 2
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Linear(width * h * w, num_classes)
        self.output = make_output(output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.classifier(self.features(x).flatten(1)))  # (B, C, H/4, W/4) -> (B, K)


@MODELS.register("cnn_bn", **torch_meta(example_input=(1, 28, 28), output="log_softmax", params=50_378))
def cnn_bn(input_shape, num_classes, channels: Sequence[int] = (32, 64), kernel: int = 3, activation: str = "relu",
           dropout: float = 0.1, output: str = "log_softmax"):
    """Report 001 CNN: 2 x (conv, BatchNorm, ReLU, max-pool, dropout 0.1), linear, log-softmax (train with nll)."""
    c, h, w = image_shape(input_shape, "cnn_bn")
    if h >> len(channels) == 0 or w >> len(channels) == 0:
        raise ValueError(f"cnn_bn: {len(channels)} pooling stages need images of at least "
                         f"{2 ** len(channels)}x{2 ** len(channels)}; got {h}x{w}")
    return CNNBN((c, h, w), num_classes, tuple(channels), kernel, activation, dropout, output)
