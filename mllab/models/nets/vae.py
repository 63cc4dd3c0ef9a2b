"""Variational autoencoders (``task="generate"``): MLP VAE (report 001) and DC-VAE (report 000).

The encoder gives ``mu`` and ``logvar`` (log sigma^2: unconstrained, the
report 001 reason); training samples z = mu + exp(logvar / 2) * eps, and in
eval mode z = mu, so reconstructions are deterministic. ``forward`` returns
``VAEOutput(recon, mu, logvar)`` (``out[0]`` is the reconstruction, in [0, 1]).

Loss (:func:`vae_loss`, also ``model.loss(x, out)`` which the trainer's
reconstruct task calls): per example, the reconstruction term summed over
pixels (squared error, report 000's "MSE" part, or binary cross-entropy)
plus KL(q(z|x) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - exp(logvar))
(report 000's closed form), averaged over the batch. ``recon_weight`` and
``kl_weight`` scale the two parts; either may be 0 (report 000 Fig. 23: the
VAE without part 1 or without part 2).

``latent``: report 000 tried 10, 100 and 1024 (``dc_vae`` default 1024);
report 001's MLP VAE on Fashion-MNIST does not say (ours: 20).

>>> import torch
>>> net = vae((1, 28, 28), 10, hidden=(64,), latent=4).eval()
>>> out = net(torch.rand(2, 1, 28, 28))
>>> out.recon.shape, out.mu.shape, net.sample(3, torch.Generator().manual_seed(0)).shape
(torch.Size([2, 1, 28, 28]), torch.Size([2, 4]), torch.Size([3, 1, 28, 28]))
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from mllab.models.nets._codec import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder
from mllab.models.nets._common import image_shape, register_preset, torch_meta
from mllab.models.registry import MODELS


class VAEOutput(NamedTuple):
    recon: torch.Tensor  # (B, *input_shape), in [0, 1]
    mu: torch.Tensor  # (B, latent)
    logvar: torch.Tensor  # (B, latent)


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per example, summed over latent dimensions: (B,)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)


def check_loss_options(recon_loss: str, recon_weight: float, kl_weight: float) -> None:
    if recon_loss not in ("mse", "bce"):
        raise ValueError(f"vae: recon_loss must be 'mse' or 'bce'; got {recon_loss!r}")
    if recon_weight < 0 or kl_weight < 0 or recon_weight == kl_weight == 0:
        raise ValueError(f"vae: recon_weight and kl_weight must be >= 0 and not both 0; "
                         f"got {recon_weight} and {kl_weight}")


def vae_loss(x: torch.Tensor, recon: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, recon_loss: str = "mse",
             recon_weight: float = 1.0, kl_weight: float = 1.0) -> torch.Tensor:
    """Negative ELBO per example, batch mean: recon_weight * sum_pixels(recon term) + kl_weight * KL.

    >>> x = torch.rand(2, 4)
    >>> float(vae_loss(x, x, torch.zeros(2, 3), torch.zeros(2, 3)))
    0.0
    """
    check_loss_options(recon_loss, recon_weight, kl_weight)
    per_pixel = (F.mse_loss if recon_loss == "mse" else F.binary_cross_entropy)(recon, x, reduction="none")
    per_example = recon_weight * per_pixel.flatten(1).sum(1) + kl_weight * kl_to_standard_normal(mu, logvar)
    return per_example.mean()


class VAE(nn.Module):
    """``encoder`` -> heads ``mu``/``logvar`` -> reparameterize -> ``decoder``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, latent: int, recon_loss: str, recon_weight: float,
                 kl_weight: float):
        super().__init__()
        self.encoder, self.decoder, self.latent = encoder, decoder, latent
        self.mu = nn.Linear(encoder.features, latent)
        self.logvar = nn.Linear(encoder.features, latent)
        self.loss_options = dict(recon_loss=recon_loss, recon_weight=recon_weight, kl_weight=kl_weight)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return mu
        return mu + (0.5 * logvar).exp() * torch.randn_like(mu)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> VAEOutput:
        mu, logvar = self.encode(x)
        return VAEOutput(self.decode(self.reparameterize(mu, logvar)), mu, logvar)

    def loss(self, x: torch.Tensor, out: VAEOutput) -> torch.Tensor:
        """The model's training loss (:func:`vae_loss` with this model's options)."""
        return vae_loss(x, *out, **self.loss_options)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode ``n`` draws z ~ N(0, I) (call ``.eval()`` first so BatchNorm uses its running statistics)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent, generator=generator, device=generator.device if generator else device)
        return self.decode(z.to(device))

    @torch.no_grad()
    def interpolate(self, z0: torch.Tensor, z1: torch.Tensor, alphas: Sequence[float] | torch.Tensor) -> torch.Tensor:
        """Decode (1 - a) z0 + a z1 for each a in ``alphas`` (a = 0 gives z0): (len(alphas), *input_shape)."""
        a = torch.as_tensor(alphas, dtype=z0.dtype, device=z0.device).reshape(-1, 1)
        return self.decode((1 - a) * z0.reshape(1, -1) + a * z1.reshape(1, -1))


GEN_META = dict(task="generate", output="vae", example_input=(1, 28, 28))


@MODELS.register("vae", **torch_meta(**GEN_META, params=652_824))
def vae(input_shape, num_classes=None, hidden: Sequence[int] = (400,), latent: int = 20, activation: str = "relu",
        conv: bool = False, base: int = 32, batch_norm: bool = True, recon_loss: str = "mse",
        recon_weight: float = 1.0, kl_weight: float = 1.0):
    """Variational autoencoder, MLP (hidden widths) or DC-VAE (conv=True); forward -> (recon, mu, logvar)."""
    if conv:
        image_shape(input_shape, "dc_vae")
        encoder, decoder = ConvEncoder(input_shape, base, batch_norm), ConvDecoder(input_shape, latent, base,
                                                                                   batch_norm)
    else:
        encoder = MLPEncoder(input_shape, hidden, activation)
        decoder = MLPDecoder(input_shape, latent, hidden, activation)
    check_loss_options(recon_loss, recon_weight, kl_weight)  # now, not at the first batch
    return VAE(encoder, decoder, latent, recon_loss, recon_weight, kl_weight)


register_preset("dc_vae", vae, "DC-VAE (report 000): conv encoder (LeakyReLU), 4 ConvTranspose2d decoder, latent 1024.",
                dict(conv=True, latent=1024), example_input=(3, 32, 32), params=6_625_539)
