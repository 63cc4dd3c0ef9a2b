"""An LSTM whose tanh can be replaced (report 000 Table VII: "LSTM layer3 ReLU").

``nn.LSTM`` hard-codes tanh for the cell input and the output squashing.
:class:`ActivationLSTM` writes the same recurrence out, with ``activation``
in both places; its parameters have ``nn.LSTM``'s names, shapes, gate order
(i, f, g, o) and initialization, so with tanh it is ``nn.LSTM``
(``load_state_dict`` from one into the other; tested):

    i, f, o = sigmoid(.), g = act(W_ig x + b_ig + W_hg h + b_hg)
    c' = f * c + i * g,   h' = o * act(c')

>>> import torch
>>> lstm = ActivationLSTM(4, 8, num_layers=2, activation="relu")
>>> out, (h, c) = lstm(torch.randn(3, 5, 4))
>>> out.shape, h.shape
(torch.Size([3, 5, 8]), torch.Size([2, 3, 8]))
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}


class ActivationLSTM(nn.Module):
    """Batch-first multi-layer (bi)LSTM with a choice of activation; ``nn.LSTM`` parameter names."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False,
                 dropout: float = 0.0, activation: str = "tanh"):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"ActivationLSTM: activation must be one of {sorted(_ACTIVATIONS)}; got {activation!r}")
        self.hidden_size, self.num_layers, self.dropout = hidden_size, num_layers, dropout
        self.directions = 2 if bidirectional else 1
        self.act = _ACTIVATIONS[activation]
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * self.directions
            for suffix in self._suffixes(layer):
                self.register_parameter(f"weight_ih{suffix}", nn.Parameter(torch.empty(4 * hidden_size, width)))
                self.register_parameter(f"weight_hh{suffix}", nn.Parameter(torch.empty(4 * hidden_size, hidden_size)))
                self.register_parameter(f"bias_ih{suffix}", nn.Parameter(torch.empty(4 * hidden_size)))
                self.register_parameter(f"bias_hh{suffix}", nn.Parameter(torch.empty(4 * hidden_size)))
        bound = 1 / math.sqrt(hidden_size)  # nn.LSTM's initialization
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _suffixes(self, layer: int) -> list[str]:
        return [f"_l{layer}", f"_l{layer}_reverse"][: self.directions]

    def _run(self, x: torch.Tensor, suffix: str, reverse: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One direction of one layer over ``x`` (B, T, F) -> outputs (B, T, H), last h and c."""
        w_hh, b_hh = getattr(self, f"weight_hh{suffix}"), getattr(self, f"bias_hh{suffix}")
        x_gates = F.linear(x, getattr(self, f"weight_ih{suffix}"), getattr(self, f"bias_ih{suffix}"))  # (B, T, 4H)
        h = c = x.new_zeros(x.shape[0], self.hidden_size)
        steps = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
        outputs = [None] * x.shape[1]
        for t in steps:
            i, f, g, o = (x_gates[:, t] + F.linear(h, w_hh, b_hh)).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * self.act(g)
            h = torch.sigmoid(o) * self.act(c)
            outputs[t] = h
        return torch.stack(outputs, dim=1), h, c

    def forward(self, x: torch.Tensor):
        """``x`` (B, T, F) -> (output (B, T, D*H), (h_n, c_n) each (layers*D, B, H)), like ``nn.LSTM``."""
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            if layer > 0:
                x = F.dropout(x, self.dropout, self.training)
            runs = [self._run(x, s, reverse=d == 1) for d, s in enumerate(self._suffixes(layer))]
            x = torch.cat([r[0] for r in runs], dim=2)  # (B, T, D*H)
            h_n += [r[1] for r in runs]
            c_n += [r[2] for r in runs]
        return x, (torch.stack(h_n), torch.stack(c_n))
