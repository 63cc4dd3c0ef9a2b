"""Tables over seeds: mean, sample std (ddof=1) and the best seed of every final metric (report 003's format;
the best is the lowest loss, the highest accuracy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mllab.core.files import atomic_write_text
from mllab.core.table import Table, number
from mllab.runs.published import dataset_note, lookup, published_text, run_metric
from mllab.runs.seed_stats import STD_DDOF, STD_LABEL, best_over_seeds, summarize


def aggregate(summaries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{metric: {mean, std, max, min, n}}`` over completed runs; std is the sample std (ddof=1; None for
    one seed), as the reports publish it."""
    done = [s for s in summaries if s.get("status") == "completed"]
    metrics = sorted({k for s in done for k in s.get("final", {})})
    table = {m: summarize([s["final"][m] for s in done if m in s["final"]]) for m in metrics}
    for m in ("wall_seconds", "cpu_seconds"):
        values = [s[m] for s in done if m in s]
        if values:
            table[m] = summarize(values)
    return table


def published_vs_measured(ids: list[str], table: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    rows = []
    for row in lookup(ids):
        rows.append({"id": row["id"], "dataset": row["dataset"], "model": row["model"], "metric": row["metric"],
                     "published": row.get("value"), "published_std": row.get("std"),
                     "measured": table.get(run_metric(row["metric"]))})
    return rows


def markdown_table(cfg, table: dict[str, dict[str, Any]], comparison: list[dict[str, Any]]) -> str:
    """``table.md``: the seed table, then published vs measured (with the dataset note) when there is one."""
    parts = [f"# {cfg.experiment}: {cfg.model.name} on {cfg.data.name}", "", seed_table(table).markdown()]
    if comparison:
        parts += ["", comparison_table(cfg.model.name, comparison).markdown()]
        note = dataset_note(cfg.data.name, [c["dataset"] for c in comparison], cfg.data.stands_in_for)
        if note:
            parts.append(f"\n{note}")
    return "\n".join(parts) + "\n"


def seed_table(table: dict[str, dict[str, Any]]) -> Table:
    """Each metric's mean, sample std, best seed and seed count, at the metric's precision."""
    rows = [[m, number(t["mean"], m), number(t["std"], m), number(best_over_seeds(m, t), m), t["n"]]
            for m, t in table.items()]
    return Table(["metric", "mean", STD_LABEL, "best seed", "n"], rows, right={"mean", STD_LABEL, "best seed"})


def comparison_table(model: str, comparison: list[dict[str, Any]]) -> Table:
    """Published vs this model's mean +- sample std, one row per published number."""
    measured = f"this {model} (mean +- {STD_LABEL})"
    rows = [[c["id"], c["model"], c["dataset"], c["metric"], published_text(c["published"], c.get("published_std")),
             mean_std(c["measured"], c["metric"])] for c in comparison]
    return Table(["published id", "published model", "dataset", "metric", "published", measured], rows,
                 right={"published", measured})


def mean_std(stats: dict[str, Any] | None, metric: str) -> str:
    """``mean +- std`` of a metric's seed statistics (``-`` when it was not measured)."""
    return f"{number(stats['mean'], metric)} +- {number(stats['std'], metric)}" if stats else "-"


def write_group(group: Path, cfg, summaries: list[dict[str, Any]]) -> dict[str, Any]:
    table = aggregate(summaries)
    comparison = published_vs_measured(cfg.published, table) if cfg.published else []
    result = {"group": str(group), "experiment": cfg.experiment, "model": cfg.model.name, "dataset": cfg.data.name,
              "stands_in_for": cfg.data.stands_in_for,
              "seeds": [s["seed"] for s in summaries], "runs": [s["path"] for s in summaries],
              "table": table, "std_ddof": STD_DDOF, "published_vs_measured": comparison, "summaries": summaries}
    group.mkdir(parents=True, exist_ok=True)
    atomic_write_text(group / "aggregate.json", json.dumps(result, indent=2))
    atomic_write_text(group / "table.md", markdown_table(cfg, table, comparison))
    return result
