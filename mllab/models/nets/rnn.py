"""Recurrent classifiers reading an image row by row (report 000 Table VII, SVHN).

Each image row is one time step: a ``(C, H, W)`` image is read as ``H`` steps
of ``W*C`` features (the layout of the ``rows_as_sequence`` data transform,
which the model also accepts directly as ``(T, F)``). The classifier reads
the last layer's final hidden state (both directions' for a bidirectional
net: the report's "128 x 2" features). ``dropout`` is applied between
recurrent layers (as ``nn.LSTM`` does) and on those features.

``nonlinearity="relu"`` replaces tanh: natively for the vanilla RNN, through
:class:`~mllab.models.nets._lstm.ActivationLSTM` for the LSTM (the report's
"LSTM layer3 ReLU" that explodes). A GRU has no such option.

**LSTM built like a residual network** (``feed="image"``, preset
``lstm_residual``, report 000 Sec. VII-C, 51.04 %). The report feeds "the
original graph" to the cell at every step and writes the unrolled network as
o = x + F_n(x + F_{n-1}(x + ... F_1(x))): the recurrence is the depth, each
step sees the whole image again and the LSTM cell state carries the residual
stream (c' = f*c + i*g is a gated skip connection). We implement exactly
that: the flattened image (``T*F`` features) is the input at each of
``steps`` time steps (default: as many as the image has rows), one set of
weights shared by all steps, the classifier on the final hidden state.

>>> import torch
>>> net = rnn((3, 32, 32), 10, cell="lstm", layers=2, bidirectional=True)
>>> net(torch.rand(2, 3, 32, 32)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from mllab.models.nets._common import register_preset, torch_meta
from mllab.models.nets._lstm import ActivationLSTM
from mllab.models.registry import MODELS


def _recurrent(cell: str, features: int, hidden: int, layers: int, bidirectional: bool, dropout: float,
               nonlinearity: str) -> nn.Module:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
    common = dict(num_layers=layers, bidirectional=bidirectional, dropout=dropout if layers > 1 else 0.0)
    if cell == "rnn":
        return nn.RNN(features, hidden, nonlinearity=nonlinearity, batch_first=True, **common)
    if cell == "lstm":
        if nonlinearity == "relu":
            return ActivationLSTM(features, hidden, activation="relu", **common)
        return nn.LSTM(features, hidden, batch_first=True, **common)
    if cell == "gru":
        if nonlinearity != "tanh":
            raise ValueError("rnn: a GRU only has tanh; use cell='rnn' or 'lstm' for nonlinearity='relu'")
        return nn.GRU(features, hidden, batch_first=True, **common)
    raise ValueError(f"rnn: cell must be 'rnn', 'lstm' or 'gru'; got {cell!r}")


class RowRNN(nn.Module):
    """``recurrent`` over image rows (or the whole image, repeated), ``dropout``, ``classifier``."""

    def __init__(self, input_shape, num_classes, cell, hidden, layers, bidirectional, dropout, nonlinearity,
                 feed, steps):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.rows, features = self._sequence_shape(self.input_shape)
        self.feed, self.steps = feed, steps
        width = self.rows * features if feed == "image" else features
        self.recurrent = _recurrent(cell, width, hidden, layers, bidirectional, dropout, nonlinearity)
        self.directions = 2 if bidirectional else 1
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden * self.directions, num_classes)

    @staticmethod
    def _sequence_shape(shape: tuple[int, ...]) -> tuple[int, int]:
        if len(shape) == 3:
            c, h, w = shape
            return h, w * c
        if len(shape) == 2:
            return shape
        raise ValueError(f"rnn: input_shape must be (C, H, W) images or (T, F) sequences; got {shape}")

    def as_sequence(self, x: torch.Tensor) -> torch.Tensor:
        """Images (B, C, H, W) -> rows (B, H, W*C), the ``rows_as_sequence`` layout; sequences pass through."""
        if x.ndim == 4:
            x = x.permute(0, 2, 3, 1).reshape(len(x), x.shape[2], -1)  # (B, H, W, C) -> (B, H, W*C)
        if self.feed == "image":
            x = x.reshape(len(x), 1, -1).expand(-1, self.steps, -1)  # (B, steps, T*F): the image at every step
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, state = self.recurrent(self.as_sequence(x))
        h_n = state[0] if isinstance(state, tuple) else state  # (layers*D, B, H); an LSTM also returns c_n
        features = torch.cat(list(h_n[-self.directions:]), dim=1)  # last layer, all directions: (B, D*H)
        return self.classifier(self.dropout(features))


@MODELS.register("rnn", **torch_meta(input="sequence", example_input=(8, 12), params=19_466))
def rnn(input_shape, num_classes, cell: str = "rnn", hidden: int = 128, layers: int = 1, bidirectional: bool = False,
        dropout: float = 0.0, nonlinearity: str = "tanh", feed: str = "rows", steps: int | None = None):
    """Recurrent net over image rows: rnn/lstm/gru cell, layers, bidirectional, tanh/relu; feed='image' (residual)."""
    if feed not in ("rows", "image"):
        raise ValueError(f"rnn: feed must be 'rows' (one row per step) or 'image' (the whole image every step); "
                         f"got {feed!r}")
    if steps is not None and feed != "image":
        raise ValueError("rnn: steps is only used with feed='image' (with rows, the steps are the image rows)")
    rows = input_shape[1] if len(input_shape) == 3 else input_shape[0]
    return RowRNN(input_shape, num_classes, cell, hidden, layers, bidirectional, dropout, nonlinearity,
                  feed, steps if steps is not None else rows)


register_preset("lstm", rnn, "LSTM over image rows (report 000 Table VII: 90.86 on SVHN with layers=3).",
                dict(cell="lstm"), params=73_994)
register_preset("lstm_residual", rnn, "LSTM built like a residual network: the whole image fed at every step.",
                dict(cell="lstm", feed="image"), params=117_002)
