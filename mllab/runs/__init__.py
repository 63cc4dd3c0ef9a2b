"""Runs: the run folder (the unit of record), the run index, liveness, predictions, and ``load_run``.

Everything a report, an explanation or a later evaluation needs is read back
from a run folder through this package; it imports only the layers below it
(core, data, models, scratch, train).
"""
