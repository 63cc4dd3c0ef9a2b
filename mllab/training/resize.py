"""Progressive resizing: train the first epochs on smaller images, which cost less per step.

A convolution's cost and its activations grow with the number of pixels, so an epoch of 20 x 20 images costs
about half an epoch of 28 x 28 ones on a small CNN (``bench/progressive_resize.py``).
``training.progressive_resize: {min_size: S, ramp: F}`` trains epoch 1 on images scaled down to S pixels a side
and grows the side linearly to full size at epoch F x epochs (rounded down to an even size; the last epoch at the
latest); the remaining epochs, and every evaluation, use the images as they are. The net must read any size
(global pooling: ``vgg_bn``, ``nin``, ``small_cnn``; the trainer refuses one that cannot). This is the
progressive resizing of fast.ai's DAWNBench entries and FFCV's ImageNet recipes (Howard 2018; Leclerc et al.
2023), where the last epochs at full size also re-fit BatchNorm's statistics to it.

>>> [epoch_size(e, epochs=10, full=28, min_size=20, ramp=0.5) for e in range(10)]
[20, 20, 22, 24, 26, 28, 28, 28, 28, 28]
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from mllab.core.errors import ConfigError
from mllab.training.features import FEATURES, TrainingFeature

KEY = "training.progressive_resize.min_size"


def epoch_size(epoch: int, *, epochs: int, full: int, min_size: int, ramp: float) -> int:
    """The image side trained on in epoch ``epoch`` (from 0): ``min_size`` at the first, growing linearly to
    ``full`` at epoch ``ramp * epochs`` (the last epoch at the latest) and after, rounded down to an even size
    (never below ``min_size``)."""
    ramp_epochs = min(ramp * epochs, epochs - 1)
    if ramp_epochs <= 0 or epoch >= ramp_epochs:
        return full
    size = min_size + (full - min_size) * epoch / ramp_epochs
    return max(min_size, int(size) // 2 * 2)


def resize_batch(x: torch.Tensor, size: int) -> torch.Tensor:
    """Images (N, C, H, W) scaled so the longer side is ``size`` (bilinear with antialiasing: a smaller image
    averages the pixels it merges, as a photo taken from further away would); unchanged at full size."""
    h, w = x.shape[-2:]
    if size >= max(h, w):
        return x
    scale = size / max(h, w)
    out = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(x, size=out, mode="bilinear", antialias=True, align_corners=False)


def check_resizable(model: nn.Module, x: torch.Tensor, min_size: int,
                    layout: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Refuse progressive resizing (:class:`~mllab.core.errors.ConfigError`, naming the key) for inputs ``x`` that
    are not images, a ``min_size`` not below their side, or a ``model`` that cannot read ``min_size``-pixel images
    (one forward pass in eval mode on two of them, laid out by ``layout`` as training will)."""
    if x.dim() != 4:
        raise ConfigError(f"{KEY}: expected 0 for inputs that are not images (N, C, H, W), found {min_size} for "
                          f"inputs of shape {tuple(x.shape)}; set {KEY}=0")
    full = max(x.shape[-2:])
    if min_size >= full:
        raise ConfigError(f"{KEY}: expected an image side below the data's ({full} pixels, shape "
                          f"{tuple(x.shape[1:])}), found {min_size}; lower it, or set it to 0 to train at full "
                          f"size throughout")
    model.eval()
    try:
        with torch.no_grad():
            model(layout(resize_batch(x[:2], min_size)))
    except (RuntimeError, ValueError) as e:  # torch's shape mismatches; a net's own size checks
        raise ConfigError(f"{KEY}: {type(model).__name__} cannot read {min_size}-pixel images "
                          f"({str(e).splitlines()[0]}); set {KEY}=0, or use a net with global pooling "
                          f"(vgg_bn, nin, small_cnn)") from e


class ProgressiveResize(TrainingFeature):
    """``training.progressive_resize``: each epoch's training batches scaled to :func:`epoch_size` (recorded as
    ``image_size``); checked on the net and the data before the first epoch, refused for token ids."""

    def __init__(self, min_size: int, ramp: float):
        self.min_size, self.ramp, self.full, self.size = min_size, ramp, 0, 0

    def setup(self, trainer) -> None:
        if trainer.tokens:
            raise ConfigError(f"{KEY}: expected 0 for {type(trainer.model).__name__}, found {self.min_size}; it "
                              f"scales images and this model reads token ids: set {KEY}=0")

    def on_fit_start(self, trainer, train, val) -> None:
        check_resizable(trainer.model, train.x, self.min_size, trainer.layout)
        self.full = max(train.x.shape[-2:])

    def on_epoch_start(self, trainer, epoch: int) -> dict[str, int]:
        self.size = epoch_size(epoch, epochs=trainer.tcfg.epochs, full=self.full, min_size=self.min_size,
                               ramp=self.ramp)
        return {"image_size": self.size}

    def on_batch(self, trainer, xb: torch.Tensor) -> torch.Tensor:
        return resize_batch(xb, self.size)


@FEATURES.register(KEY, order=50)
def progressive_resize(training) -> ProgressiveResize | None:
    """Smaller images in the first epochs, growing to full size."""
    cfg = training.progressive_resize
    return ProgressiveResize(cfg.min_size, cfg.ramp) if cfg.min_size else None
