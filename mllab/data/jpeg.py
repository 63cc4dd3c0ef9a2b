"""Photos of any size -> square ``uint8`` arrays (the Oxford flower sets).

>>> import io
>>> from PIL import Image
>>> buf = io.BytesIO()
>>> Image.new("RGB", (48, 32), (200, 10, 10)).save(buf, "JPEG")
>>> decode_square(buf.getvalue(), 16, "demo", "red.jpg").shape
(3, 16, 16)
"""

from __future__ import annotations

import io

import numpy as np


def decode_square(blob: bytes, size: int, dataset: str, source: str) -> np.ndarray:
    """One JPEG -> ``(3, size, size)`` uint8 RGB: shorter side to ``size``, centre crop.

    A file Pillow cannot read raises :class:`ValueError` naming ``dataset`` and ``source``.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(blob)) as im:
            im.draft("RGB", (size, size))  # JPEG DCT scaling: decodes at >= size, several times faster
            im = im.convert("RGB")
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"{dataset}: {source} is not a readable JPEG ({err}); fetch it again") from err
    w, h = im.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    im = im.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (nw - size) // 2, (nh - size) // 2
    return np.asarray(im.crop((left, top, left + size, top + size))).transpose(2, 0, 1)  # (H, W, C) -> (C, H, W)
