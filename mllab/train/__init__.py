"""Training torch models: the trainer, tasks, optimizers, schedules, losses, init, augmentation, precision.

``mllab.train`` is also the Python API's training call (``mllab.train("demo", seeds=3)``): the package is
callable. Calling it trains a recipe through :func:`mllab.experiments.api.train`, which lives four layers
up; the package looks it up by name at call time (:data:`API`) so that importing ``mllab.train`` never
imports the layers above it. It is the one such look-up in mllab (``tests/test_layers.py`` checks that).
"""

from __future__ import annotations

import importlib
import sys
import types

API = "mllab.experiments.api"  # where mllab.train(...) is implemented


class _CallablePackage(types.ModuleType):
    def __call__(self, recipe, overrides=(), seeds=None, out=None, quiet=True, jobs=1):
        """Train a recipe: ``mllab.train("demo", overrides=["training.epochs=2"], seeds=1, out="runs")``; see
        :func:`mllab.experiments.api.train`."""
        return importlib.import_module(API).train(recipe, overrides, seeds=seeds, out=out, quiet=quiet, jobs=jobs)


sys.modules[__name__].__class__ = _CallablePackage
