"""Sweeps: a grid of settings x seeds, each trial a normal run folder, on local processes or a Ray cluster.

::

    runs/<experiment>/sweep-<recipe>-<hash>/
        sweep.yaml               the command's recipe, overrides, grid, seeds; every trial with its id; status
        table.md, .csv, .html    one row per setting: mean, sample std, best seed; the chosen setting marked
        report.html
        <setting>/               a seed group (group.yaml, aggregate.json, report.html)
            seed<k>/             a run folder

>>> from mllab.sweep.plan import parse_grid
>>> parse_grid(["optimizer.lr=0.1,0.01"])
{'optimizer.lr': ['0.1', '0.01']}
"""

from mllab.core.exports import passthrough

__all__ = ["run_sweep"]
__getattr__, __dir__ = passthrough(globals(), {"run_sweep": "mllab.sweep.sweep"})
