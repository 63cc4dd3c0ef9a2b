"""Published numbers of the seed reports (a packaged copy of reference/published.yaml)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from mllab.core.yamlfile import packaged_yaml


@lru_cache(maxsize=1)
def published_rows() -> dict[str, dict[str, Any]]:
    text = resources.files("mllab.recipes").joinpath("published.yaml").read_text()
    return {row["id"]: row for row in packaged_yaml(text)}


def lookup(ids: list[str]) -> list[dict[str, Any]]:
    """Rows for ``ids``; an unknown id is an error naming the known ones' prefix."""
    rows = published_rows()
    missing = [i for i in ids if i not in rows]
    if missing:
        raise KeyError(f"published ids {missing} are not in published.yaml ({len(rows)} rows, e.g. {next(iter(rows))})")
    return [rows[i] for i in ids]


def published_values(ids: list[str]) -> list[dict[str, Any]]:
    """What a run's summary keeps of each published row it refers to (the number, its metric and dataset)."""
    return [{k: row.get(k) for k in ("id", "model", "dataset", "metric", "value", "std")} for row in lookup(ids)]


def run_metric(metric: str) -> str:
    """The run's metric a published metric is compared with (the reports' ``psnr_db`` is our ``test_psnr``)."""
    return "test_psnr" if metric == "psnr_db" else metric


def published_text(value, std: float | None = None) -> str:
    """A published value as shown to users: the number (+- its std over the report's runs, when it gave one),
    or a word for the reports' qualitative results.

    >>> published_text(0.9901, 0.0008376), published_text(0.7825), published_text(None)
    ('0.9901 +- 0.0008', '0.7825', 'qualitative (no number)')
    """
    if value is None:
        return "qualitative (no number)"
    if std is None:
        return str(value)
    decimals = max(2, len(str(value).partition(".")[2]))  # as many as the value shows
    return f"{value} +- {std:.{decimals}f}"


def dataset_note(dataset: str, published_datasets: list[str], stands_in_for: str | None = None) -> str:
    """The sentence under a published-vs-measured table when some published rows are on another dataset ('' if none)."""
    if all(d == dataset for d in published_datasets):
        return ""
    instead = f", standing in for {stands_in_for} (its files are absent here)" if stands_in_for else ""
    return f"This run is on {dataset}{instead}: published values on another dataset are not comparable."
