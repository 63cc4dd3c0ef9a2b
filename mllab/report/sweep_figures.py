"""A sweep page's figures: the settings' curves (mean +- sample std over seeds) and parallel coordinates over
the grid keys and the metric that chooses, drawn by plotly in the browser (brush an axis to select), and
as PNGs for a page without scripts.

>>> axis("optimizer.lr", ["0.001", "0.01", "0.1"], [0.01, 0.1])["ticktext"]
['0.001', '0.01', '0.1']
>>> axis("optimizer", ["adam", "sgd"], ["sgd", "sgd"])["values"]
[1, 1]
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from markupsafe import Markup

from mllab.report import figures, interactive, pages, plots
from mllab.runs.seed_stats import STD_LABEL

CURVES = ("val_accuracy", "train_loss", "val_loss", "val_psnr")


def curves(histories: list[tuple[str, list[list[dict[str, Any]]]]], path: Path, static: bool) -> Markup:
    """Each setting's per-epoch metrics: the mean over its seeds and a band of mean +- sample std."""
    png = figures.band_curves(histories, list(CURVES), path)  # drawn either way, for papers
    if png is None:
        return Markup("")
    text = f"Per-epoch metrics of each setting: the line is the mean over its seeds, the band mean +- {STD_LABEL}."
    shown = (pages.figure(png, text) if static else
             interactive.plot(plots.bands(histories, list(CURVES)),
                              text + " Hover for values, drag to zoom, click a setting to hide it."))
    return pages.join([pages.heading("Curves"), shown])


def parallel(grid: dict[str, list[str]], header: list[str], body: list[list[Any]], path: Path,
             static: bool) -> Markup:
    """One line per setting through its grid values to its mean of the first metric (the one that chooses)."""
    keys = list(grid)
    if not body or header[len(keys)] == "seeds":  # no metric in any setting yet
        return Markup("")
    metric = header[len(keys)].rsplit(" ", 1)[0]
    done = [r for r in body if r[len(keys)] is not None]
    if not done:
        return Markup("")
    text = (f"Each line is one setting, through its grid values to its mean {metric} over seeds; colour: {metric} "
            "(yellow highest, purple lowest)")
    score = [r[len(keys)] for r in done]
    png = _png(grid, done, score, f"{metric} (mean)", path)  # drawn either way, for papers
    if static:
        return pages.join([pages.heading("Parallel coordinates"), pages.figure(png, text + "; axes span their ranges.")]
                          ) if png else Markup("")
    dims = [axis(k, grid[k], [r[j] for r in done]) for j, k in enumerate(keys)]
    dims.append({"label": f"{metric} (mean)", "values": score})
    return pages.join([pages.heading("Parallel coordinates"),
                       interactive.plot(plots.parcoords(dims, score, metric),
                                        text + ". Drag along an axis to select a range (brushing); drag an axis "
                                        "title to reorder; click a selection to clear it.")])


def axis(key: str, grid_values: list[str], values: list[Any]) -> dict[str, Any]:
    """A parcoords dimension of a grid key: numbers as numbers (on a log scale, ticks at the grid's values,
    when they span two decades or more); texts at their position in the grid, ticked with their names."""
    numbers = [_float(v) for v in grid_values]
    if None not in numbers and all(n > 0 for n in numbers) and max(numbers) >= 100 * min(numbers):
        return {"label": f"{key} (log)", "values": [math.log10(float(v)) for v in values],
                "tickvals": [math.log10(n) for n in numbers], "ticktext": list(grid_values)}
    if None not in numbers:
        return {"label": key, "values": [float(v) for v in values]}
    return {"label": key, "values": [grid_values.index(str(v)) for v in values],
            "tickvals": list(range(len(grid_values))), "ticktext": list(grid_values)}


def _float(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _png(grid: dict[str, list[str]], done: list[list[Any]], score: list[float], label: str, path: Path) -> Path | None:
    cols = [[grid[k].index(str(r[j])) if _float(r[j]) is None else r[j] for r in done] for j, k in enumerate(grid)]
    return figures.parallel_coordinates([*grid, label], [list(x) for x in zip(*cols, score)], score, path)
