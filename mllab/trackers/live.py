"""``training.log``: a run's trackers while it trains, and what opens them again (``RUN/trackers.json``).

``trackers.json`` keeps, per tracker, what reopens its run (the MLflow run id, the TensorBoard folder) and the
last epoch sent, so a resumed run goes on in the same MLflow run, and the end of a run
(:func:`mllab.runs.export.finish_live_log`) sends only what was not sent live: for the NumPy and classical
engines, which train without the torch trainer, that is every epoch.

Where each tracker writes (the ``training`` config section):

- tensorboard: ``training.log_dir/<experiment>/<group>/seed<k>``, or, without ``log_dir``, ``RUN/tensorboard``
  (so ``tensorboard --logdir runs`` shows every run);
- mlflow: ``training.mlflow_uri``, or MLflow's own default (``MLFLOW_TRACKING_URI``).

A tracker that fails while the run trains is reported once (a warning) and not sent to again: the run folder
stays the record, and ``mllab export`` sends it later.

>>> run_label(Path("runs/demo/20260101-000000-small_cnn-1e76/seed0"))
'demo/20260101-000000-small_cnn-1e76/seed0'
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from mllab.core.files import atomic_write_text
from mllab.trackers import TRACKERS
from mllab.trackers.base import Tracker, TrackerError
from mllab.trackers.content import epoch_scalars, hyperparameters, run_tags

log = logging.getLogger(__name__)
STATE_FILE = "trackers.json"
MAX_STATE_BYTES = 64 << 10


def run_label(run_path: Path) -> str:
    """``<experiment>/<group>/seed<k>``: the run's name in a tracker (the last three folders of its path)."""
    return "/".join(Path(run_path).absolute().parts[-3:])


def target(kind: str, training, run_path: Path) -> str | None:
    """Where ``kind`` writes for this run, from the ``training`` config section."""
    if kind == "tensorboard":
        folder = Path(training.log_dir) / run_label(run_path) if training.log_dir else Path(run_path) / "tensorboard"
        return str(folder.absolute())  # the same folder when the run is resumed from elsewhere
    return training.mlflow_uri


def read_state(path: Path) -> dict[str, Any]:
    """``trackers.json`` ({} when there is none); a damaged one is a :class:`TrackerError` naming it."""
    if not path.is_file():
        return {}
    with open(path, "rb") as f:
        data = f.read(MAX_STATE_BYTES + 1)
    try:
        state = json.loads(data) if len(data) <= MAX_STATE_BYTES else None
    except ValueError:
        state = None
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        raise TrackerError(f"{path}: expected a JSON object of trackers (at most {MAX_STATE_BYTES} bytes), found "
                           f"something else: delete it (the run's next trackers start new runs)")
    return state


class LiveLog:
    """The trackers ``training.log`` names for one run, opened where the run left them.

    ``config`` is the run's config as plain data (its hyper-parameters and tags are sent once, when a
    tracker's run is new)."""

    def __init__(self, run_path: Path, training, config: dict[str, Any]):
        self.path = Path(run_path) / STATE_FILE
        self.state = read_state(self.path)
        self.trackers: dict[str, Tracker] = {}
        for kind in training.log:
            where = target(kind, training, run_path)
            entry = self.state.get(kind) if self.state.get(kind, {}).get("target") == where else None
            tracker = TRACKERS.get(kind)(where, experiment=str(config.get("experiment")),
                                         run_name=run_label(run_path), resume=entry)
            if entry is None:
                tracker.start(hyperparameters(config), run_tags(config, {}, Path(run_path).parent.name))
                entry = {"target": where, "epochs": 0}
            self.state[kind] = {**entry, **tracker.ref()}
            self.trackers[kind] = tracker
        self._save()

    def sent(self, kind: str) -> int:
        """The last epoch sent to ``kind``."""
        epochs = self.state[kind].get("epochs")
        return epochs if isinstance(epochs, int) else 0

    def epoch(self, record: dict[str, Any]) -> None:
        """Send one ``metrics.jsonl`` line to every tracker that has not had it."""
        for kind, tracker in list(self.trackers.items()):
            if record["epoch"] > self.sent(kind):
                self.send(kind, tracker.scalars, record["epoch"], epoch_scalars(record))
                self.state[kind]["epochs"] = record["epoch"]
        self._save()

    def send(self, kind: str, send, *args) -> None:
        """``send(*args)``; a tracker that fails is warned about once and let go (the run goes on)."""
        try:
            send(*args)
        except TrackerError as err:
            log.warning("training.log: %s stopped (%s); the run goes on: 'mllab export' sends it later", kind, err)
            self.trackers.pop(kind)

    def close(self, status: str | None = None) -> None:
        """Flush every tracker; with a ``status`` (the run has ended) mark its run ended too."""
        for kind, tracker in list(self.trackers.items()):
            self.send(kind, tracker.close, status)

    def _save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.state, indent=1))
