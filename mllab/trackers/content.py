"""What mllab sends to a tracker for one run, named once for every tracker (TensorBoard, MLflow).

- per-epoch scalars under their ``metrics.jsonl`` names (``val_accuracy``), at step = epoch;
- final metrics (``summary.json``'s ``final``) as ``<name>/final``, at the last epoch, so they sit beside the
  curve of the same name and never mix into it;
- hyper-parameters: the run's config flattened to the ``key=value`` override keys (``training.epochs``);
- tags: recipe, experiment, seed, group, model, dataset, status.

Every name and value comes from a run folder, which may be hostile: names are cut to what the trackers accept
(MLflow: letters, digits, ``_ - . / space``, 250 characters), values to 6 000 characters.

>>> epoch_scalars({"epoch": 3, "val_accuracy": 0.9, "note": None})
{'val_accuracy': 0.9}
>>> final_name("test_accuracy")
'test_accuracy/final'
>>> hyperparameters({"training": {"epochs": 3, "augment": {"flip": False}}, "data": {"transforms": ["scale"]}})
{'training.epochs': 3, 'training.augment.flip': False, 'data.transforms': '["scale"]'}
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from mllab.core.config import flatten

MAX_NAME = 250  # MLflow's limit on a metric, param or tag key
MAX_VALUE = 6000  # MLflow's limit on a param value
TAG_KEYS = ("recipe", "experiment", "seed", "group", "model", "dataset", "status")
_NOT_A_NAME_CHAR = re.compile(r"[^\w\-. /]", re.ASCII)


def name(text: str) -> str:
    """``text`` as a metric, parameter or tag name every tracker accepts."""
    return _NOT_A_NAME_CHAR.sub("_", str(text))[:MAX_NAME] or "_"


def final_name(metric: str) -> str:
    """The name a final metric (``summary.json``) is logged under."""
    return f"{name(metric)[:MAX_NAME - 6]}/final"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def epoch_scalars(record: dict[str, Any]) -> dict[str, float]:
    """The numbers of one ``metrics.jsonl`` line but its epoch (null, NaN and inf left out)."""
    scalars = {name(k): _number(v) for k, v in record.items() if k != "epoch"}
    return {k: v for k, v in scalars.items() if v is not None}


def final_scalars(final: dict[str, Any]) -> dict[str, float]:
    """``summary.json``'s final metrics under their :func:`final_name`."""
    scalars = {final_name(k): _number(v) for k, v in final.items()}
    return {k: v for k, v in scalars.items() if v is not None}


def _value(value: Any) -> bool | int | float | str:
    if isinstance(value, (bool, int, float, str)) and not (isinstance(value, float) and not math.isfinite(value)):
        return value[:MAX_VALUE] if isinstance(value, str) else value
    return json.dumps(value, default=str, separators=(",", ":"))[:MAX_VALUE]


def hyperparameters(config: dict[str, Any]) -> dict[str, bool | int | float | str]:
    """The config flattened to override keys; lists, None and other values as compact JSON text."""
    return {name(k): _value(v) for k, v in flatten(config).items()}


def run_tags(config: dict[str, Any], summary: dict[str, Any], group: str) -> dict[str, str]:
    """The tags a run is found by: recipe, experiment, seed, group, model, dataset, status (those it has)."""
    model, data = config.get("model"), config.get("data")
    found = {"recipe": config.get("recipe"), "experiment": config.get("experiment"), "seed": config.get("seed"),
             "group": group, "model": model.get("name") if isinstance(model, dict) else None,
             "dataset": data.get("name") if isinstance(data, dict) else None, "status": summary.get("status")}
    return {k: str(v)[:MAX_VALUE] for k, v in found.items() if v is not None}
