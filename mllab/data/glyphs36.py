"""Any handwritten-character set as the OCR classifier's training images (the ``glyphs36`` transform).

The classifier ``mllab ocr`` reads with takes 36 classes, A-Z then 0-9 (:data:`~mllab.data.handwritten36.CLASSES`),
each image a glyph normalized by :func:`~mllab.data.glyphs.normalize_glyph` (ink 255 on 0, pen 2.2 px, fitted
in 20x20 of 28x28). ``handwritten36`` is made that way; NIST36 (32x32, the course's polarity) and EMNIST (28x28,
its own margins and pen) are turned into it here, so the recipe ``ocr_handwritten36`` trains the same classifier
on them (``mllab train ocr_handwritten36 data.name=nist36``):

- classes are matched by name: NIST36's 36 are the same set; EMNIST's lower case (balanced: a b d e f g h n q r
  t; byclass: a-z) is **dropped**, not folded into the capitals: pages are written in capitals, and a lower-case
  a or g would teach the A or G class shapes no capital has (EMNIST balanced already merges the lower case that
  looks like its capital, c o s u v w x z..., into the capital classes);
- each image: ink made bright (the polarity judged from the border pixels), thresholded at half its range,
  normalized as a page crop is. The result is cached (``MLLAB_CACHE/prepared``), keyed by the source files.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.glyphs import normalize_glyph
from mllab.data.handwritten36 import CLASSES

log = logging.getLogger(__name__)

_FORMAT_VERSION = 1


def class_map(classes: tuple[str, ...]) -> np.ndarray:
    """Label -> index in :data:`CLASSES`, or -1 for a class outside it (lower case, punctuation).

    >>> class_map(("0", "A", "a")).tolist()
    [26, 0, -1]
    """
    return np.array([CLASSES.index(c) if c in CLASSES else -1 for c in classes], np.int64)


def as_glyphs(x: np.ndarray) -> np.ndarray:
    """Images (N, 1, H, W) uint8 of either polarity -> normalized glyphs (N, 1, 28, 28) uint8, ink 255 on 0."""
    border = np.concatenate([x[:, 0, 0], x[:, 0, -1], x[:, 0, :, 0], x[:, 0, :, -1]], axis=1)
    ink = np.where(border.mean(1)[:, None, None] > 127, 255 - x[:, 0].astype(np.int16), x[:, 0]).astype(np.uint8)  # (N, H, W)
    lo, hi = ink.min(axis=(1, 2), keepdims=True), ink.max(axis=(1, 2), keepdims=True)
    masks = ink.astype(np.int16) * 2 > lo.astype(np.int16) + hi  # above half the image's own range
    return np.stack([normalize_glyph(m) for m in masks])[:, None]


def to_glyphs36(ds: Dataset) -> Dataset:
    """``ds`` with its classes mapped to :data:`CLASSES` (others dropped) and its images normalized as glyphs;
    ``handwritten36`` (``info["glyphs"]``) is returned as it is."""
    if ds.info.get("glyphs"):
        return ds
    mapping = class_map(ds.classes)
    if (mapping < 0).all():
        raise ValueError(f"transform 'glyphs36': none of {ds.name}'s classes ({', '.join(ds.classes[:5])}...) is one "
                         f"of A-Z, 0-9")
    if ds.train.x.ndim != 4 or ds.train.x.shape[1] != 1 or ds.train.x.dtype != np.uint8:
        raise ValueError(f"transform 'glyphs36' needs grey uint8 images (N, 1, H, W) first in the transforms; "
                         f"{ds.name} has x {ds.train.x.dtype} {ds.train.x.shape}")
    dropped = [c for c, m in zip(ds.classes, mapping) if m < 0]

    def build():
        out = {}
        for part, split in (("train", ds.train), ("test", ds.test)):
            keep = mapping[split.y] >= 0
            log.info("glyphs36: normalizing %d %s %s images (once; cached)", int(keep.sum()), ds.name, part)
            out[f"x_{part}"], out[f"y_{part}"] = as_glyphs(split.x[keep]), mapping[split.y[keep]]
        return out

    sources = sorted(str(f) for f in ds.info.get("files", []))
    if sources:
        from pathlib import Path

        a = cached_arrays(f"glyphs36-{ds.name}", _FORMAT_VERSION, [Path(f) for f in sources],
                          {"classes": list(ds.classes), "test_size": len(ds.test.y),
                           "eval_split": ds.info.get("eval_split")}, build)
    else:  # an in-memory set (no files to key a cache by)
        a = build()
    glyphs = replace(ds, train=Split(a["x_train"], a["y_train"]), test=Split(a["x_test"], a["y_test"]),
                     classes=CLASSES)
    return glyphs.with_splits(glyphs=True, glyphs36_dropped=dropped)
