"""``training.log: [tensorboard, mlflow]``: each epoch's metrics sent to the trackers while the run trains.

A :class:`~mllab.training.features.TrainingFeature`: the run's trackers (:class:`~mllab.trackers.live.LiveLog`,
opened by the runner before training, so a missing package stops the run before it starts) get each
epoch's ``metrics.jsonl`` line as it is written. The final metrics and figures follow when the run ends
(:func:`mllab.runs.export.finish_live_log`), for every engine.

>>> from mllab.training.config import TrainingConfig
>>> type(live_tracking(TrainingConfig(log=["tensorboard"]))).__name__, live_tracking(TrainingConfig())
('LiveTracking', None)
"""

from __future__ import annotations

from typing import Any

from mllab.training.features import FEATURES, TrainingFeature


class LiveTracking(TrainingFeature):
    def __init__(self, training):
        self.training, self.live = training, None

    def on_fit_start(self, trainer, train, val) -> None:
        if trainer.run is not None:  # a trainer without a run folder (a probe) has nothing to log
            from mllab.trackers.live import LiveLog

            self.live = LiveLog(trainer.run.path, self.training, trainer.cfg.model_dump(mode="json"))

    def on_epoch_end(self, trainer, record: dict[str, Any]) -> None:
        if self.live is not None:
            self.live.epoch(record)

    def on_fit_end(self, trainer) -> None:
        if self.live is not None:
            self.live.close()


@FEATURES.register("training.log", order=95)
def live_tracking(training):
    """Send each epoch's metrics to TensorBoard or MLflow while training (training.log_dir, training.mlflow_uri)."""
    return LiveTracking(training) if training.log else None
