"""Views of whole datasets (report 003 Fig. 8-9): t-SNE of raw test images of several datasets side by
side, and per-channel pixel histograms with mean and standard deviation, for a dataset as loaded and after
transforms (original vs inverted MNIST).

>>> fig = dataset_tsne(["digits"], samples=200)
>>> len(fig.axes)  # one panel per dataset
1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mllab.core import plotting
from mllab.explain import figures
from mllab.explain.embedding import embed


def _test_split(name: str, transforms: Sequence[str] = ()):
    from mllab.data import load
    from mllab.data.transforms import apply_transforms

    ds = load(name)
    if ds.test.x.dtype == np.uint8 and "scale" not in transforms:
        transforms = ["scale", *transforms]
    return apply_transforms(ds, list(transforms)) if transforms else ds


def dataset_tsne(names: Sequence[str], samples: int = 2000, method: str = "pca_tsne", seed: int = 0):
    """One panel per dataset: ``method`` (default PCA to 10, then t-SNE) of ``samples`` stratified test
    images, coloured by class."""
    from mllab.explain.run import stratified

    fig = plotting.figure(4.2 * len(names), 4.2)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        ds = _test_split(name)
        keep = stratified(ds.test.y, samples, seed)
        z = embed(ds.test.x[keep], method, seed=seed)
        colours = figures.class_colours(ds.num_classes)
        for k, cls in enumerate(ds.classes):
            mask = ds.test.y[keep] == k
            ax.scatter(z[mask, 0], z[mask, 1], s=3, color=colours[k], label=str(cls))
        ax.set_title(f"{name}: {method} of {len(keep)} test images", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=6, markerscale=3, frameon=False, loc="upper right", ncol=2)
    fig.tight_layout()
    return fig


def channel_stats(x: np.ndarray) -> list[tuple[float, float]]:
    """(mean, std) per channel of images (N, C, H, W) or (N, H, W)."""
    x = x[:, None] if x.ndim == 3 else x
    return [(float(x[:, c].mean()), float(x[:, c].std())) for c in range(x.shape[1])]


def pixel_histograms(name: str, transforms: Sequence[Sequence[str]] = ((), ("invert",)), bins: int = 50):
    """One panel per transform list (default: as loaded, and inverted): per-channel histograms of the test
    pixels, mean and std in the legend."""
    fig = plotting.figure(4.2 * len(transforms), 3.2)
    axes = fig.subplots(1, len(transforms), squeeze=False)[0]
    for ax, chain in zip(axes, transforms):
        x = _test_split(name, chain).test.x
        x = x[:, None] if x.ndim == 3 else x
        for c, (mean, std) in enumerate(channel_stats(x)):
            ax.hist(x[:, c].ravel(), bins=bins, histtype="step", log=True,
                    label=f"channel {c}: mean {mean:.3f}, std {std:.3f}")
        ax.set_title(f"{name} {' + '.join(chain) or 'as loaded (scaled)'}", fontsize=8)
        ax.set_xlabel("pixel value")
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig
