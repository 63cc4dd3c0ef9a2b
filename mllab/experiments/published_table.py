"""Published vs measured over a whole runs folder: one row per (seed group, published number).

Every seed group (``runs/<experiment>/<group>/aggregate.json``) whose recipe
names rows of ``published.yaml`` gives one row per row named: the published
mean +- std over its runs, ours over the group's seeds, their difference and
Welch's t-test p-value (only where both are on the same dataset), the epochs
trained against the recipe's, the time per seed and the command that rebuilds
the group. Everything is read back from the run folders, so the table in
``bench/RESULTS.md`` can be rebuilt by anyone who has them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mllab.core.config import flatten
from mllab.core.table import Table, number
from mllab.core.yamlfile import read_yaml
from mllab.runs.config import NOT_SETTINGS
from mllab.runs.published import published_rows, published_text, run_metric
from mllab.runs.seed_stats import best_over_seeds, read_aggregate


@dataclass(frozen=True)
class Row:
    experiment: str
    published_id: str
    metric: str
    published: float | None
    published_std: float | None
    published_n: int | None
    ours: float
    ours_std: float | None  # the sample std over seeds (None for one seed)
    ours_best: float        # the best seed (the highest accuracy or PSNR, the lowest loss)
    seeds: int
    dataset: str
    published_dataset: str
    epochs: str
    seconds_per_seed: float
    command: str
    group: str

    @property
    def comparable(self) -> bool:
        return self.dataset == self.published_dataset and self.published is not None

    @property
    def p_value(self) -> float | None:
        """Welch's t-test of ours against the published runs (both stds are sample stds), when defined."""
        if not self.comparable or not self.published_std or not self.published_n or self.published_n < 2 \
                or self.seeds < 2 or self.ours_std is None:
            return None
        from scipy.stats import ttest_ind_from_stats

        return float(ttest_ind_from_stats(self.ours, self.ours_std, self.seeds, self.published,
                                          self.published_std, self.published_n, equal_var=False).pvalue)


def find_groups(root: Path) -> list[Path]:
    """Seed-group folders under ``root`` (oldest first by folder name, which starts with the time)."""
    if not root.is_dir():
        raise FileNotFoundError(f"runs folder {root} does not exist: train a recipe first "
                                f"(mllab train RECIPE) or pass --root")
    return sorted((p.parent for p in root.glob("*/*/aggregate.json")), key=lambda g: (g.name, g.parent.name))


def group_rows(group: Path) -> list[Row]:
    """The rows of one seed group (none when it refers to no published number or no seed completed)."""
    agg = read_aggregate(group / "aggregate.json")
    done = [s for s in agg["summaries"] if s.get("status") == "completed"]
    if not agg.get("published_vs_measured") or not done:
        return []
    config = group / Path(agg["runs"][0]).name / "config.yaml"  # under the group: the folder may have moved
    cfg = read_yaml(config)
    epochs, command = epochs_text(cfg, done), rebuild_command(cfg, config, len(agg["runs"]))
    known = published_rows()
    rows = []
    for comp in agg["published_vs_measured"]:
        ours = agg["table"].get(run_metric(comp["metric"]))
        if not ours:
            continue
        ref = known.get(comp["id"], {})
        rows.append(Row(
            experiment=agg["experiment"], published_id=comp["id"], metric=comp["metric"], published=comp["published"],
            published_std=comp.get("published_std"), published_n=ref.get("runs"),
            ours=ours["mean"], ours_std=ours["std"], ours_best=best_over_seeds(run_metric(comp["metric"]), ours), seeds=ours["n"],
            dataset=agg["dataset"], published_dataset=comp["dataset"],
            epochs=epochs, seconds_per_seed=statistics.median(s["wall_seconds"] for s in done),
            command=command, group=str(group)))
    return rows


def epochs_text(cfg: dict[str, Any], done: list[dict[str, Any]]) -> str:
    """Epochs trained, with the recipe's own count when fewer ran ('5 of 40'); '-' for models fitted without epochs."""
    trained = max(int(s.get("epochs_done") or 0) for s in done)
    if not trained:
        return "-"
    planned = _recipe_epochs(cfg)
    return f"{trained} of {planned}" if planned and planned != trained else str(trained)


def _recipe_epochs(cfg: dict[str, Any]) -> int | None:
    from mllab.experiments.recipes import config_for

    recipe = cfg.get("recipe")
    if not recipe:
        return None
    try:
        return config_for(recipe).training.epochs
    except (KeyError, ValueError, FileNotFoundError):  # the recipe was renamed or its file moved
        return None


def rebuild_command(cfg: dict[str, Any], config: Path, seeds: int) -> str:
    """``mllab train`` with the recipe and overrides the run recorded (its ``config`` file for older runs),
    plus ``key=value`` for each setting the recipe has changed since (say, its epochs)."""
    source = cfg.get("recipe") or str(config)
    overrides = list(cfg.get("overrides") or []) + recipe_drift(cfg)
    return f"mllab train {source} --seeds {seeds}" + (f" {' '.join(overrides)}" if overrides else "")


def recipe_drift(cfg: dict[str, Any]) -> list[str]:
    """``key=value`` overrides that bring the recipe as it is now back to the run's recorded config."""
    from mllab.experiments.recipes import config_for

    if not cfg.get("recipe"):
        return []
    try:
        now = config_for(cfg["recipe"], list(cfg.get("overrides") or []))
    except (KeyError, ValueError, FileNotFoundError):  # the recipe was renamed or its file moved
        return []
    ran, current = flatten(cfg), flatten(yaml.safe_load(now.to_yaml()))
    if cfg.get("data", {}).get("stands_in_for"):  # the runner swapped the dataset (and cleared the stand-ins it
        # had to choose from): not a recipe change, and the recipe's own stand-ins choose it again
        ran = {k: v for k, v in ran.items() if k not in ("data.name", "data.stand_in", "data.stands_in_for")}
    return [f"{key}={_value(value)}" for key, value in sorted(ran.items())
            if key not in NOT_SETTINGS and key in current and current[key] != value]


def _value(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()


def collect(root: Path, experiment: str | None = None, min_seeds: int = 1, latest: bool = False) -> list[Row]:
    """All rows under ``root``, in published.yaml's order; ``latest`` keeps the newest group per experiment and
    published id (a "best" recipe and the faithful one it beats both keep their row)."""
    groups = [g for g in find_groups(root) if experiment is None or g.parent.name == experiment]
    rows = [r for g in groups for r in group_rows(g) if r.seeds >= min_seeds]
    if latest:
        newest = {(r.experiment, r.published_id): r for r in rows}  # groups are oldest first, so the last one wins
        rows = list(newest.values())
    order = {pid: k for k, pid in enumerate(published_rows())}
    return sorted(rows, key=lambda r: order.get(r.published_id, len(order)))


HEADER = ["experiment", "published id", "published (mean +- std, runs)",
          "ours (mean +- sample std, seeds; best seed)", "ours - published", "Welch p", "epochs", "s per seed",
          "dataset", "command"]


def table(rows: list[Row]) -> Table:
    """The rows as a :class:`~mllab.core.table.Table` (numbers at their metric's precision)."""
    cells = [[r.experiment, r.published_id, _published_cell(r), _ours_cell(r),
              number(r.ours - r.published, r.metric, signed=True) if r.comparable else "not comparable",
              r.p_value, r.epochs, round(r.seconds_per_seed),
              r.dataset if r.dataset == r.published_dataset else f"{r.dataset} (published: {r.published_dataset})",
              f"`{r.command}`"] for r in rows]
    return Table(HEADER, cells, right=set(HEADER[2:8]))


def markdown(rows: list[Row]) -> str:
    return table(rows).markdown() + "\n"


def _ours_cell(r: Row) -> str:
    if r.seeds == 1:
        return f"{number(r.ours, r.metric)} (1 seed)"
    return (f"{number(r.ours, r.metric)} +- {number(r.ours_std, r.metric)} ({r.seeds}; "
            f"{number(r.ours_best, r.metric)})")


def _published_cell(r: Row) -> str:
    if r.published is None:
        return "qualitative"
    return published_text(r.published, r.published_std) + (f" ({r.published_n})" if r.published_n else "")
