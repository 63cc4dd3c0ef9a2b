"""The one plotting module: every figure in mllab is built here or with these helpers.

Functions return :class:`matplotlib.figure.Figure` objects made without
pyplot, so library code never touches pyplot's global state or the user's
backend (a bare ``Figure`` renders through the Agg canvas); :func:`save`
writes one to a PNG. Matplotlib is imported on first use, so importing this
module costs nothing. One normaliser (:func:`normalize`, each image min-max
scaled on its own) and one image grid (:func:`image_grid`) serve every
engine and report.

>>> import numpy as np
>>> normalize(np.array([[0.0, 2.0], [5.0, 5.0]])).tolist()
[[0.0, 1.0], [0.0, 0.0]]
>>> fig = image_grid(np.random.default_rng(0).random((3, 1, 8, 8)), titles=["a", "b", "c"])
>>> len(fig.axes)
3
>>> len(image_grid(np.zeros((64, 5, 5))).axes)  # no titles: one mosaic
1
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np


def figure(width: float, height: float):
    """A new Figure of ``width`` x ``height`` inches (no pyplot, no window)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def save(fig, path: str | Path, dpi: int = 100, **kwargs) -> Path:
    """Write ``fig`` to ``path`` (folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, **kwargs)
    return path


def integer_ticks():
    """A tick locator that puts ticks on whole numbers only (epochs)."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def normalize(images: np.ndarray) -> np.ndarray:
    """Min-max scale each image (first axis) to [0, 1]; a constant image becomes 0."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    lo, hi = flat.min(1, keepdims=True), flat.max(1, keepdims=True)
    return ((flat - lo) / np.where(hi > lo, hi - lo, 1.0)).reshape(images.shape)


def displayable(x: np.ndarray) -> np.ndarray | None:
    """One example as imshow wants it: (C, H, W) -> (H, W) grey or (H, W, 3) colour; (H, W) and (H, W, 3)
    pass through; a flat square vector becomes a square image. None when ``x`` is not an image."""
    if x.ndim == 1:
        side = int(round(np.sqrt(x.size)))
        if side * side != x.size:
            return None
        x = x.reshape(1, side, side)
    if x.ndim == 2 or (x.ndim == 3 and x.shape[-1] == 3 and x.shape[0] not in (1, 3)):
        return x
    if x.ndim != 3 or x.shape[0] not in (1, 3):
        return None
    return x[0] if x.shape[0] == 1 else x.transpose(1, 2, 0)


def image_grid(images, cols: int = 8, titles: Sequence[str] | None = None, title: str | None = None,
               scale: bool = True, cell: float = 1.2):
    """A Figure showing ``images``, ``cols`` per row, optionally titled one by one and as a whole.

    ``images``: (N, C, H, W), (N, H, W), (N, H, W, 3) or flat square vectors. ``scale=True`` min-max scales
    each image (filters, weights, reconstructions); ``scale=False`` shows values in [0, 1] as they are
    (uint8 is divided by 255), so a dark image stays dark. Without ``titles`` the images are tiled into
    one mosaic (:func:`tile`: one axes, fast for hundreds of filters); with titles each gets a panel.
    Raises ValueError if an item is not an image.
    """
    shown = [displayable(np.asarray(x)) for x in images]
    if not shown or any(im is None for im in shown):
        raise ValueError(f"image_grid: expected a non-empty batch of images, (N, C, H, W) or (N, H, W); "
                         f"got {len(shown)} items of shape {np.asarray(images[0]).shape if len(shown) else None}")
    shown = [normalize(im[None])[0] if scale else _unit(im) for im in shown]
    cols = min(cols, len(shown))
    rows = -(-len(shown) // cols)
    fig = figure(cell * cols, (cell + (0.15 if titles else 0)) * rows + (0.3 if title else 0))
    if titles is None:
        ax = fig.subplots()
        ax.axis("off")
        mosaic = tile(np.stack(shown), cols)
        ax.imshow(mosaic, cmap="gray" if mosaic.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    else:
        for ax, im, text in zip(fig.subplots(rows, cols, squeeze=False).flat, shown, titles):
            ax.imshow(im, cmap="gray" if im.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(str(text), fontsize=7)
        for ax in fig.axes:
            ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    _grid_margins(fig, cell, titled=titles is not None, title=bool(title))
    return fig


def _grid_margins(fig, cell: float, titled: bool, title: bool) -> None:
    """Margins of an image grid set from its known sizes (inches): a panel title takes 0.15 in above its
    image, the figure title 0.3 in. What ``tight_layout`` would find, without measuring every text (which
    cost about 1 s on a grid of 30 titled images, most of a run report's drawing time)."""
    height = fig.get_figheight()
    top = 1 - ((0.3 if title else 0.02) + (0.15 if titled else 0)) / height
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02 / height, top=top,
                        wspace=0.08, hspace=(0.15 / cell) if titled else 0.02)


