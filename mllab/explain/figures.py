"""The explain figures, built with :mod:`mllab.core.plotting`: attribution grids (rows = methods, columns =
the same images), Grad-CAM overlays, embedding scatter plots coloured by class, probe accuracy vs depth."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mllab.core import plotting

CELL = 1.1  # inches per image in a grid


def _shown(x: np.ndarray) -> np.ndarray:
    """An image (C, H, W) or a map (1, H, W) as imshow wants it, scaled to [0, 1]; token rows (T,) as (1, T)."""
    im = plotting.displayable(x) if x.ndim >= 2 else x[None]
    im = x.sum(0) if im is None else im  # more than 3 channels: their sum
    return plotting.normalize(im[None])[0]


def attribution_grid(inputs: np.ndarray, maps: dict[str, np.ndarray], titles: Sequence[str],
                     overlay: bool | None = None):
    """Row 0: the inputs (titled); one row per method or model (``maps[name]`` (N, ...)): attribution
    magnitude summed over channels, Grad-CAM (one channel) overlaid on the input in a heat colour map.
    ``overlay``: overlay every row (True) or none (False); None: the rows whose name starts with gradcam."""
    n, rows = len(inputs), 1 + len(maps)
    images = inputs.ndim >= 3
    fig = plotting.figure(CELL * n + 1.2, CELL * rows + 0.3)
    axes = fig.subplots(rows, n, squeeze=False)
    for j in range(n):
        base = _shown(inputs[j]) if images else None
        if images:
            axes[0, j].imshow(base, cmap="gray" if base.ndim == 2 else None, vmin=0, vmax=1)
        else:
            axes[0, j].text(0.5, 0.5, "tokens", ha="center", va="center", fontsize=7)
        axes[0, j].set_title(str(titles[j]), fontsize=7)
        for i, (name, m) in enumerate(maps.items(), start=1):
            a = np.abs(m[j]).sum(0) if m.ndim == 4 else np.abs(m[j])  # (H, W) or (T,)
            a = plotting.normalize(a[None] if a.ndim == 2 else a[None, None])[0]
            if (name.startswith("gradcam") if overlay is None else overlay) and images:
                axes[i, j].imshow(base, cmap="gray" if base.ndim == 2 else None, vmin=0, vmax=1)
                axes[i, j].imshow(a, cmap="jet", alpha=0.5, vmin=0, vmax=1)
            else:
                axes[i, j].imshow(a, cmap="hot", vmin=0, vmax=1, aspect="auto" if a.shape[0] == 1 else "equal")
    for i, name in enumerate(["input", *maps], start=0):
        axes[i, 0].set_ylabel(name, fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


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
