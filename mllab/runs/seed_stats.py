"""Statistics over a group's seeds, and which way a metric improves.

The spread over seeds is the *sample* standard deviation (ddof=1), the one the
reports publish and Welch's test reads; with one seed it is not defined (None,
shown as "-"). An ``aggregate.json`` without ``std_ddof: 1`` was written
before that and holds the population std (ddof=0): :func:`read_aggregate`
converts it, so old run folders give the same tables as new ones.

>>> round(summarize([1.0, 3.0])["std"], 4), summarize([1.0])["std"]
(1.4142, None)
>>> higher_is_better("val_accuracy"), higher_is_better("test_loss"), best_over_seeds("test_loss", {"min": 1, "max": 2})
(True, False, 1)
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mllab.core.errors import NotARunError

STD_DDOF = 1
STD_LABEL = "std (n-1)"  # how tables head the spread column: the sample std
LOWER_IS_BETTER = ("loss", "mse", "mae", "error", "seconds")  # metric name endings


def higher_is_better(metric: str) -> bool:
    """Accuracy, PSNR, F1: higher; losses, errors and times: lower."""
    return not metric.endswith(LOWER_IS_BETTER)


def summarize(values) -> dict[str, Any]:
    """``{mean, std, max, min, n}`` of one metric over seeds; ``std`` is the sample std (None for one seed)."""
    v = np.asarray(values, dtype=float)
    std = float(v.std(ddof=STD_DDOF)) if len(v) > 1 else None
    return {"mean": float(v.mean()), "std": std, "max": float(v.max()), "min": float(v.min()), "n": int(len(v))}


def best_over_seeds(metric: str, stats: dict[str, Any]) -> float:
    """The best seed's value in the metric's own direction (the lowest loss, the highest accuracy)."""
    return stats["max"] if higher_is_better(metric) else stats["min"]


def _sample_std(stats: dict[str, Any] | None) -> dict[str, Any] | None:
    """One table entry written with the population std, with the sample std instead."""
    if not stats or "n" not in stats:
        return stats
    n, std = int(stats["n"]), stats.get("std")
    return {**stats, "std": std * math.sqrt(n / (n - 1)) if n > 1 and std is not None else None}


def upgrade(agg: dict[str, Any]) -> dict[str, Any]:
    """An ``aggregate.json`` dict with sample stds, whichever mllab wrote it."""
    if agg.get("std_ddof") == STD_DDOF:
        return agg
    table = {m: _sample_std(t) for m, t in agg.get("table", {}).items()}
    comparison = [{**c, "measured": _sample_std(c.get("measured"))} for c in agg.get("published_vs_measured", [])]
    return {**agg, "table": table, "published_vs_measured": comparison, "std_ddof": STD_DDOF}


def read_aggregate(path: Path) -> dict[str, Any]:
    """A group's ``aggregate.json``, its stds the sample stds; a damaged file is one error naming it."""
    path = Path(path)
    try:
        agg = json.loads(path.read_text())
    except (UnicodeDecodeError, ValueError) as err:
        raise NotARunError(f"{path}: not a readable aggregate.json ({err}); rebuild it by running the group's "
                           f"command again (finished seeds are kept)") from None
    problem = _aggregate_problem(agg)
    if problem:
        raise NotARunError(f"{path}: expected a JSON object with a 'table' of metrics ({problem}); rebuild it by "
                           f"running the group's command again (finished seeds are kept)")
    return upgrade(agg)


def _aggregate_problem(agg: Any) -> str | None:
    """What an ``aggregate.json`` lacks that the pages read, or None (keys older files lack may be absent)."""
    if not isinstance(agg, dict) or not isinstance(agg.get("table"), dict):
        return f"found {type(agg).__name__}" if not isinstance(agg, dict) else "no 'table' object"
    for metric, t in agg["table"].items():
        if not _stats_ok(t, n_needed=True):
            return f"table entry {str(metric)[:40]!r} is not {{mean, std, max, min, n}} numbers"
    if not isinstance(agg.get("seeds", []), list) or not isinstance(agg.get("summaries", []), list) or \
            not all(isinstance(s, dict) for s in agg.get("summaries", [])):
        return "'seeds' or 'summaries' is not a list (of objects)"
    comparison = agg.get("published_vs_measured", [])
    if not isinstance(comparison, list) or not all(
            isinstance(c, dict) and {"id", "dataset", "metric", "published"} <= set(c)
            and (c.get("measured") is None or _stats_ok(c["measured"], n_needed=False)) for c in comparison):
        return "'published_vs_measured' is not a list of {id, dataset, metric, published, measured}"
    return None


def _number(v: Any, none_ok: bool = False) -> bool:
    return (v is None and none_ok) or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _stats_ok(t: Any, n_needed: bool) -> bool:
    return isinstance(t, dict) and _number(t.get("mean")) and _number(t.get("std"), none_ok=True) and (
        not n_needed or (all(_number(t.get(k)) for k in ("max", "min")) and type(t.get("n")) is int and t["n"] >= 0))
