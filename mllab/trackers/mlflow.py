"""One run in MLflow, through MLflow's client (``MlflowClient``; the ``mlflow-skinny`` package is enough).

The run goes into the MLflow experiment of the mllab experiment's name (made when missing). For a SQLite
tracking URI the experiment's artifacts (the figures) go beside the database, in ``mlartifacts/``, rather than
wherever the process happens to run.

>>> MlflowTracker("sqlite:////tmp/mlflow.db", experiment="demo", run_name="g/seed0")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from mllab.core.yamlfile import one_line
from mllab.trackers.base import Tracker, TrackerError, missing_extra

BATCH = 100  # MLflow's log_batch takes at most 100 params and 1 000 metrics a call
STATUS = {"completed": "FINISHED", "interrupted": "KILLED"}  # anything else: FAILED


def _client(uri: str | None):
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise missing_extra("mlflow", "mlflow-skinny") from None
    # MLflow's own INFO lines (creating a database) follow mllab's log level: shown with --verbose only
    logging.getLogger("mlflow").setLevel(max(logging.getLogger().getEffectiveLevel(), logging.INFO))
    with _errors(uri):
        return MlflowClient(tracking_uri=uri)


@contextmanager
def _errors(uri: str | None) -> Iterator[None]:
    """MLflow's exceptions (a bad URI, a server that does not answer, a refused value) as one line."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except (MlflowException, OSError) as err:
        raise TrackerError(f"mlflow {uri or '(default tracking URI)'}: {one_line(str(err), 200)}; check "
                           f"--out / training.mlflow_uri (e.g. sqlite:///mlflow.db)") from err


def artifact_location(uri: str | None) -> str | None:
    """``<database folder>/mlartifacts`` for a SQLite URI; None (MLflow's default) for any other.

    >>> artifact_location("sqlite:////data/mlflow.db")
    'file:///data/mlartifacts'
    """
    if not uri or not uri.startswith("sqlite:///"):
        return None
    return (Path(uri[len("sqlite:///"):]).absolute().parent / "mlartifacts").as_uri()


class MlflowTracker(Tracker):
    """A new MLflow run (or, given ``run_id``, that run again)."""

    kind = "mlflow"

    def __init__(self, uri: str | None, *, experiment: str, run_name: str, run_id: str | None = None):
        self.uri, self._client = uri, _client(uri)
        with _errors(uri):
            if run_id:
                self.run_id = self._client.get_run(run_id).info.run_id
                self._client.update_run(self.run_id, status="RUNNING")
            else:
                self.run_id = self._client.create_run(self._experiment(experiment), run_name=run_name).info.run_id

    def _experiment(self, name: str) -> str:
        found = self._client.get_experiment_by_name(name)
        return found.experiment_id if found else \
            self._client.create_experiment(name, artifact_location=artifact_location(self.uri))

    def ref(self) -> dict[str, Any]:
        return {"uri": self.uri, "run_id": self.run_id}

    def start(self, params: dict[str, Any], tags: dict[str, str]) -> None:
        from mlflow.entities import Param, RunTag

        items = [Param(k, str(v)) for k, v in params.items()]
        with _errors(self.uri):
            self._client.log_batch(self.run_id, tags=[RunTag(k, v) for k, v in tags.items()])
            for i in range(0, len(items), BATCH):
                self._client.log_batch(self.run_id, params=items[i:i + BATCH])

    def scalars(self, step: int, values: dict[str, float]) -> None:
        import time

        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k, v, now, step) for k, v in values.items()]
        with _errors(self.uri):
            for i in range(0, len(items), 10 * BATCH):
                self._client.log_batch(self.run_id, metrics=items[i:i + 10 * BATCH])

    def image(self, tag: str, png: bytes, step: int) -> None:
        folder, _, filename = tag.rpartition("/")
        with tempfile.TemporaryDirectory() as tmp, _errors(self.uri):
            path = Path(tmp) / f"{filename}.png"
            path.write_bytes(png)
            self._client.log_artifact(self.run_id, str(path), folder or None)

    def close(self, status: str | None = None) -> None:
        if status is None:
            return  # the client holds nothing open
        with _errors(self.uri):
            self._client.set_terminated(self.run_id, STATUS.get(status, "FAILED"))
