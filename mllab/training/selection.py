"""Choosing on validation: the best checkpoint (``training.select``) and early stopping.

Both watch one metric of each epoch's record and keep their counters in the trainer's ``state`` (saved in
every ``last`` checkpoint, so a resumed run picks and stops as an uninterrupted one would). A metric ending
in ``loss`` is better lower, any other higher. A config mistake is a :class:`~mllab.core.errors.ConfigError`
naming the key before (or, for a metric that is never recorded, after) the first epoch.

>>> from mllab.training.config import TrainingConfig
>>> state = {"best_value": None, "best_epoch": None, "bad_epochs": 0}
>>> tcfg = TrainingConfig(select="val_accuracy")
>>> [improved(tcfg, state, {"epoch": e, "val_accuracy": a}) for e, a in [(1, 0.8), (2, 0.7), (3, 0.9)]]
[True, False, True]
>>> state
{'best_value': 0.9, 'best_epoch': 3, 'bad_epochs': 0}
"""

from __future__ import annotations

import logging
from typing import Any

from mllab.core.errors import ConfigError

log = logging.getLogger(__name__)


def watched(tcfg) -> tuple[str, str] | None:
    """``(config key, metric)`` of what picks the best checkpoint or stops early; None when neither is on."""
    if tcfg.select:
        return "training.select", tcfg.select
    if tcfg.early_stopping.patience:
        return "training.early_stopping.metric", tcfg.early_stopping.metric
    return None


def check_selection(tcfg) -> None:
    """Refuse a selection that would skip epochs: it compares every epoch's validation metrics."""
    if watched(tcfg) and tcfg.val_every != 1:
        raise ConfigError(f"training.val_every: expected 1 with training.select or early stopping, found "
                          f"{tcfg.val_every}; they compare every epoch's validation metrics: set "
                          f"training.val_every=1")


def check_split(tcfg, has_val: bool) -> None:
    """Refuse, before training, a ``val_`` metric to watch without a validation split to score it on."""
    key, metric = watched(tcfg) or ("", "")
    if metric.startswith("val_") and not has_val:
        raise ConfigError(f"{key}: {metric} needs a validation split, found none; set data.val_fraction "
                          f"(e.g. 0.1), or choose a train_ metric")


def improved(tcfg, state: dict[str, Any], record: dict[str, Any]) -> bool:
    """Update ``state``'s best value / epoch and bad-epoch count from an epoch's ``record``; whether this epoch
    is the best so far (False when nothing is watched)."""
    key, metric = watched(tcfg) or ("training.early_stopping.metric", tcfg.early_stopping.metric)
    if metric not in record:
        if watched(tcfg):
            recorded = ", ".join(k for k in record if k.startswith(("train_", "val_")))
            raise ConfigError(f"{key}: expected a recorded metric, found {metric!r}; recorded: {recorded}")
        return False
    best, value = state["best_value"], record[metric]
    if best is None or (value < best if metric.endswith("loss") else value > best):
        state.update(best_value=value, best_epoch=record["epoch"], bad_epochs=0)
        return True
    state["bad_epochs"] += 1
    return False


def stops_early(tcfg, state: dict[str, Any]) -> bool:
    """Whether early stopping's patience is used up (logged when it is)."""
    patience = tcfg.early_stopping.patience
    if not patience or state["bad_epochs"] < patience:
        return False
    log.info("early stopping after epoch %d: no %s improvement for %d epochs", state["epoch"],
             tcfg.early_stopping.metric, patience)
    return True
