"""What a recipe costs: CPU minutes per seed, measured on a named machine (``mllab/recipes/costs.yaml``).

``bench/recipe_costs.py`` writes the table: where a recipe's seeds were run it records their median CPU
time (``method: run``); otherwise, for a network recipe it times real
training steps and evaluation rows of the recipe's own data and model at one
thread (process CPU time, so other jobs on the machine change it little) and
multiplies by the recipe's steps and epochs; for a classical recipe it fits
the estimator once, or, past two minutes, on two fractions of the rows and
extrapolates (``method: scaled``). ``mllab recipes list`` shows the number
beside the epochs and seeds, so nobody starts a 5-seed, 80-epoch run by
accident.

>>> cost_text({"cpu_seconds": 95.0, "method": "steps"})
'~1.6 CPU-min'
>>> cost_text(None)
'? (not measured)'
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from mllab.core.yamlfile import packaged_yaml

COSTS_FILE = "costs.yaml"
ESTIMATES = ("steps", "scaled")  # methods whose number is extrapolated, not one whole seed timed


@lru_cache(maxsize=1)
def cost_table() -> dict[str, Any]:
    """The packaged table: ``{"machine": ..., "recipes": {name: {cpu_seconds, method, ...}}}`` ({} if absent)."""
    path = resources.files("mllab.recipes").joinpath(COSTS_FILE)
    return (packaged_yaml(path.read_text()) or {}) if path.is_file() else {}


def recipe_cost(name: str) -> dict[str, Any] | None:
    """The measured cost of one seed of recipe ``name``, or None when it was not measured."""
    return cost_table().get("recipes", {}).get(name)


def cost_text(cost: dict[str, Any] | None) -> str:
    """``~N CPU-min`` per seed (``~`` for estimates: timed steps, scaled fits), or why there is no number."""
    if not cost:
        return "? (not measured)"
    if cost.get("cpu_seconds") is None:
        return cost.get("note", "?")
    minutes = cost["cpu_seconds"] / 60
    shown = f"{minutes:.1f}" if minutes < 10 else f"{minutes:.0f}"
    return f"{'~' if cost.get('method') in ESTIMATES else ''}{shown} CPU-min"
