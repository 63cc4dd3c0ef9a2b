"""Tables over seeds: mean, sample std (ddof=1) and the best seed of every final metric (report 003's format;
the best is the lowest loss, the highest accuracy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mllab.core.files import atomic_write_text
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


def _num(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def markdown_table(cfg, table: dict[str, dict[str, Any]], comparison: list[dict[str, Any]]) -> str:
    lines = [f"# {cfg.experiment}: {cfg.model.name} on {cfg.data.name}", "",
             f"| metric | mean | {STD_LABEL} | best seed | n |", "|---|---:|---:|---:|---:|"]
    for m, t in table.items():
        lines.append(f"| {m} | {t['mean']:.4f} | {_num(t['std'], '.4g')} | {best_over_seeds(m, t):.4f} | {t['n']} |")
    if comparison:
        lines += ["", "| published id | published model | dataset | metric | published "
                      f"| this {cfg.model.name} (mean +- {STD_LABEL}) |",
                  "|---|---|---|---|---:|---:|"]
        for c in comparison:
            ours = c["measured"]
            measured = f"{ours['mean']:.4f} +- {_num(ours['std'], '.4f')}" if ours else "-"
            lines.append(f"| {c['id']} | {c['model']} | {c['dataset']} | {c['metric']} "
                         f"| {published_text(c['published'], c.get('published_std'))} | {measured} |")
        note = dataset_note(cfg.data.name, [c["dataset"] for c in comparison], cfg.data.stands_in_for)
        if note:
            lines.append(f"\n{note}")
    return "\n".join(lines) + "\n"


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
