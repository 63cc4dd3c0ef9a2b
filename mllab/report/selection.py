"""How a sweep chooses its best setting: the mean over seeds of a validation metric, never a test one.

Choosing a setting by its test score and then reporting that score is the
classic leak (the reports' methodology, and ours: "choose on a validation split
cut from train"). So ``--metric`` refuses ``test_*``; without it a sweep chooses
on the first of ``DEFAULTS`` its trials recorded; a sweep whose trials have no
validation split chooses nothing and says how to get one. ``sweep.yaml`` keeps
what was asked, so ``mllab report SWEEP`` rebuilds the same choice.

>>> requested("val_loss", None)
{'metric': 'val_loss', 'mode': 'min'}
>>> resolve({"metric": None, "mode": None}, {"test_accuracy", "val_accuracy", "val_loss"})
Choice(metric='val_accuracy', mode='max', note='')
>>> choose([(0, 0.91), (1, 0.95)], "max"), choose([(0, 0.3), (1, 0.2)], "min"), choose([], "max")
(1, 1, None)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from mllab.core.errors import ConfigError
from mllab.runs.seed_stats import higher_is_better

DEFAULTS = (("val_accuracy", "max"), ("val_psnr", "max"), ("val_loss", "min"))
MODES = ("max", "min")
VAL_HINT = ("give the trials a validation split cut from train (data.val_fraction=0.1) to choose one, "
            "or --metric with a validation metric they record")


class Choice(NamedTuple):
    metric: str | None  # None: no setting is chosen (note says why)
    mode: str | None
    note: str


def requested(metric: str | None, mode: str | None) -> dict[str, Any]:
    """``--metric``/``--mode`` checked (before anything runs) and as ``sweep.yaml`` keeps them.

    A test metric is refused; the mode defaults to the metric's own direction (min for losses)."""
    if mode is not None and mode not in MODES:
        raise ConfigError(f"--mode {mode!r}: expected max or min")
    if metric is None:
        if mode is not None:
            raise ConfigError(f"--mode {mode} needs --metric (the default metric has its own direction)")
        return {"metric": None, "mode": None}
    if metric.startswith("test_"):
        raise ConfigError(f"--metric {metric}: a sweep must not choose its setting on the test split (the chosen "
                          f"setting's test score would then overstate it); choose on a validation metric, e.g. "
                          f"--metric val_{metric[5:]} (data.val_fraction > 0)")
    if not metric or not metric.replace("_", "").isalnum():
        raise ConfigError(f"--metric {metric!r}: expected a metric name the trials record, e.g. val_accuracy")
    return {"metric": metric, "mode": mode or ("max" if higher_is_better(metric) else "min")}


def resolve(asked: dict[str, Any] | None, recorded: Iterable[str]) -> Choice:
    """The metric and mode that choose, given what was asked and the metrics the settings recorded."""
    recorded = set(recorded)
    asked = asked or {"metric": None, "mode": None}
    metric = asked.get("metric")
    if metric and str(metric).startswith("test_"):  # a sweep.yaml edited by hand: still not on the test split
        return Choice(None, None, f"No setting is chosen: {metric} is a test metric; {VAL_HINT}.")
    if metric:
        if metric in recorded:
            return Choice(metric, asked.get("mode") or ("max" if higher_is_better(metric) else "min"), "")
        return Choice(None, None, f"No setting is chosen: no trial recorded {metric} "
                                  f"(recorded: {', '.join(sorted(recorded)) or 'nothing yet'}); {VAL_HINT}.")
    for metric, mode in DEFAULTS:
        if metric in recorded:
            return Choice(metric, mode, "")
    if not recorded:
        return Choice(None, None, "No setting is chosen: no trial has finished yet.")
    return Choice(None, None, f"No setting is chosen: the trials have no validation split, and a test metric must "
                              f"not choose; {VAL_HINT}.")


def choose(means: list[tuple[int, float]], mode: str | None) -> int | None:
    """The index whose mean is best in ``mode`` (the first on a tie); None without means."""
    if not means or mode not in MODES:
        return None
    pick = max if mode == "max" else min
    return pick(means, key=lambda p: p[1])[0]


def described(choice: Choice) -> str:
    """One sentence for the tables and pages."""
    if choice.metric is None:
        return choice.note
    direction = "highest" if choice.mode == "max" else "lowest"
    return (f"The best setting (marked) has the {direction} mean {choice.metric} over its seeds; its test "
            f"metrics are reported, never chosen on.")
