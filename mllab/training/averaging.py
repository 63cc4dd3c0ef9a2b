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

from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


def build_ema(model: nn.Module, decay: float) -> AveragedModel | None:
    """An exponential moving average of ``model``'s parameters and buffers with ``decay`` per update; None
    for a decay of 0 (off)."""
    if not decay:
        return None
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)
