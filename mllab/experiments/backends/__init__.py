"""One backend per engine, by name: ``torch`` (``mllab.models.nets`` with the torch trainer), ``numpy`` (the
from-scratch engine) and ``classical`` (estimators fitted on flattened inputs).

A backend owns what differs between engines: how the model is fitted inside a
run folder (its task, its checkpoints, what it leaves for the report) and how
a finished run is evaluated again. The runner picks one with
:func:`backend_for` and calls ``fit``; ``mllab eval`` calls ``evaluate``.

>>> BACKENDS.names()
['classical', 'numpy', 'torch']
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from mllab.core.registry import Registry

MODULES = ("torch_backend", "numpy_backend", "classical_backend")


class Backend(Protocol):
    def fit(self, cfg, run, splits, quiet: bool, resume: bool) -> dict[str, Any]:
        """Build, train (or resume), checkpoint and test the model of ``cfg`` in ``run`` (a RunDir); returns the
        summary fields (``final`` metrics, ``epochs_done``, ...)."""

    def evaluate(self, cfg, run, splits, checkpoint: str) -> dict[str, float]:
        """Test metrics (``test_*``) of the finished ``run`` (a :class:`~mllab.runs.load.Run`) on ``splits``."""


def _load() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")


BACKENDS = Registry("backend", loader=_load)


def build_for_run(cfg, run, splits):
    """The untrained model of ``cfg`` for ``splits``, its spec recorded in ``run`` (``model.json``) so that
    ``load_run`` can rebuild it."""
    from mllab.runs.spec import spec_for

    spec = spec_for(cfg, splits.train.x.shape[1:], splits.dataset.num_classes, splits.dataset.info,
                    str(splits.train.x.dtype))
    model = spec.build()
    spec.write(run.path)
    return model


def backend_for(cfg) -> Backend:
    """The backend that trains ``cfg``'s model (``model.backend: numpy``, else by the model's kind)."""
    from mllab.runs.spec import engine_of

    return BACKENDS.get(engine_of(cfg.model))()
