"""The pages' interactive figures as plotly figure dicts (drawn in the browser by
:mod:`mllab.report.interactive`): per-epoch curves, seed bands, parallel coordinates.

Plain dicts in plotly.js's schema, built from what the run folders hold; a trace toggles in every panel
at once (one ``legendgroup`` per line), hovering shows the values, dragging zooms.

>>> fig = curves([{"epoch": 1, "train_loss": 0.5, "val_loss": 0.6}])
>>> [t["name"] for t in fig["data"]], fig["data"][0]["mode"]
(['train', 'val'], 'lines+markers')
"""

from __future__ import annotations

from typing import Any

import numpy as np

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


def panels(named: list[tuple[str, list[dict[str, Any]]]], height: int = 340) -> dict[str, Any]:
    """One figure of side-by-side panels, ``(y label, traces)`` each, sharing one legend (outside, right)."""
    n = max(len(named), 1)
    gap = 0.07 if n > 1 else 0.0
    layout: dict[str, Any] = {"height": height, "margin": {"l": 55, "r": 10, "t": 20, "b": 45},
                              "hovermode": "closest", "legend": {"x": 1.02, "y": 1, "xanchor": "left"}}
    data = []
    last = max((x for _, traces in named for t in traces for x in t.get("x", ())), default=1)
    step = max(1, -(-last // 8))  # whole epochs, at most about 8 ticks
    for i, (label, traces) in enumerate(named):
        suffix = "" if i == 0 else str(i + 1)
        layout[f"xaxis{suffix}"] = {"domain": [i / n + (gap / 2 if i else 0), (i + 1) / n - (gap / 2 if i < n - 1
                                                                                          else 0)],
                                    "title": {"text": "epoch"}, "anchor": f"y{suffix}", "dtick": step}
        layout[f"yaxis{suffix}"] = {"title": {"text": label}, "anchor": f"x{suffix}"}
        for t in traces:
            data.append({**t, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "showlegend": i == 0 and
                         t.get("showlegend", True)})
    return {"data": data, "layout": layout}


def line(name: str, rows: list[dict[str, Any]], key: str, colour: str, **extra: Any) -> dict[str, Any]:
    """A scatter trace of ``key`` per epoch; a single point is drawn as a marker (a one-point line is invisible)."""
    rows = [r for r in rows if key in r]
    return {"type": "scatter", "mode": "lines+markers" if len(rows) < 30 else "lines", "name": name,
            "legendgroup": name, "x": [r["epoch"] for r in rows], "y": [r[key] for r in rows],
            "line": {"color": colour}, "marker": {"size": 6}, **extra}


def curves(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A run's loss and accuracy (or PSNR, or the conv deltas of a scratch CNN) per epoch, train vs validation."""
    if not history or "train_loss" not in history[0]:
        return None
    metrics = ["loss", "accuracy" if "train_accuracy" in history[0] else "psnr"]
    metrics += ["conv_delta"] if "train_conv_delta" in history[0] else []
    named = [(m, [line(split, history, f"{split}_{m}", COLOURS[k]) for k, split in enumerate(("train", "val"))
                  if any(f"{split}_{m}" in r for r in history)]) for m in metrics]
    return panels(named)


def by_seed(labels: list[str], histories: list[list[dict[str, Any]]], metrics: list[str]) -> dict[str, Any]:
    """One line per run (a seed), one panel per metric."""
    return panels([(m.replace("_", " "), [line(label, h, m, COLOURS[i % len(COLOURS)])
                                          for i, (label, h) in enumerate(zip(labels, histories))])
                   for m in metrics])


def band(label: str, histories: list[list[dict[str, Any]]], metric: str, colour: str) -> list[dict[str, Any]]:
    """The mean over seeds per epoch and a band of mean +- sample std (no band for one seed): three traces."""
    by_epoch: dict[int, list[float]] = {}
    for h in histories:
        for r in h:
            if isinstance(r.get(metric), (int, float)):
                by_epoch.setdefault(r["epoch"], []).append(r[metric])
    if not by_epoch:
        return []
    epochs = sorted(by_epoch)
    mean = [float(np.mean(by_epoch[e])) for e in epochs]
    std = [float(np.std(by_epoch[e], ddof=1)) if len(by_epoch[e]) > 1 else 0.0 for e in epochs]
    edge = {"type": "scatter", "mode": "lines", "x": epochs, "legendgroup": label, "showlegend": False,
            "line": {"width": 0, "color": colour}, "hoverinfo": "skip"}
    return [{**edge, "y": [m - s for m, s in zip(mean, std)]},
            {**edge, "y": [m + s for m, s in zip(mean, std)], "fill": "tonexty", "opacity": 0.2,
             "fillcolor": _transparent(colour)},
            {"type": "scatter", "mode": "lines+markers" if len(epochs) < 30 else "lines", "name": label,
             "legendgroup": label, "x": epochs, "y": mean, "line": {"color": colour},
             "customdata": std, "hovertemplate": "%{y:.4g} +- %{customdata:.2g}"}]


def bands(groups: list[tuple[str, list[list[dict[str, Any]]]]], metrics: list[str]) -> dict[str, Any] | None:
    """One panel per metric: each group's mean over its seeds with a mean +- sample std band."""
    metrics = [m for m in metrics if any(m in r for _, hs in groups for h in hs for r in h)]
    if not metrics:
        return None
    return panels([(m.replace("_", " "), [t for i, (label, hs) in enumerate(groups)
                                          for t in band(label, hs, m, COLOURS[i % len(COLOURS)])])
                   for m in metrics])


def _transparent(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},0.2)"


def parcoords(dimensions: list[dict[str, Any]], colour: list[float], colour_label: str) -> dict[str, Any]:
    """Parallel coordinates (brush an axis to select), one line per row, coloured by ``colour``.

    ``dimensions``: plotly's ``{"label", "values"}`` each, with ``tickvals``/``ticktext`` for a categorical one.
    """
    return {"data": [{"type": "parcoords", "dimensions": dimensions,
                      "line": {"color": colour, "colorscale": "Viridis", "showscale": True,
                               "colorbar": {"title": {"text": colour_label}}}}],
            "layout": {"height": 380, "margin": {"l": 70, "r": 70, "t": 50, "b": 30}}}
