"""The explain figures, built with :mod:`mllab.core.plotting`: attribution grids (rows = methods, columns =
the same images), Grad-CAM overlays, embedding scatter plots coloured by class, probe accuracy vs depth."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np

from mllab.core import plotting

CELL = 1.1  # inches per image in a grid
ROW_LABEL = 18  # characters per line of a row's label (a run's name and group folder)


def _shown(x: np.ndarray) -> np.ndarray:
    """An image (C, H, W) or a map (1, H, W) as imshow wants it, scaled to [0, 1]; token rows (T,) as (1, T)."""
    im = plotting.displayable(x) if x.ndim >= 2 else x[None]
    im = x.sum(0) if im is None else im  # more than 3 channels: their sum
    return plotting.normalize(im[None])[0]


def attribution_grid(inputs: np.ndarray, maps: dict[str, np.ndarray], titles: Sequence[str],
                     overlay: bool | None = None, caption: str | None = None,
                     notes: dict[str, Sequence[str]] | None = None):
    """Row 0: the inputs, titled (``true 3 / pred 5``); one row per method or model (``maps[name]`` (N, ...)):
    the attribution's magnitude (summed over channels) on one scale per row, read off the row's colour bar;
    Grad-CAM (one channel) overlaid on the input in a heat colour map; a map that is zero everywhere says so
    in its panel. ``overlay``: overlay every row (True) or none (False); None: the rows whose name starts with
    gradcam. ``caption``: the figure's title (whose evidence the maps show); ``notes[name]``: a line under each
    map of that row (a run's own prediction, ``pred 5``, in a grid across runs)."""
    n, rows = len(inputs), 1 + len(maps)
    images = inputs.ndim >= 3
    fig = plotting.figure(CELL * n + 1.6, CELL * rows + (0.5 if caption else 0.3))
    fig.set_layout_engine("constrained")
    axes = fig.subplots(rows, n, squeeze=False)
    bases = [_shown(inputs[j]) if images else None for j in range(n)]
    for j, ax in enumerate(axes[0]):
        if images:
            ax.imshow(bases[j], cmap="gray" if bases[j].ndim == 2 else None, vmin=0, vmax=1)
        else:
            ax.text(0.5, 0.5, "tokens", ha="center", va="center", fontsize=7)
        ax.set_title(str(titles[j]), fontsize=7)
    for i, (name, m) in enumerate(maps.items(), start=1):
        on_input = images and (name.startswith("gradcam") if overlay is None else overlay)
        _map_row(fig, axes[i], bases if on_input else None, magnitude(m))
        for ax, note in zip(axes[i], (notes or {}).get(name, ())):
            ax.set_xlabel(note, fontsize=7)
    for i, name in enumerate(["input", *maps]):
        axes[i, 0].set_ylabel(textwrap.fill(name, ROW_LABEL), fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    if caption:
        fig.suptitle(caption, fontsize=8)
    return fig


def magnitude(m: np.ndarray) -> np.ndarray:
    """Attribution maps (N, C, H, W) -> (N, H, W) magnitudes summed over channels; token maps (N, T) -> |m|."""
    return np.abs(m).sum(1) if m.ndim == 4 else np.abs(m)


def _map_row(fig, axes, bases, a: np.ndarray) -> None:
    """One row of magnitudes ``a`` (N, H, W) or (N, T) on the scale 0 .. the row's largest value, with its colour
    bar; over the input images ``bases`` (a heat map, half transparent) when given."""
    top = float(a.max()) if a.size and np.isfinite(a).all() else 0.0
    for j, ax in enumerate(axes):
        panel = a[j] if a.ndim == 3 else a[j][None]  # (H, W), or a token row (1, T)
        if bases is not None:
            ax.imshow(bases[j], cmap="gray" if bases[j].ndim == 2 else None, vmin=0, vmax=1)
        shown = ax.imshow(panel, cmap="jet" if bases is not None else "hot", vmin=0, vmax=top or 1.0,
                          alpha=0.5 if bases is not None else None, aspect="auto" if panel.shape[0] == 1 else "equal")
        if not panel.any():
            ax.text(0.5, 0.5, "all zero", transform=ax.transAxes, ha="center", va="center", fontsize=7,
                    color="black", bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0, "pad": 1})
    bar = fig.colorbar(shown, ax=list(axes), fraction=0.03, pad=0.01, aspect=12)
    bar.ax.tick_params(labelsize=6)
    bar.set_label("|attribution|", fontsize=6)


def embedding_scatter(points: dict[str, np.ndarray], labels: np.ndarray, classes: Sequence[str], title: str):
    """One panel per layer (``points[layer]`` (N, 2)), points coloured by class, one legend."""
    fig = plotting.figure(3.6 * len(points) + 1.0, 3.6)
    axes = fig.subplots(1, len(points), squeeze=False)[0]
    colours = class_colours(len(classes))
    for ax, (layer, z) in zip(axes, points.items()):
        for k, name in enumerate(classes):
            keep = labels == k
            if keep.any():
                ax.scatter(z[keep, 0], z[keep, 1], s=4, color=colours[k], label=str(name))
        ax.set_title(layer, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="center right", fontsize=7, markerscale=3, frameon=False)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1 - 1.0 / (3.6 * len(points) + 1.0), 1))
    return fig


def class_colours(k: int) -> list:
    """``k`` distinct colours (tab10, tab20, then a continuous map)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if k <= 10 else "tab20" if k <= 20 else "nipy_spectral"]
    return [cmap(i if k <= 20 else i / max(k - 1, 1)) for i in range(k)]


def probe_curve(rows: list[dict], title: str):
    """Linear-probe and kNN accuracy (left axis) and separability (right axis) against layer depth."""
    fig = plotting.figure(max(5.0, 0.45 * len(rows) + 2), 3.8)
    ax = fig.subplots()
    depth = np.arange(len(rows))
    ax.plot(depth, [r["linear_probe_accuracy"] for r in rows], "o-", label="linear probe accuracy")
    ax.plot(depth, [r["knn_accuracy"] for r in rows], "s--", label="kNN accuracy")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    right = ax.twinx()
    right.plot(depth, [r["separability"] for r in rows], "^:", color="tab:green", label="separability (silhouette)")
    right.set_ylabel("silhouette")
    ax.set_xticks(depth)
    ax.set_xticklabels([r["layer"] for r in rows], rotation=60, ha="right", fontsize=7)
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="lower right")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
