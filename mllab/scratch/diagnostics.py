"""Looking inside scratch networks: deconvolution of the first conv layer to input space (report 004).

The first-layer weights and filters as images, before and after training, are drawn for both engines by
:func:`mllab.core.plotting.weight_grid` (:mod:`mllab.explain.weights` finds the layer); ``save_grid``
writes a grid of images already scaled to [0, 1] through :mod:`mllab.core.plotting`.

>>> from mllab.scratch.layers import Conv2d
>>> conv = Conv2d(1, 4, 3, rng=np.random.default_rng(0))
>>> deconvolve(conv, np.random.default_rng(1).normal(size=(1, 8, 8))).shape
(4, 8, 8)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mllab.core import plotting
from mllab.core.plotting import normalize
from mllab.scratch import functional as F
from mllab.scratch.layers import Conv2d


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


def save_deconvolution(model, image: np.ndarray, path: Path) -> Path | None:
    """The input image next to each first-layer filter's response mapped back to input space (report 004)."""
    conv = first_of(model, Conv2d)
    if conv is None or image.ndim != 3:
        return None
    back = deconvolve(conv, image.astype(np.float64))
    return save_grid(path, normalize(np.concatenate([image.sum(0, keepdims=True), back])),
                     title="input, then deconvolution per filter")
