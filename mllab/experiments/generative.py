"""What a trained autoencoder or VAE leaves in its run: ``generative.npz``.

- ``inputs`` / ``reconstructions``: the first test images and their reconstructions;
- VAEs also: ``samples`` (64 decodes of z ~ N(0, I), report 001's grid) and
  ``interpolation`` (decodes of (1 - a) z0 + a z1 for a = 0.1 .. 0.9 between the
  codes of two test images, report 001's Fig. 7).

The report draws its figures from this file, never from the live model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from mllab.data.files import atomic_path

ALPHAS = tuple(round(0.1 * k, 1) for k in range(1, 10))


@torch.no_grad()
def save_generative(model, x_test: torch.Tensor, path: Path, seed: int, n: int = 16) -> None:
    model.eval()
    x = x_test[:n]
    out = model(x)
    arrays = {"inputs": x, "reconstructions": out if torch.is_tensor(out) else out[0]}
    if hasattr(model, "sample") and hasattr(model, "interpolate"):
        g = torch.Generator().manual_seed(seed)
        arrays["samples"] = model.sample(64, generator=g)
        mu, _ = model.encode(x_test[:2])
        arrays["interpolation"] = model.interpolate(mu[0], mu[1], ALPHAS)
        arrays["alphas"] = torch.tensor(ALPHAS)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **{k: v.detach().cpu().numpy() for k, v in arrays.items()})
