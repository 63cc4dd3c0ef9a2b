"""Batch augmentation as tensor ops (no per-sample Python work).

All randomness comes from the trainer's ``torch.Generator`` so a resumed run
draws the same augmentations as an uninterrupted one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from mllab.core.errors import ConfigError
from mllab.training.features import FEATURES, TrainingFeature


def random_crop(x: torch.Tensor, padding: int, g: torch.Generator) -> torch.Tensor:
    """Zero-pad by ``padding`` then crop back to (H, W) at a random offset per image."""
    n, _, h, w = x.shape
    padded = F.pad(x, (padding,) * 4)
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=g).to(x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=g).to(x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]  # (N, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]  # (N, 1, 1, W)
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    chans = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return padded[batch, chans, rows, cols]


def random_flip(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Flip each image left-right with probability 1/2."""
    flip = torch.rand(len(x), generator=g).to(x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def cutout(x: torch.Tensor, size: int, g: torch.Generator) -> torch.Tensor:
    """Zero a ``size`` x ``size`` square per image (DeVries & Taylor 2017), centred anywhere in the image so
    that it may be cut by the border. Zero is the data's mean after ``standardize`` and black after ``scale``."""
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), generator=g).to(x.device)
    cx = torch.randint(0, w, (n,), generator=g).to(x.device)
    lo = size // 2
    rows = torch.arange(h, device=x.device)[None, :] - (cy - lo)[:, None]  # (N, H): inside when 0 <= r < size
    cols = torch.arange(w, device=x.device)[None, :] - (cx - lo)[:, None]
    inside = ((rows >= 0) & (rows < size))[:, :, None] & ((cols >= 0) & (cols < size))[:, None, :]  # (N, H, W)
    return x.masked_fill(inside[:, None], 0.0)


def shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Images (N, C, H, W) moved by ``dy`` rows down and ``dx`` columns right, the uncovered border zero."""
    h, w = x.shape[-2:]
    padded = F.pad(x, (max(dx, 0), max(-dx, 0), max(dy, 0), max(-dy, 0)))
    top, left = max(-dy, 0), max(-dx, 0)
    return padded[..., top:top + h, left:left + w]


def test_time_views(x: torch.Tensor, flip: bool, pixels: int) -> list[torch.Tensor]:
    """The views a test-time-augmented classifier averages: the images, their mirrors (``flip``), and each of
    those moved by ``pixels`` up, down, left and right (``pixels`` > 0; zero-filled like a random crop's
    padding): 1, 2, 5 or 10 views."""
    views = [x, x.flip(-1)] if flip else [x]
    if pixels:
        moves = ((pixels, 0), (-pixels, 0), (0, pixels), (0, -pixels))
        views += [shift(v, dy, dx) for v in views for dy, dx in moves]
    return views


UNK_ID = 1  # mllab's text loaders: 0 = <pad>, 1 = <unk>


def unknown_words(x: torch.Tensor, p: float, g: torch.Generator) -> torch.Tensor:
    """Replace each real token (id != 0) by ``<unk>`` with probability ``p`` ("word dropout").

    The ``<unk>`` embedding otherwise never trains when the vocabulary holds every training word,
    yet every word unseen in training maps to it at test time (6 % of SST-2 dev tokens).
    """
    drop = (torch.rand(x.shape, generator=g).to(x.device) < p) & (x != 0)
    return torch.where(drop, torch.full_like(x, UNK_ID), x)


def augment_batch(x: torch.Tensor, cfg, g: torch.Generator) -> torch.Tensor:
    """Apply the configured augmentations to a batch of images (N, C, H, W) or of token ids (N, L)."""
    if cfg.unknown_words:
        if x.dim() != 2 or x.is_floating_point():
            raise ConfigError(f"training.augment.unknown_words works on token ids (N, L); got {x.dtype} "
                             f"{tuple(x.shape)}. Remove it for this data.")
        return unknown_words(x, cfg.unknown_words, g)
    if x.dim() != 4:
        raise ConfigError(f"training.augment works on image batches (N, C, H, W); got shape {tuple(x.shape)}: "
                          f"remove it for this data")
    pad = max(cfg.crop_padding, cfg.shift)  # a shift is a crop of the zero-padded image
    if pad:
        x = random_crop(x, pad, g)
    if cfg.flip:
        x = random_flip(x, g)
    if cfg.cutout:
        x = cutout(x, cfg.cutout, g)
    return x


def enabled(cfg) -> bool:
    return bool(cfg.crop_padding or cfg.shift or cfg.flip or cfg.cutout or cfg.unknown_words)


class Augment(TrainingFeature):
    """``training.augment``: each training batch drawn through :func:`augment_batch` from the trainer's generator."""

    def __init__(self, cfg):
        self.cfg = cfg

    def on_batch(self, trainer, xb: torch.Tensor) -> torch.Tensor:
        return augment_batch(xb, self.cfg, trainer.generator)


@FEATURES.register("training.augment", order=40)
def augmentation(training) -> Augment | None:
    """Random crops, flips, cutout or word dropout on each training batch."""
    return Augment(training.augment) if enabled(training.augment) else None


class TestTimeViews(TrainingFeature):
    """``training.test_time_flip`` / ``test_time_shift``: evaluation averages the outputs over
    :func:`test_time_views` of each image."""

    def __init__(self, flip: bool, pixels: int):
        self.flip, self.pixels = flip, pixels

    def setup(self, trainer) -> None:
        trainer.eval_views = self.views

    def views(self, xb: torch.Tensor) -> list[torch.Tensor]:
        if xb.dim() != 4:
            raise ConfigError(f"training.test_time_flip/test_time_shift average a classifier's outputs over views "
                              f"of images (N, C, H, W); got inputs of shape {tuple(xb.shape)}: turn them off here")
        return test_time_views(xb, self.flip, self.pixels)


@FEATURES.register("training.test_time_flip", order=70)
def test_time_augmentation(training) -> TestTimeViews | None:
    """Evaluate on the mean over mirrored and shifted views (also reads training.test_time_shift)."""
    if not (training.test_time_flip or training.test_time_shift):
        return None
    return TestTimeViews(training.test_time_flip, training.test_time_shift)
