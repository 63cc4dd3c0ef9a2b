"""A figure of sample images with their class names: the by-eye check of a loader.

An upside-down, transposed or colour-swapped loader shows at a glance here.

>>> from mllab.data import load
>>> save_sample_grid(load("digits"), "digits-grid.png", n=10)
PosixPath('digits-grid.png')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mllab.core import plotting
from mllab.data.dataset import Dataset, Split


def sample_indices(y: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices cycling through the classes: the first of each class, then the second of each, ...

    >>> sample_indices(np.array([0, 0, 1, 1, 2]), 4).tolist()
    [0, 2, 4, 1]
    """
    by_class = [np.flatnonzero(y == c) for c in np.unique(y)]
    order = [idx[r] for r in range(max(map(len, by_class), default=0)) for idx in by_class if r < len(idx)]
    return np.array(order[:n], dtype=np.int64)


def save_sample_grid(ds: Dataset, path: str | Path, n: int = 20, split: str = "train", cols: int = 10,
                     scale: float = 1.0) -> Path:
    """Save a PNG grid of ``n`` images of ``ds``'s ``split``, each titled with its class name."""
    if split not in ("train", "test"):
        raise ValueError(f"save_sample_grid: split must be 'train' or 'test'; got {split!r}")
    part: Split = getattr(ds, split)
    if part.x.ndim != 4 or part.x.shape[1] not in (1, 3):
        raise ValueError(f"save_sample_grid: {ds.name} x has shape {part.x.shape}; images (N, 1 or 3, H, W) expected")
    idx = sample_indices(part.y, n)
    fig = plotting.image_grid(part.x[idx], cols=cols, titles=[ds.classes[part.y[i]] for i in idx],
                              title=f"{ds.name} ({split}, {part.x.shape[1]}x{part.x.shape[2]}x{part.x.shape[3]})",
                              scale=False, cell=1.1 * scale)
    return plotting.save(fig, path, dpi=72)
