"""Published numbers of the seed reports (a packaged copy of reference/published.yaml)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=1)
def published_rows() -> dict[str, dict[str, Any]]:
    text = resources.files("mllab.recipes").joinpath("published.yaml").read_text()
    return {row["id"]: row for row in yaml.safe_load(text)}


def lookup(ids: list[str]) -> list[dict[str, Any]]:
    """Rows for ``ids``; an unknown id is an error naming the known ones' prefix."""
    rows = published_rows()
    missing = [i for i in ids if i not in rows]
    if missing:
        raise KeyError(f"published ids {missing} are not in published.yaml ({len(rows)} rows, e.g. {next(iter(rows))})")
    return [rows[i] for i in ids]


def run_metric(metric: str) -> str:
    """The run's metric a published metric is compared with (the reports' ``psnr_db`` is our ``test_psnr``)."""
    return "test_psnr" if metric == "psnr_db" else metric


def published_text(value) -> str:
    """A published value as shown to users: the number, or a word for the reports' qualitative results."""
    return "qualitative (no number)" if value is None else str(value)
