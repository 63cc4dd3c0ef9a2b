"""Sending runs to the trackers people already keep their experiments in: TensorBoard and MLflow.

A :class:`~mllab.trackers.base.Tracker` is one run in one tracker: it takes hyper-parameters and tags, scalars
at a step, PNG images, and a closing status. What mllab sends and under which names is
:mod:`mllab.trackers.content`, the same for every tracker, for ``mllab export`` (a finished run folder:
:mod:`mllab.runs.export`) and for ``training.log`` (live, while training: :mod:`mllab.training.tracking`).

Each tracker is an optional extra (``pip install 'mllab[tensorboard]'``, ``'mllab[mlflow]'``), imported only
when a tracker of its kind is opened; :data:`TRACKERS` names them.

>>> TRACKERS.names()
['mlflow', 'tensorboard']
"""

from __future__ import annotations

from mllab.core.registry import Registry
from mllab.trackers.base import MissingExtraError, Tracker, TrackerError

TRACKERS = Registry("tracker")


@TRACKERS.register("tensorboard",
                   target="a folder (each run in OUT/<experiment>/<group>/seed<k>; tensorboard --logdir OUT)")
def open_tensorboard(target: str, *, experiment: str, run_name: str, resume: dict | None = None) -> Tracker:
    """TensorBoard event files, written with TensorBoard's own event writer."""
    from mllab.trackers.tensorboard import TensorBoardTracker

    return TensorBoardTracker(target)


@TRACKERS.register("mlflow", target="a tracking URI, e.g. sqlite:///mlflow.db or http://host:5000")
def open_mlflow(target: str | None, *, experiment: str, run_name: str, resume: dict | None = None) -> Tracker:
    """An MLflow run, through MLflow's client (MlflowClient)."""
    from mllab.trackers.mlflow import MlflowTracker

    return MlflowTracker(target, experiment=experiment, run_name=run_name, run_id=(resume or {}).get("run_id"))


__all__ = ["TRACKERS", "MissingExtraError", "Tracker", "TrackerError", "open_mlflow", "open_tensorboard"]
