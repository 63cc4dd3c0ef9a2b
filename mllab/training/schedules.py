"""Learning-rate schedules as functions of fractional epoch progress.

Every schedule maps ``t`` (epochs done, fractional within an epoch) to a
factor of the base learning rate; one ``LambdaLR`` stepped after every batch
runs them all, so step, multistep, the reports' "x0.5 for the last 10 epochs"
and one-cycle share one resumable mechanism.

>>> from mllab.training.config import ScheduleConfig
>>> f = lr_factor_fn(ScheduleConfig(name="multistep", milestones=[30, 40], gamma=0.1), epochs=50)
>>> [round(f(t), 4) for t in (0, 29.9, 30, 45)]
[1.0, 1.0, 0.1, 0.01]
"""

from __future__ import annotations

import bisect
import math
from typing import Callable

from mllab.core.registry import Registry

SCHEDULES = Registry("schedule")
Factor = Callable[[float], float]


@SCHEDULES.register("constant")
def constant(cfg, epochs: int) -> Factor:
    """The base learning rate throughout."""
    return lambda t: 1.0


@SCHEDULES.register("step")
def step(cfg, epochs: int) -> Factor:
    """Multiply by gamma every step_size epochs."""
    return lambda t: cfg.gamma ** (int(t) // cfg.step_size)


@SCHEDULES.register("multistep")
def multistep(cfg, epochs: int) -> Factor:
    """Multiply by gamma at each milestone epoch ("divide by 10 at 30, 40, 50")."""
    milestones = sorted(cfg.milestones)
    return lambda t: cfg.gamma ** bisect.bisect_right(milestones, int(t))


@SCHEDULES.register("piecewise")
def piecewise(cfg, epochs: int) -> Factor:
    """Factor phases[k] from epoch k on (report 003: {120: 0.5, 140: 0.1})."""
    starts = sorted(cfg.phases)

    def factor(t: float) -> float:
        i = bisect.bisect_right(starts, int(t))
        return cfg.phases[starts[i - 1]] if i else 1.0

    return factor


@SCHEDULES.register("last_epochs")
def last_epochs(cfg, epochs: int) -> Factor:
    """Multiply by `factor` for the last `last_epochs` epochs."""
    start = epochs - cfg.last_epochs
    return lambda t: cfg.factor if int(t) >= start else 1.0


@SCHEDULES.register("cosine")
def cosine(cfg, epochs: int) -> Factor:
    """Cosine decay from 1 to final_factor over the run, updated every batch."""
    lo = cfg.final_factor
    return lambda t: lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * min(t / epochs, 1.0)))


@SCHEDULES.register("onecycle")
def onecycle(cfg, epochs: int) -> Factor:
    """Linear warm-up from 0 to the base lr, then linear decay to final_factor."""
    peak, lo = cfg.warmup_fraction * epochs, cfg.final_factor

    def factor(t: float) -> float:
        if t < peak:
            return max(t / peak, 1e-3)
        return lo + (1 - lo) * max(0.0, (epochs - t) / (epochs - peak))

    return factor


def lr_factor_fn(cfg, epochs: int) -> Factor:
    return SCHEDULES.get(cfg.name)(cfg, epochs)


def build_scheduler(optimizer, cfg, epochs: int, steps_per_epoch: int):
    """A ``LambdaLR`` over batches: call ``.step()`` after every optimizer step."""
    import torch

    factor = lr_factor_fn(cfg, epochs)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: factor(step / steps_per_epoch))
