"""What a model is trained to do: the loss and the metrics of one batch.

A task turns a model output and a batch into a loss and into *sums*
(``{"loss": ..., "correct": ...}``) kept as tensors, so the training loop
never synchronizes with the device inside an epoch; metrics are derived
from the sums at the end.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from mllab.core.metrics import psnr_from_mse
from mllab.training.losses import get_loss


class ClassifyTask:
    """Integer labels; metrics ``loss`` and ``accuracy``."""

    def __init__(self, loss: str, num_classes: int, label_smoothing: float = 0.0):
        self.loss_fn = get_loss(loss)
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing

    def loss(self, out, x, y, model=None) -> torch.Tensor:
        return self.loss_fn(out, y, self.num_classes, self.label_smoothing)

    def sums(self, out, x, y, loss: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"loss": loss.detach() * len(y), "correct": (out.argmax(1) == y).sum()}

    @staticmethod
    def metrics(sums: dict[str, float], n: int) -> dict[str, float]:
        return {"loss": sums["loss"] / n, "accuracy": sums["correct"] / n}

    @staticmethod
    def predict(out) -> torch.Tensor:
        return out.argmax(1)


class ReconstructTask:
    """Target is the input; metrics ``loss`` and ``psnr`` (images in [0, 1]).

    A model with a ``loss(x, out)`` method (a VAE adds its KL term there)
    defines its own loss; otherwise MSE (or BCE) between output and input.
    """

    def __init__(self, loss: str = "mse"):
        self.bce = loss == "bce"

    @staticmethod
    def reconstruction(out) -> torch.Tensor:
        return out if torch.is_tensor(out) else out[0]

    def loss(self, out, x, y, model=None) -> torch.Tensor:
        if model is not None and hasattr(model, "loss"):
            return model.loss(x, out)
        recon = self.reconstruction(out)
        return F.binary_cross_entropy(recon, x) if self.bce else F.mse_loss(recon, x)

    def sums(self, out, x, y, loss: torch.Tensor) -> dict[str, torch.Tensor]:
        sq = (self.reconstruction(out).detach() - x).pow(2).flatten(1).mean(1)
        return {"loss": loss.detach() * len(x), "sq_error": sq.sum()}

    @staticmethod
    def metrics(sums: dict[str, float], n: int) -> dict[str, float]:
        mse = sums["sq_error"] / n
        return {"loss": sums["loss"] / n, "psnr": psnr_from_mse(mse)}

    predict = None
