"""Scores shared by classical models and networks: accuracy and PSNR.

>>> import numpy as np
>>> accuracy([0, 1, 1, 2], [0, 1, 2, 2])
0.75
>>> round(psnr(np.zeros(4), np.full(4, 0.1)), 6)
20.0
"""

from __future__ import annotations

import numpy as np


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the true labels.

    >>> accuracy(["a", "b"], ["a", "a"])
    0.5
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"accuracy: y_true and y_pred must be 1-D of the same length; got shapes {y_true.shape} "
            f"and {y_pred.shape}. Pass one label per example."
        )
    if len(y_true) == 0:
        raise ValueError("accuracy: y_true is empty; pass at least one example")
    return float(np.mean(y_true == y_pred))


def psnr(reference, reconstruction, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB: ``10 log10(data_range**2 / MSE)`` over all elements.

    One number for the whole array (as ``skimage.metrics.peak_signal_noise_ratio``);
    ``data_range`` is the span of valid values (1.0 for images scaled to [0, 1],
    255 for ``uint8``). Identical arrays give ``inf``.

    >>> import numpy as np
    >>> x = np.linspace(0, 1, 10)
    >>> psnr(x, x)
    inf
    >>> round(psnr(np.zeros(4), np.full(4, 25.5), data_range=255), 6)
    20.0
    """
    ref = np.asarray(reference, dtype=np.float64)
    rec = np.asarray(reconstruction, dtype=np.float64)
    if ref.shape != rec.shape:
        raise ValueError(
            f"psnr: reference has shape {ref.shape} but reconstruction has {rec.shape}; "
            "pass arrays of the same shape (reshape the reconstruction to the input's shape)"
        )
    if ref.size == 0:
        raise ValueError("psnr: the arrays are empty; pass at least one value")
    if not data_range > 0:
        raise ValueError(f"psnr: data_range must be positive (1.0 for [0, 1] images, 255 for uint8); got {data_range}")
    return psnr_from_mse(float(np.mean((ref - rec) ** 2)), data_range)


def psnr_from_mse(mse: float, data_range: float = 1.0) -> float:
    """PSNR in dB of a reconstruction whose mean squared error is ``mse`` (``inf`` for 0): the one formula
    behind :func:`psnr` and the per-epoch PSNR the trainers record.

    >>> psnr_from_mse(0.01)
    20.0
    """
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))
