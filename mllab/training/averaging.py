"""Weight averaging: evaluate an exponential moving average of the weights instead of the last step's.

``training.ema: D`` keeps, next to the trained net, a copy whose parameters and BatchNorm statistics follow
``avg = D * avg + (1 - D) * current`` after every optimizer step (the first step copies them), with
:class:`torch.optim.swa_utils.AveragedModel`. The average is what validation, the test split, predictions,
the ``best`` checkpoint and the saved model see; the net keeps training on its own weights. A decay of D
averages over about 1 / (1 - D) steps: 0.999 is about two epochs of 54 000 images at batch 128. This is the
weight averaging of Polyak & Juditsky (1992) as fast-training recipes use it (timm's ``ModelEmaV2``).

>>> import torch
>>> from torch import nn
>>> net = nn.Linear(1, 1)
>>> ema = build_ema(net, 0.5)
>>> with torch.no_grad():
...     _ = net.weight.fill_(0.0)
...     ema.update_parameters(net)      # first update: a copy
...     _ = net.weight.fill_(1.0)
...     ema.update_parameters(net)      # 0.5 * 0 + 0.5 * 1
>>> ema.module.weight.item()
0.5
"""

from __future__ import annotations

from typing import Any

from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from mllab.core.errors import ConfigError
from mllab.training.features import FEATURES, TrainingFeature


def build_ema(model: nn.Module, decay: float) -> AveragedModel | None:
    """An exponential moving average of ``model``'s parameters and buffers with ``decay`` per update; None
    for a decay of 0 (off)."""
    if not decay:
        return None
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


class WeightAveraging(TrainingFeature):
    """``training.ema``: the average is built at the start of fit, updated after every step, evaluated and saved
    (the ``last`` checkpoint's ``model``; ``trained`` holds the net's own weights), and loaded into the net at
    the end of fit, which evaluation runs from then on (a best checkpoint loaded into it counts)."""

    def __init__(self, decay: float):
        self.decay, self.ema = decay, None

    def on_fit_start(self, trainer, train, val) -> None:
        self.ema = build_ema(trainer.model, self.decay)
        trainer.evaluated_model = self.ema.module

    def on_step_end(self, trainer) -> None:
        if self.ema is not None:  # (a bench may step a trainer it never fit)
            self.ema.update_parameters(trainer.model)

    def on_fit_end(self, trainer) -> None:
        trainer.model.load_state_dict(self.ema.module.state_dict())
        trainer.evaluated_model = None

    def checkpoint(self, trainer, ckpt: dict[str, Any]) -> None:
        ckpt.update(trained=trainer.model.state_dict(), ema_updates=int(self.ema.n_averaged))

    def restore(self, trainer, ckpt: dict[str, Any]) -> None:
        if "trained" not in ckpt:
            raise ConfigError(f"training.ema: expected 0 as in the checkpoint, found {self.decay}; this run was "
                              f"trained without weight averaging: resume it with its own config")
        trainer.model.load_state_dict(ckpt["trained"])
        self.ema.module.load_state_dict(ckpt["model"])
        self.ema.n_averaged.fill_(ckpt["ema_updates"])


class OwnWeights(TrainingFeature):
    """``training.ema: 0``: refuses to resume a checkpoint written with weight averaging."""

    def restore(self, trainer, ckpt: dict[str, Any]) -> None:
        if "trained" in ckpt:
            raise ConfigError("training.ema: expected the checkpoint's value (> 0), found 0; this run was "
                              "trained with weight averaging: resume it with its own config")


@FEATURES.register("training.ema", order=60)
def weight_averaging(training) -> TrainingFeature:
    """Evaluate and save an exponential moving average of the weights."""
    return WeightAveraging(training.ema) if training.ema else OwnWeights()
