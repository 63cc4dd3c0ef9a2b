"""Three Gaussian blobs in 2-D: a classification split a small net fits in a few epochs (trainer tests)."""

import torch

from mllab.training.trainer import Tensors


def blobs(n=600, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centers = torch.tensor([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.5]])
    return Tensors(centers[y] + 0.6 * torch.randn(n, 2, generator=g), y)
