"""Runs: the run folder (the unit of record), the run index, liveness, predictions, and ``load_run``.

Everything a report, an explanation or a later evaluation needs is read back
from a run folder through this package; it imports only the layers below it
(core, data, models, scratch, train).

>>> import mllab
>>> from mllab.runs import load_run
>>> group = mllab.train("demo", overrides=["training.epochs=1", "data.train_subset=300"], seeds=1, out="runs")
>>> run = load_run(group.runs[0].path)  # runs/demo/<group>/seed0
>>> run.summary["status"], [m["epoch"] for m in run.metrics]
('completed', [1])
>>> run.predict_proba(mllab.load_dataset("digits").test.x[:2]).shape
(2, 10)
"""

from mllab.core.exports import passthrough

__all__ = ["Run", "load_run"]
__getattr__, __dir__ = passthrough(globals(), {"Run": "mllab.runs.load", "load_run": "mllab.runs.load"})
