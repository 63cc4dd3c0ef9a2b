"""Multi-layer perceptrons: Linear -> activation -> dropout, repeated, then a linear head.

Report 000, Table III (SVHN, 78.25 %)::

    Linear(3072,1000) ReLU Dropout(0.2)
    Linear(1000,1000) ReLU Dropout(0.3)
    Linear(1000,1000) ReLU Dropout(0.4)
    Linear(1000,1000) ReLU Dropout(0.5)
    Linear(1000,10)   Sigmoid

The table ends in a sigmoid; ``mlp_table3`` keeps it (``output="sigmoid"``). The
report does not name its loss. Softmax cross-entropy on the sigmoid outputs
squashes every logit into [0, 1] and barely trains (Fashion-MNIST, 40 epochs:
35.3 % test accuracy); per-class binary cross-entropy, the loss of the report's
own one-vs-rest logistic models, trains normally (84.1 %). The ``s000_mlp``
recipe therefore uses ``output="logits"`` with the ``bce`` loss, which is the
table's Sigmoid followed by ``BCELoss`` in its numerically stable form; the
argmax prediction is the same either way.

>>> import torch
>>> net = mlp((1, 8, 8), 10, widths=(32, 16), dropout=[0.1, 0.2])
>>> net(torch.rand(2, 1, 8, 8)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from mllab.models.nets._common import make_activation, make_output, per_layer, register_preset, torch_meta
from mllab.models.registry import MODELS


class MLP(nn.Module):
    """Flattens its input, then ``hidden`` (Linear, activation, Dropout) blocks and ``classifier``."""

    def __init__(self, in_features: int, num_classes: int, widths: Sequence[int], activation, dropout, output: str):
        super().__init__()
        acts = per_layer(activation, len(widths), "mlp activation")
        drops = per_layer(dropout, len(widths), "mlp dropout")
        layers, width = [], in_features
        for w, act, p in zip(widths, acts, drops):
            layers += [nn.Linear(width, w), make_activation(act), nn.Dropout(p)]
            width = w
        self.hidden = nn.Sequential(*layers)
        self.classifier = nn.Linear(width, num_classes)
        self.output = make_output(output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.classifier(self.hidden(x.flatten(1))))  # (B, num_classes)


@MODELS.register("mlp", **torch_meta(example_input=(1, 28, 28), params=235_146))
def mlp(input_shape, num_classes, widths: Sequence[int] = (256, 128), activation: str | Sequence[str] = "relu",
        dropout: float | Sequence[float] = 0.0, output: str = "logits"):
    """Multi-layer perceptron on flattened inputs (widths, activation and dropout per layer)."""
    return MLP(math.prod(input_shape), num_classes, tuple(widths), activation, dropout, output)


register_preset(
    "mlp_table3", mlp, "Report 000 Table III MLP: 3072-1000x4-10, ReLU, dropout 0.2->0.5, sigmoid output.",
    dict(widths=(1000, 1000, 1000, 1000), activation="relu", dropout=(0.2, 0.3, 0.4, 0.5), output="sigmoid"),
    output="sigmoid", example_input=(3, 32, 32), params=6_086_010,
)
