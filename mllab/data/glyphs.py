"""One character image -> the classifier's 28x28 input, the same way for training images and page crops.

Report 002's page errors came largely from crops that did not look like its training images (stroke width,
margins, contrast). Here every glyph, whether an MNIST digit, a letter rendered from a font or a crop cut
from a photographed page, goes through :func:`normalize_glyph`:

1. crop the ink mask to its bounding box and pad it to a square (the glyph centred, aspect kept);
2. resize the square to ``BOX`` pixels (MNIST's 20 of 28) at ``SUPER`` times the output resolution;
3. thin the strokes to a one-pixel skeleton, fit the skeleton to the box and redraw it with one pen width,
   ``stroke`` output pixels (the pen of the writer, the weight of the font and the resolution of the photo
   all vanish here);
4. average ``SUPER`` x ``SUPER`` blocks down to 28x28 (anti-aliased), ink 255 on background 0 like MNIST.

>>> import numpy as np
>>> bar = np.zeros((40, 10), bool); bar[2:38, 4:7] = True
>>> g = normalize_glyph(bar)
>>> g.shape, g.dtype, int(g[14, 13:15].max() > 200), int(g[14, 4])
((28, 28), dtype('uint8'), 1, 0)
"""

from __future__ import annotations

import numpy as np

SIZE = 28  # output side (pixels)
BOX = 20  # side of the square the glyph's longer side is fitted into
SUPER = 4  # supersampling factor of the drawing grid
STROKE = 2.2  # pen width in output pixels


def normalize_glyph(mask: np.ndarray, stroke: float = STROKE) -> np.ndarray:
    """A boolean ink mask (H, W) of one character -> uint8 (28, 28), ink 255 on 0, strokes ``stroke`` px wide."""
    from scipy.ndimage import distance_transform_edt
    from skimage.morphology import skeletonize
    from skimage.transform import resize

    mask = np.asarray(mask, bool)
    if not mask.any():
        return np.zeros((SIZE, SIZE), np.uint8)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    mask = mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = mask.shape
    side = max(h, w)
    square = np.zeros((side, side), np.float32)
    square[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = mask
    grid, box = SIZE * SUPER, BOX * SUPER
    fitted = resize(square, (box, box), order=1, anti_aliasing=side > box) > 0.35  # (box, box)
    points = np.argwhere(skeletonize(fitted)).astype(np.float64)  # (P, 2) row, col of the skeleton
    if not len(points):
        return np.zeros((SIZE, SIZE), np.uint8)
    # the skeleton, not the ink, fills the box: a broad pen's outer half would otherwise shrink the glyph
    lo, extent = points.min(0), np.ptp(points, axis=0)
    points = (points - lo) * ((box - 1) / max(extent.max(), 1.0)) + (grid - 1 - extent * (box - 1) /
                                                                      max(extent.max(), 1.0)) / 2
    canvas = np.zeros((grid, grid), bool)
    canvas[tuple(np.rint(points).astype(int).T)] = True
    dist = distance_transform_edt(~canvas)  # (grid, grid): distance to the nearest skeleton pixel
    ink = np.clip(stroke * SUPER / 2 - dist + 0.5, 0, 1)  # a pen of radius stroke/2, one-pixel soft edge
    ink = ink.reshape(SIZE, SUPER, SIZE, SUPER).mean(axis=(1, 3))  # (28, 28)
    return np.rint(ink * 255).astype(np.uint8)
