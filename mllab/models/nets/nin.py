"""Network in Network as report 000 Table V built it (SVHN 95.60 %).

::

    ConvReLUBN(3,192,5,2,1)   ConvReLUBN(192,160,1,0,1) ConvReLUBN(160,96,1,0,1)  MaxPool(3,2,1) Dropout(0.5)
    ConvReLUBN(96,192,5,2,1)  ConvReLUBN(192,192,1,0,1) ConvReLUBN(192,192,1,0,1) MaxPool(3,2,1) Dropout(0.5)
    ConvReLUBN(192,192,3,1,1) ConvReLUBN(192,192,1,0,1) ConvReLUBN(192,10,1,0,1)  AvgPool(8)

``ConvReLUBN`` is conv -> activation -> BatchNorm, in the order of its name.

**Counting non-linear functions (Table VI: 3, 4, 5, 6, 8, 9).** The report
counts the non-linear transformations on the path to the last feature before
the average pooling: one per ConvReLUBN, so the full table is 9 (its 95.60 is
Table IV's). Fewer functions means fewer layers: each of the three stages
keeps its spatial conv (5x5, 5x5, 3x3) and drops mlpconv (1x1) layers, the
stage keeping its output width (96, 192, classes). ``nonlinear=k`` spreads k
layers over the stages as evenly as possible, earlier stages first
(4 -> 2,1,1; 5 -> 2,2,1; 8 -> 3,3,2); ``depths=(a, b, c)`` sets them exactly.
Max-pooling is not counted (the report counts activation functions).

The last ConvReLUBN is the module ``classifier``: report 000 trains it at
0.1x the learning rate, ``optimizer.lr_mult: {classifier: 0.1}`` (also
recorded as the entry's ``lr_mult`` meta). The average pooling is adaptive,
so it equals AvgPool(8) on 32x32 inputs and accepts other sizes.

>>> import torch
>>> net = nin((3, 32, 32), 10, nonlinear=5)
>>> net.depths, net(torch.rand(2, 3, 32, 32)).shape
((2, 2, 1), torch.Size([2, 10]))
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mllab.models.nets._common import image_shape, make_activation, register_preset, torch_meta
from mllab.models.registry import MODELS

# Per stage: (kernel, padding, widths of its ConvReLUBN layers in Table V); the last width is the stage output.
STAGES = ((5, 2, (192, 160, 96)), (5, 2, (192, 192, 192)), (3, 1, (192, 192, None)))  # None: num_classes


class ConvReLUBN(nn.Sequential):
    """Conv -> activation -> BatchNorm (report 000's building block)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, padding: int, activation: str):
        super().__init__(nn.Conv2d(c_in, c_out, kernel, padding=padding), make_activation(activation),
                         nn.BatchNorm2d(c_out))


def split_depths(nonlinear: int) -> tuple[int, int, int]:
    """Layers per stage for ``nonlinear`` ConvReLUBN layers in all (3..9), earlier stages first."""
    if not 3 <= nonlinear <= 9:
        raise ValueError(f"nin: nonlinear must be between 3 and 9 (one to three layers per stage); got {nonlinear}")
    base, extra = divmod(nonlinear, 3)
    return tuple(base + (i < extra) for i in range(3))


def _stage_widths(widths: tuple, depth: int, num_classes: int) -> list[int]:
    """Keep the first ``depth - 1`` widths and the stage's output width."""
    kept = list(widths[: depth - 1]) + [widths[-1]]
    return [num_classes if w is None else w for w in kept]


class NiN(nn.Module):
    """``stages`` (ModuleList of Sequentials, the last layer excluded), ``classifier``, global average pooling."""

    def __init__(self, channels: int, num_classes: int, depths: Sequence[int], activation: str, dropout: float):
        super().__init__()
        self.depths = tuple(depths)  # ConvReLUBN layers per stage; sum = number of non-linear functions
        stages, width = [], channels
        for i, ((kernel, pad, widths), depth) in enumerate(zip(STAGES, depths)):
            layers = []
            for j, w in enumerate(_stage_widths(widths, depth, num_classes)):
                k, p = (kernel, pad) if j == 0 else (1, 0)
                layers.append(ConvReLUBN(width, w, k, p, activation))
                width = w
            if i < 2:
                layers += [nn.MaxPool2d(3, 2, 1), nn.Dropout(dropout)]
            stages.append(nn.Sequential(*layers))
        last = stages[-1][-1]
        stages[-1] = stages[-1][:-1]
        self.stages = nn.ModuleList(stages)
        self.classifier = last  # the last ConvReLUBN, under its own name for per-layer learning rates
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for stage in self.stages:
            x = stage(x)
        return self.pool(self.classifier(x)).flatten(1)  # (B, K, H/4, W/4) -> (B, K)


@MODELS.register("nin", **torch_meta(example_input=(3, 32, 32), params=969_822, lr_mult={"classifier": 0.1}))
def nin(input_shape, num_classes, nonlinear: int = 9, depths: Sequence[int] | None = None,
        activation: str = "relu", dropout: float = 0.5):
    """Network in Network (report 000 Table V); `nonlinear` = number of ConvReLUBN layers (Table VI)."""
    c, _, _ = image_shape(input_shape, "nin")
    if depths is None:
        depths = split_depths(nonlinear)
    elif len(depths) != 3 or not all(1 <= d <= 3 for d in depths):
        raise ValueError(f"nin: depths must be three numbers in 1..3 (layers per stage); got {depths}")
    return NiN(c, num_classes, tuple(depths), activation, dropout)


register_preset("nin_tanh", nin, "Network in Network with tanh instead of ReLU (report 000: 91.83 on SVHN).",
                dict(activation="tanh"))
