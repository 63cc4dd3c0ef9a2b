"""Training torch models: the trainer, tasks, optimizers, schedules, losses, init, and the optional training
features the trainer builds from the config (:mod:`mllab.training.features`: augmentation, precision, EMA, ...).

The Python API's training call is :func:`mllab.train` (:func:`mllab.experiments.api.train`), which composes
a recipe's config and runs its seeds through this package's :class:`~mllab.training.trainer.Trainer`.
"""
