"""Looking inside scratch networks: filter images, first-layer weights, deconvolution (reports 002, 004).

Functions return arrays scaled to [0, 1] (each image min-max scaled on its own,
as report 004 mapped a filter's float range to 0..255); ``save_grid`` writes a
grid through :mod:`mllab.core.plotting`.

>>> import numpy as np
>>> filter_images(np.random.default_rng(0).normal(size=(16, 1, 7, 7))).shape
(16, 7, 7)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mllab.core import plotting
from mllab.core.plotting import normalize
from mllab.scratch import functional as F
from mllab.scratch.layers import Conv2d


def filter_images(weight: np.ndarray) -> np.ndarray:
    """Conv weights (F, C, kh, kw) -> (F, kh, kw) for C = 1, (F, kh, kw, 3) RGB for C = 3, else (F*C, kh, kw)."""
    f, c, kh, kw = weight.shape
    if c == 3:
        return normalize(weight.transpose(0, 2, 3, 1))
    return normalize(weight.reshape(f * c, kh, kw))


def first_layer_images(weight: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """A first Linear layer's weights (hidden, D) as one image per unit (report 002): (hidden, H, W) for a
    grey (1, H, W) or (H, W) input, (hidden, H, W, 3) for an RGB (3, H, W) one, else the channels' mean."""
    if int(np.prod(image_shape)) != weight.shape[1]:
        raise ValueError(f"first_layer_images: weight has {weight.shape[1]} inputs but image_shape "
                         f"{tuple(image_shape)} has {int(np.prod(image_shape))} pixels")
    images = weight.reshape(len(weight), *image_shape)
    if images.ndim == 4:  # (hidden, C, H, W)
        images = images.transpose(0, 2, 3, 1) if image_shape[0] == 3 else images.mean(1)
    return normalize(images)


def deconvolve(conv: Conv2d, x: np.ndarray, method: str = "transpose") -> np.ndarray:
    """Map each filter's response to one image ``x`` (C, H, W) back to input space (report 004, part 4).

    With T_f the Toeplitz matrix of filter f, the response is a_f = T_f pad(x); the
    reconstruction is T_f^T a_f (``"transpose"``, the adjoint: what a transposed
    convolution computes) or pinv(T_f) a_f (``"pinv"``, report 004's inverse).
    Returns (F, H, W) (channels summed), not normalized.
    """
    if method not in ("transpose", "pinv"):
        raise ValueError(f"deconvolve: method must be 'transpose' or 'pinv'; found {method!r}")
    c, h, w = x.shape
    p, weight = conv.padding, conv.weight.data.astype(np.float64)
    t = F.toeplitz_matrix(weight, (c, h, w), conv.stride, p)  # (F*OH*OW, C*Hp*Wp)
    per_filter = t.reshape(len(weight), -1, t.shape[1])  # (F, OH*OW, C*Hp*Wp)
    a = per_filter @ np.pad(x, ((0, 0), (p, p), (p, p))).ravel()  # (F, OH*OW)
    back = [(np.linalg.pinv(tf) if method == "pinv" else tf.T) @ af for tf, af in zip(per_filter, a)]
    images = np.stack(back).reshape(len(weight), c, h + 2 * p, w + 2 * p)
    return images[:, :, p:p + h, p:p + w].sum(1)


def save_grid(path: str | Path, images: np.ndarray, ncols: int = 8, title: str | None = None) -> Path:
    """Write ``images`` (each already scaled to [0, 1]) as one PNG grid and return the path."""
    return plotting.save(plotting.image_grid(images, cols=ncols, title=title, scale=False, cell=1.0), path,
                         bbox_inches="tight")


def first_of(model, kind: type):
    """The first sub-module of type ``kind`` (depth-first), or None."""
    return next((m for _, m in model.named_modules() if isinstance(m, kind)), None)


def save_weight_figures(model, image_shape: tuple[int, ...], folder: Path, tag: str) -> list[Path]:
    """The first conv layer's filters and the first image-sized Linear layer's weights, as ``*_{tag}.png``.

    Report 004 shows filters, report 002 the first-layer weights before and after training.
    """
    from mllab.scratch.layers import Linear

    drawn, folder = [], Path(folder)
    conv = first_of(model, Conv2d)
    if conv is not None:
        drawn.append(save_grid(folder / f"filters_{tag}.png", filter_images(conv.weight.data), title=f"filters ({tag})"))
    linear = first_of(model, Linear)
    if conv is None and linear is not None and linear.weight.shape[1] == int(np.prod(image_shape)):
        w = linear.weight.data[:64]  # (out, in): one image per hidden unit, at most 64
        drawn.append(save_grid(folder / f"first_layer_{tag}.png", first_layer_images(w, image_shape),
                               title=f"first-layer weights ({tag})"))
    return drawn


def save_deconvolution(model, image: np.ndarray, path: Path) -> Path | None:
    """The input image next to each first-layer filter's response mapped back to input space (report 004)."""
    conv = first_of(model, Conv2d)
    if conv is None or image.ndim != 3:
        return None
    back = deconvolve(conv, image.astype(np.float64))
    return save_grid(path, normalize(np.concatenate([image.sum(0, keepdims=True), back])),
                     title="input, then deconvolution per filter")
