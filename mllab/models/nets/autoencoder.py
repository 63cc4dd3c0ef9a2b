"""Autoencoders: input -> latent code -> reconstruction in [0, 1] (``task="reconstruct"``).

``autoencoder`` is the MLP form (report 002 Q5: 1024 -> 32 -> 1024 on NIST36
32x32, PSNR 16.09), ``conv_autoencoder`` the convolutional one (the DC-VAE's
encoder and decoder with a plain linear code, no sampling). ``forward``
returns the reconstruction, shaped like the input; the trainer's
``reconstruct`` task scores it with MSE (or BCE) against the input.

>>> import torch
>>> ae = autoencoder((1, 28, 28), 10, hidden=(64,), latent=8)
>>> x = torch.rand(2, 1, 28, 28)
>>> ae(x).shape, ae.encode(x).shape
(torch.Size([2, 1, 28, 28]), torch.Size([2, 8]))
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mllab.models.nets._codec import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder
from mllab.models.nets._common import image_shape, register_preset, torch_meta
from mllab.models.registry import MODELS


class Autoencoder(nn.Module):
    """``encoder`` -> ``to_latent`` (Linear) -> ``decoder``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, latent: int):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.to_latent = nn.Linear(encoder.features, latent)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_latent(self.encoder(x))  # (B, latent)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


RECON_META = dict(task="reconstruct", output="image", example_input=(1, 28, 28))


@MODELS.register("autoencoder", **torch_meta(**RECON_META, params=419_120))
def autoencoder(input_shape, num_classes=None, hidden: Sequence[int] = (256,), latent: int = 32,
                activation: str = "relu", conv: bool = False, base: int = 32, batch_norm: bool = True):
    """Autoencoder, MLP (hidden widths) or conv (conv=True, DCGAN-style); reconstruction in [0, 1]."""
    if conv:
        image_shape(input_shape, "conv_autoencoder")
        return Autoencoder(ConvEncoder(input_shape, base, batch_norm), ConvDecoder(input_shape, latent, base,
                                                                                   batch_norm), latent)
    return Autoencoder(MLPEncoder(input_shape, hidden, activation),
                       MLPDecoder(input_shape, latent, hidden, activation), latent)


register_preset("conv_autoencoder", autoencoder, "Convolutional autoencoder (DC-VAE's encoder/decoder, no sampling).",
                dict(conv=True), params=461_089)
