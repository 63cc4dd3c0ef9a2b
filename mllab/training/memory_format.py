"""Channels-last memory layout for convolutional nets on CPU.

oneDNN's convolutions run faster on NHWC (channels-last) tensors than on
NCHW ones: one training step at one thread is 1.2-1.6x faster for the BN
CNNs, NiN, MobileNetV3 and SqueezeNet (LeNet-5's tiny steps gain nothing in
a real run), while nets with transposed convolutions (DC-VAE, conv
autoencoder) gain nothing or lose (``bench/memory_format.py``, results in
bench/RESULTS.md).
``training.channels_last`` chooses; left unset, nets with 2-D convolutions
and no transposed ones train channels-last. Only the layout changes: the
values, parameter names and checkpoints are the same.
"""

from __future__ import annotations

import torch
from torch import nn

from mllab.training.features import FEATURES, TrainingFeature


def wants_channels_last(model: nn.Module, setting: bool | None) -> bool:
    """``setting`` when given, else whether ``model`` has a Conv2d and no ConvTranspose2d.

    >>> wants_channels_last(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU()), None)
    True
    >>> wants_channels_last(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ConvTranspose2d(4, 1, 3)), None)
    False
    """
    if setting is not None:
        return setting
    kinds = [type(m) for m in model.modules()]
    return any(issubclass(k, nn.Conv2d) for k in kinds) and not any(issubclass(k, nn.ConvTranspose2d) for k in kinds)


def as_channels_last(x: torch.Tensor) -> torch.Tensor:
    """An image batch (N, C, H, W) in channels-last layout; other tensors unchanged."""
    return x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x


class ChannelsLast(TrainingFeature):
    """``training.channels_last``: the net's weights and every batch it sees (training, evaluation, prediction)
    in channels-last layout, for image nets where :func:`wants_channels_last` says so."""

    def __init__(self, setting: bool | None):
        self.setting = setting

    def setup(self, trainer) -> None:
        if trainer.tokens or not wants_channels_last(trainer.model, self.setting):
            return
        trainer.model.to(memory_format=torch.channels_last)
        trainer.layout = as_channels_last


@FEATURES.register("training.channels_last", order=10)
def channels_last(training) -> ChannelsLast:
    """Channels-last layout for convolutional nets (on by default where it is faster)."""
    return ChannelsLast(training.channels_last)
