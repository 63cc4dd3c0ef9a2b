"""Runs: the run folder (the unit of record), the run index, liveness, predictions, and ``load_run``.

Everything a report, an explanation or a later evaluation needs is read back
from a run folder through this package; it imports only the layers below it
(core, data, models, scratch, train).
"""

from mllab.core.exports import passthrough

__all__ = ["Run", "load_run"]
__getattr__, __dir__ = passthrough(globals(), {"Run": "mllab.runs.load", "load_run": "mllab.runs.load"})
