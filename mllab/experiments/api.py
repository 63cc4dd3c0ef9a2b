"""The Python API's training entry point: ``mllab.train(recipe, overrides, seeds, out)``; ``mllab train`` calls it.

>>> import mllab
>>> group = mllab.train("demo", overrides=["training.epochs=1", "data.train_subset=300"], seeds=2, out="runs")
>>> group.path.parent.name, [run.summary["status"] for run in group.runs], group.table["test_accuracy"]["n"]
('demo', ['completed', 'completed'], 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Sequence

from mllab.core.allocator import give_back_memory, keep_memory
from mllab.experiments.recipes import config_for
from mllab.experiments.runner import run_group
from mllab.runs.load import Run, load_run


@dataclass
class Group:
    """A trained seed group: its folder, the table over seeds (mean, std, max per metric), published vs
    measured, and its runs (each a :class:`~mllab.runs.load.Run`: ``.path``, ``.summary``, ``.model()``; loaded
    on first use). ``record`` is the group's ``aggregate.json`` as written (seeds, summaries, its report)."""

    path: Path
    table: dict[str, dict[str, float]]
    published_vs_measured: list[dict[str, Any]]
    record: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def runs(self) -> list[Run]:
        return [load_run(p) for p in self.record.get("runs", [])]


def train(recipe: str, overrides: Sequence[str] = (), seeds: int | None = None, out: str | Path | None = None,
          quiet: bool = True, jobs: int = 1, *, announce: Callable[[Path], None] | None = None) -> Group:
    """Train a recipe name or YAML file with ``key=value`` overrides, as ``mllab train`` does.

    ``seeds``: how many seeds (default: the recipe's); ``out``: the runs folder (default: ``output.root``);
    ``jobs``: seeds trained in parallel processes; ``announce(folder)``: called once the group's folder exists
    (``mllab train`` names it when interrupted).
    """
    keep_memory()  # the allocator mllab trains with; its memory goes back when training is over
    cfg = config_for(str(recipe), list(overrides) + ([f"seeds={seeds}"] if seeds else []))
    try:
        result = run_group(cfg, root=out, quiet=quiet, jobs=jobs, announce=announce)
    finally:
        give_back_memory()
    return Group(Path(result["group"]), result["table"], result["published_vs_measured"], result)
