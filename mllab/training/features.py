"""Optional training features: the trainer's one extension point.

The core loop (:class:`~mllab.training.trainer.Trainer`) draws batches, steps the optimizer, evaluates,
records and checkpoints. Everything else a config can switch on (weight averaging, bf16 autocast,
progressive resizing, test-time views, length buckets, augmentation, channels-last) is a
:class:`TrainingFeature` registered in :data:`FEATURES` under the config key it reads, built from the
config when the trainer is made. A feature overrides only the hooks it needs; the trainer calls them in
the registered ``order`` (lowest first):

============================== =================================================================
``setup(trainer)``             at construction (also for evaluation only): check the config
                               against the model; replace the trainer's ``layout``,
                               ``train_forward``, ``eval_forward`` or ``batch_order``
``on_fit_start(trainer, train, val)``  before the first epoch (and before a resume's restore)
``on_epoch_start(trainer, epoch)``     returns entries for the epoch's record (``image_size``)
``on_batch(trainer, xb)``      returns the training batch, transformed (augmentation, resizing)
``on_step_end(trainer)``       after each optimizer step
``on_epoch_end(trainer, record)``      after the epoch's record and checkpoint are written;
                               ``trainer.stop = True`` ends training after this epoch
``on_fit_end(trainer)``        after the last epoch
``checkpoint(trainer, ckpt)``  adds to (or replaces in) the ``last`` checkpoint being written
``restore(trainer, ckpt)``     reads it back on resume, after the core's weights and RNG states
============================== =================================================================

A new feature is a class and a factory registered under its config key in a module named in :data:`MODULES`, which returns it (or None when the
key is off); the factory's docstring is its one-line description::

    class PrintLoss(TrainingFeature):
        def on_epoch_end(self, trainer, record):
            log.info("epoch %d: %.3f", record["epoch"], record["train_loss"])

    @FEATURES.register("training.print_loss", order=90)
    def print_loss(training):
        '''Log each epoch's training loss.'''
        return PrintLoss() if training.print_loss else None

>>> from mllab.training.config import TrainingConfig
>>> [type(f).__name__ for f in build_features(TrainingConfig(ema=0.99, precision="fp32"))]
['ChannelsLast', 'WeightAveraging']

Per-batch hooks cost a Python call per batch only for the features that are on and override them.
"""

from __future__ import annotations

import importlib
from typing import Any

from mllab.core.registry import Registry

# the modules that register features (a new feature's module adds its name here)
MODULES = ("augment", "averaging", "batching", "memory_format", "precision", "resize", "tracking")


def _load_features() -> None:
    for name in MODULES:
        importlib.import_module(f"{__package__}.{name}")


FEATURES = Registry("training feature", loader=_load_features)
HOOKS = ("setup", "on_fit_start", "on_epoch_start", "on_batch", "on_step_end", "on_epoch_end", "on_fit_end",
         "checkpoint", "restore")


class TrainingFeature:
    """A part of training a config switches on; every hook is optional (here: does nothing)."""

    def setup(self, trainer) -> None:
        pass

    def on_fit_start(self, trainer, train, val) -> None:
        pass

    def on_epoch_start(self, trainer, epoch: int) -> dict[str, Any]:
        return {}

    def on_batch(self, trainer, xb):  # a training batch (B, ...) -> the batch to train on
        return xb

    def on_step_end(self, trainer) -> None:
        pass

    def on_epoch_end(self, trainer, record: dict[str, Any]) -> None:
        pass

    def on_fit_end(self, trainer) -> None:
        pass

    def checkpoint(self, trainer, ckpt: dict[str, Any]) -> None:
        pass

    def restore(self, trainer, ckpt: dict[str, Any]) -> None:
        pass


def build_features(training) -> list[TrainingFeature]:
    """The features the ``training`` config section switches on, in their registered order."""
    entries = sorted(FEATURES, key=lambda e: (e.meta.get("order", 50), e.name))
    built = (entry.factory(training) for entry in entries)
    return [f for f in built if f is not None]


def hooks(features: list[TrainingFeature], name: str) -> list:
    """The bound ``name`` hooks of the ``features`` that override it (the others would do nothing)."""
    if name not in HOOKS:
        raise ValueError(f"unknown training feature hook {name!r}; hooks: {', '.join(HOOKS)}")
    base = getattr(TrainingFeature, name)
    return [getattr(f, name) for f in features if getattr(type(f), name, base) is not base]
