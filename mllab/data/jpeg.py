"""Photos of any size -> square ``uint8`` arrays (the Oxford flower sets).

Every image is untrusted: its declared size is checked against a per-call pixel limit before anything is
decoded (Pillow's process-wide ``MAX_IMAGE_PIXELS`` is neither relied on nor changed), and whatever Pillow
raises on a damaged file becomes one :class:`~mllab.data.errors.DataFormatError` naming the file.

>>> import io
>>> from PIL import Image
>>> buf = io.BytesIO()
>>> Image.new("RGB", (48, 32), (200, 10, 10)).save(buf, "JPEG")
>>> decode_square(buf.getvalue(), 16, "demo", "red.jpg").shape
(3, 16, 16)
>>> decode_square(buf.getvalue(), 16, "demo", "red.jpg", max_pixels=1000)
Traceback (most recent call last):
...
mllab.data.errors.DataFormatError: demo: red.jpg is 48 x 32 pixels, more than the 1000 allowed; ...
"""

from __future__ import annotations

import io
import warnings

import numpy as np

from mllab.data.errors import DataFormatError

# The official Flowers photos are at most ~1000 x 800 (under 1 MP); 50 MP leaves room for any real photo.
MAX_PIXELS = 50_000_000


def decode_square(blob: bytes, size: int, dataset: str, source: str, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """One JPEG -> ``(3, size, size)`` uint8 RGB: shorter side to ``size``, centre crop.

    A file Pillow cannot read, or one that declares more than ``max_pixels`` pixels, raises
    :class:`DataFormatError` naming ``dataset`` and ``source``.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(blob)) as im:
                w, h = im.size
                if w * h > max_pixels:
                    raise DataFormatError(f"{dataset}: {source} is {w} x {h} pixels, more than the {max_pixels} "
                                          f"allowed; it is not one of the dataset's photos: fetch it again")
                im.draft("RGB", (size, size))  # JPEG DCT scaling: decodes at >= size, several times faster
                im = im.convert("RGB")
    except DataFormatError:
        raise
    except Exception as err:  # Pillow raises many types (OSError, SyntaxError, DecompressionBomb*...) on bad bytes
        raise DataFormatError(f"{dataset}: {source} is not a readable JPEG ({type(err).__name__}: {err}); "
                              f"fetch it again") from err
    w, h = im.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    im = im.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (nw - size) // 2, (nh - size) // 2
    return np.asarray(im.crop((left, top, left + size, top + size))).transpose(2, 0, 1)  # (H, W, C) -> (C, H, W)
