"""Encoders and decoders shared by the autoencoders and the VAEs (MLP and DCGAN-style conv).

An encoder maps an input to a feature vector (``encoder.features`` wide); the
model puts its latent head(s) on it. A decoder maps a latent vector back to
the input's shape with a sigmoid, so outputs lie in [0, 1] like the images.

The conv pair follows report 000's DC-VAE: three stride-2 4x4 convolutions
with LeakyReLU, and a decoder of four ConvTranspose2d layers with ReLU (the
first from the 1x1 latent to the coarse map, then three stride-2 ones).
Images whose sides are not multiples of 8 (MNIST's 28) are zero-padded to
the next multiple (32) in the encoder and cropped back after the decoder.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mllab.models.nets._common import image_shape, make_activation


class MLPEncoder(nn.Module):
    """Flatten, then Linear + activation per hidden width."""

    def __init__(self, input_shape, hidden: Sequence[int], activation: str):
        super().__init__()
        layers, width = [], math.prod(input_shape)
        for w in hidden:
            layers += [nn.Linear(width, w), make_activation(activation)]
            width = w
        self.body, self.features = nn.Sequential(*layers), width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.flatten(1))  # (B, features)


class MLPDecoder(nn.Module):
    """Latent -> hidden widths (reversed encoder) -> input size, sigmoid, reshaped to the input shape."""

    def __init__(self, input_shape, latent: int, hidden: Sequence[int], activation: str):
        super().__init__()
        self.input_shape = tuple(input_shape)
        layers, width = [], latent
        for w in reversed(tuple(hidden)):
            layers += [nn.Linear(width, w), make_activation(activation)]
            width = w
        self.body = nn.Sequential(*layers, nn.Linear(width, math.prod(input_shape)), nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z).reshape(len(z), *self.input_shape)


def _padded(side: int) -> int:
    return -(-side // 8) * 8


def _norm(channels: int, batch_norm: bool) -> nn.Module:
    return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()


class ConvEncoder(nn.Module):
    """Pad to a multiple of 8, three (conv 4x4 s2, BatchNorm, LeakyReLU 0.2) stages, flatten."""

    def __init__(self, input_shape, base: int, batch_norm: bool):
        super().__init__()
        c, h, w = image_shape(input_shape, "conv encoder")
        self.pad = ((_padded(w) - w) // 2, (_padded(w) - w + 1) // 2, (_padded(h) - h) // 2, (_padded(h) - h + 1) // 2)
        widths = (c, base, 2 * base, 4 * base)
        layers = []
        for i in range(3):
            layers += [nn.Conv2d(widths[i], widths[i + 1], 4, 2, 1), _norm(widths[i + 1], batch_norm and i > 0),
                       nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.features = 4 * base * (_padded(h) // 8) * (_padded(w) // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(F.pad(x, self.pad)).flatten(1)  # (B, 4*base, H'/8, W'/8) -> (B, features)


class ConvDecoder(nn.Module):
    """Four ConvTranspose2d: 1x1 latent -> (H'/8, W'/8) map, then three 4x4 s2 ones; ReLU; sigmoid; crop."""

    def __init__(self, input_shape, latent: int, base: int, batch_norm: bool):
        super().__init__()
        c, self.h, self.w = image_shape(input_shape, "conv decoder")
        self.top, self.left = (_padded(self.h) - self.h) // 2, (_padded(self.w) - self.w) // 2
        coarse = (_padded(self.h) // 8, _padded(self.w) // 8)
        widths = (4 * base, 2 * base, base)
        layers = [nn.ConvTranspose2d(latent, widths[0], coarse), _norm(widths[0], batch_norm), nn.ReLU()]
        for i in range(2):
            layers += [nn.ConvTranspose2d(widths[i], widths[i + 1], 4, 2, 1), _norm(widths[i + 1], batch_norm),
                       nn.ReLU()]
        self.body = nn.Sequential(*layers, nn.ConvTranspose2d(base, c, 4, 2, 1), nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.body(z[:, :, None, None])  # (B, latent, 1, 1) -> (B, C, H', W')
        return out[:, :, self.top: self.top + self.h, self.left: self.left + self.w]