def weight_images(weight: np.ndarray, image_shape: Sequence[int] | None = None) -> np.ndarray:
    """A first layer's weights as images, each min-max scaled to [0, 1] on its own (report 004 mapped a
    filter's float range to 0..255), for either engine's arrays.

    - conv filters (units, C, kh, kw): (units, kh, kw, 3) in colour for C = 3, else (units*C, kh, kw);
    - a dense layer's weights (units, D) reading an image of ``image_shape`` (C, H, W) or (H, W): one image
      per unit (report 002), in colour for 3 channels, else the channels' mean; without ``image_shape``, D
      must be a square (s, s).

    >>> weight_images(np.random.default_rng(0).normal(size=(6, 784)), (1, 28, 28)).shape
    (6, 28, 28)
    """
    weight = np.asarray(weight, np.float64)
    if weight.ndim == 4:
        f, c, kh, kw = weight.shape
        return normalize(weight.transpose(0, 2, 3, 1) if c == 3 else weight.reshape(f * c, kh, kw))
    if weight.ndim != 2:
        raise ValueError(f"weight_images: expected conv filters (units, C, kh, kw) or dense weights (units, D); "
                         f"got shape {weight.shape}")
    side = int(round(np.sqrt(weight.shape[1])))
    shape = tuple(image_shape) if image_shape is not None else (side, side)
    if int(np.prod(shape)) != weight.shape[1]:
        raise ValueError(f"weight_images: the weights have {weight.shape[1]} inputs but image_shape {shape} has "
                         f"{int(np.prod(shape))} pixels; pass the shape of the images the layer reads")
    images = weight.reshape(len(weight), *shape)
    if images.ndim == 4:  # (units, C, H, W)
        images = images.transpose(0, 2, 3, 1) if shape[0] == 3 else images.mean(1)
    return normalize(images)


def weight_grid(weight: np.ndarray, image_shape: Sequence[int] | None = None, title: str | None = None,
                max_units: int = 64, cols: int = 8):
    """A Figure of a first layer's weights as images (:func:`weight_images`), at most ``max_units`` units, in
    one mosaic. Both engines' runs draw their "weights before / after training" figures with it."""
    return image_grid(weight_images(np.asarray(weight)[:max_units], image_shape), cols=cols, title=title,
                      scale=False, cell=1.0)


def tile(images: np.ndarray, cols: int = 8, pad: int = 1) -> np.ndarray:
    """Tile (N, h, w[, 3]) images into one (rows*(h+pad)-pad, cols*(w+pad)-pad[, 3]) mosaic; gaps are 1 (white).

    >>> tile(np.zeros((3, 2, 2)), cols=2).shape
    (5, 5)
    """
    n, h, w = images.shape[:3]
    rows, cols = -(-n // cols), min(cols, n)
    grid = np.ones((rows * (h + pad) - pad, cols * (w + pad) - pad) + images.shape[3:])
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        grid[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = im
    return grid


def _unit(im: np.ndarray) -> np.ndarray:
    return im.astype(np.float32) / 255 if im.dtype == np.uint8 else np.clip(im.astype(np.float32), 0, 1)
