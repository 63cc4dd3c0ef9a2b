"""Weight initialization schemes for Linear and Conv layers (biases set to 0)."""

from __future__ import annotations

import math

import torch
from torch import nn

from mllab.core.registry import Registry

INITS = Registry("init")
_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)


@INITS.register("kaiming")
def kaiming(w: torch.Tensor) -> None:
    """He normal, fan-in, for ReLU networks."""
    nn.init.kaiming_normal_(w, nonlinearity="relu")


@INITS.register("xavier")
def xavier(w: torch.Tensor) -> None:
    """Glorot uniform."""
    nn.init.xavier_uniform_(w)


@INITS.register("normal_fanin")
def normal_fanin(w: torch.Tensor) -> None:
    """Normal with std m^-1/2, m = fan-in (report 004)."""
    fan_in = w[0].numel()
    nn.init.normal_(w, 0.0, 1.0 / math.sqrt(fan_in))


@INITS.register("random")
def random(w: torch.Tensor) -> None:
    """Plain N(0, 0.05^2), the 'random initialization' of report 003 (Keras RandomNormal)."""
    nn.init.normal_(w, 0.0, 0.05)


def apply_init(model: nn.Module, scheme: str) -> None:
    """Re-initialize every Linear/Conv weight with ``scheme``; ``default`` keeps torch's."""
    if scheme == "default":
        return
    fn = INITS.get(scheme)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, _LAYERS):
                fn(m.weight)
                if m.bias is not None:
                    m.bias.zero_()
