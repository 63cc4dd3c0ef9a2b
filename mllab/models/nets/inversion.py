"""Report 003's inversion-invariant input layer F(x) = x (1 - x), in front of any image model.

F(1 - x) = (1 - x) x = F(x), so the wrapped model gives identical outputs on
an image and on its negative: trained on MNIST, it scores the same on
inverted MNIST (report 003: 97.9 % on both, against ~44 % for plain LeNet-5).
F maps [0, 1] onto [0, 1/4], symmetric about 1/2; it has no parameter.

In floating point the invariance is exact whenever 1 - x is computed exactly
(x in [1/2, 1], or x on the 2^-24 grid: ``torch.rand`` values, k/256); then
F(1 - x) = (1 - x) x = F(x) bit for bit. For other values (k/255 pixels)
1 - x is rounded, and outputs agree to rounding (~1e-7), not bit for bit.

>>> import torch
>>> net = inversion_invariant((1, 28, 28), 10, base="lenet5").eval()
>>> x = torch.rand(2, 1, 28, 28)
>>> bool(torch.equal(net(x), net(1 - x)))
True
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from mllab.models.nets._common import torch_meta
from mllab.models.registry import MODELS


class InversionInvariant(nn.Module):
    """F(x) = x (1 - x) then ``base`` (the wrapped model, its parameters under ``base.``)."""

    def __init__(self, base: nn.Module):
        super().__init__()
        self.base = base

    @staticmethod
    def fold(x: torch.Tensor) -> torch.Tensor:
        """F(x) = x (1 - x)."""
        return x * (1 - x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(self.fold(x))


@MODELS.register("inversion_invariant", **torch_meta(example_input=(1, 28, 28), params=61_706))
def inversion_invariant(input_shape, num_classes, base: str = "lenet5", **base_params: Any):
    """F(x) = x(1-x) input layer (report 003) in front of a registered image model `base` (default lenet5)."""
    entry = MODELS.entry(base)
    if entry.meta.get("kind") != "torch" or entry.meta.get("input") != "image":
        raise ValueError(f"inversion_invariant: base must be a torch image model; {base!r} is "
                         f"kind={entry.meta.get('kind')!r}, input={entry.meta.get('input')!r}")
    if entry.meta.get("task") != "classify":
        raise ValueError(f"inversion_invariant: base must be a classifier; {base!r} has task "
                         f"{entry.meta.get('task')!r}")
    return InversionInvariant(entry.factory(input_shape, num_classes, **base_params))
