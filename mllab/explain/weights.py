"""First-layer weights as images, before and after training (report 002: a dense layer's weights, one image
per unit; report 004: conv filters), for both engines: the run's first layer is found here, the drawing is
:func:`mllab.core.plotting.weight_grid`, and the torch and NumPy backends both call :func:`save_weight_figures`
(tag ``init`` right after the initialisation, ``trained`` after training) into ``RUN/figures``.

>>> import torch
>>> first_layer_weight(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 5)), (1, 8, 8)).shape
(5, 64)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mllab.core import plotting

MAX_UNITS = 64  # units drawn at most


def _array(weight) -> np.ndarray | None:
    """A torch parameter or a scratch Tensor as a NumPy array (None for anything else)."""
    if hasattr(weight, "detach"):  # torch
        return weight.detach().cpu().float().numpy()
    data = getattr(weight, "data", None)  # scratch Tensor: .data is the ndarray
    return data if isinstance(data, np.ndarray) else None


def first_layer_weight(model, image_shape: Sequence[int]) -> np.ndarray | None:
    """The weights of the first layer (in module order) that reads the image: conv filters (units, C, kh, kw)
    with C = the image's channels, or a dense layer's (units, D) with D = its pixel count; None when the
    network starts otherwise (a token embedding, a recurrent layer over rows). Torch or scratch networks."""
    pixels, channels = int(np.prod(image_shape)), image_shape[0]
    for _, module in model.named_modules():
        w = _array(getattr(module, "weight", None))
        if w is None:
            continue
        if (w.ndim == 4 and w.shape[1] == channels) or (w.ndim == 2 and w.shape[1] == pixels):
            return w
    return None


def save_weight_figures(model, image_shape: Sequence[int], folder: Path, tag: str) -> list[Path]:
    """``folder/filters_{tag}.png`` (conv filters) or ``folder/first_layer_{tag}.png`` (a dense layer's
    weights as images) for the model's first layer; nothing when it has no such layer."""
    weight = first_layer_weight(model, image_shape)
    if weight is None:
        return []
    conv = weight.ndim == 4
    name, what = ("filters", "first-layer filters") if conv else ("first_layer", "first-layer weights")
    fig = plotting.weight_grid(weight, None if conv else image_shape, title=f"{what} ({tag})", max_units=MAX_UNITS)
    return [plotting.save(fig, Path(folder) / f"{name}_{tag}.png", bbox_inches="tight")]
