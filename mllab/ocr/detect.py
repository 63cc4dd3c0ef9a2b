"""Find the characters on a page: ink mask, components, rows and words (report 002 Q4's method, done well).

Every size here is measured on the page itself, in units of the stroke width ``stroke`` (the pen) or of the
median character height ``height``; no constant is a pixel count, so a page photographed at another
resolution reads the same.

1. grey, divided by a background estimate (a high percentile per block, smoothed): uneven light cancels;
   downscaled until the pen is :data:`WORK_STROKE` pixels wide (the same work at any resolution);
2. denoise (Gaussian of a fraction of the stroke width), threshold with Otsu on the normalized ink, then
   hysteresis (pixels down to half the threshold that touch strong ink) so faint parts of strokes stay;
3. closing with a disk of half a stroke heals small breaks; connected components (8-connected);
4. drop specks (smaller than a stroke-sized dot) and dots such as the periods after list numbers (small
   against the character height), marking a row's first character when a period follows it (a list number);
5. merge parts of one character (components of a row whose column ranges overlap most of the narrower);
6. split touching characters where clear (a component far wider than tall, cut at a deep minimum of its
   column ink profile near a character width);
7. rows by single-linkage clustering of box centres' heights (a gap over half a character height starts a
   new row; chaining tolerates slanted lines), left to right within a row; spaces where a gap falls in the
   upper mode of the row's gap distribution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DOT_HEIGHT = 0.4  # a component under this fraction of the median character height in both sides is a dot
OVERLAP = 0.5  # column overlap (of the narrower) that makes two components of a row one character
ROW_GAP = 0.5  # a jump in box-centre height over this many character heights starts a new row
SPLIT_WIDTH = 1.5  # a component wider than this many times its height may hold touching characters
WORK_STROKE = 4.0  # pages are read downscaled until their pen is about this many pixels wide


@dataclass
class Glyph:
    """One found character: its box ``(x0, y0, x1, y1)`` in page pixels (x1, y1 exclusive) and its ink mask."""

    box: tuple[int, int, int, int]
    mask: np.ndarray = field(repr=False)
    line: int = -1
    word: int = -1
    period: bool = False  # a dot follows it on the baseline (a list number: "1.")

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


@dataclass
class Layout:
    """What detection found: the rows of glyphs (left to right), the ink mask and the measured sizes, all at
    ``scale`` times the page's size (boxes in page pixels: :meth:`page_box`)."""

    rows: list[list[Glyph]]
    ink: np.ndarray = field(repr=False)
    stroke: float = 0.0
    height: float = 0.0
    scale: float = 1.0

    def page_box(self, g: Glyph) -> tuple[int, int, int, int]:
        return tuple(int(round(v / self.scale)) for v in g.box)


def ink_mask(grey: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``(mask, stroke, scale)``: boolean ink of a grey page (float, paper light) at ``scale`` times its size,
    the scale at which its pen is about :data:`WORK_STROKE` pixels wide (never enlarged), and the pen width
    there in pixels. Working at one pen width makes every later step cost the same at any resolution."""
    from scipy.ndimage import gaussian_filter
    from skimage.filters import apply_hysteresis_threshold, threshold_otsu
    from skimage.morphology import skeletonize
    from skimage.transform import rescale

    ink = 1 - np.clip(grey / background(grey), 0, 1)  # 0 on paper, towards 1 on dark ink
    t = threshold_otsu(ink) if np.ptp(ink) > 0 else 1.0
    rough = ink > t
    skeleton = skeletonize(rough).sum()
    rough_stroke = rough.sum() / skeleton if skeleton else 1.0  # area / length: fast, fine for choosing a scale
    scale = min(1.0, WORK_STROKE / rough_stroke)
    if scale < 0.9:
        ink = rescale(ink, scale, order=1, anti_aliasing=True)
    else:
        scale = 1.0
    ink = gaussian_filter(ink, 0.15 * WORK_STROKE * min(1.0, rough_stroke * scale / WORK_STROKE))
    t = threshold_otsu(ink) if np.ptp(ink) > 0 else 1.0
    if t < 0.05:  # no ink darker than paper noise: an empty page
        return np.zeros(ink.shape, bool), 1.0, scale
    mask = apply_hysteresis_threshold(ink, 0.5 * t, t)
    return mask, stroke_width(mask), scale


def background(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness under each pixel: the 90th percentile of blocks 1/32 of the shorter side, smoothed."""
    from scipy.ndimage import gaussian_filter
    from skimage.transform import resize

    b = max(4, min(grey.shape) // 32)
    h, w = grey.shape[0] // b, grey.shape[1] // b
    blocks = grey[:h * b, :w * b].reshape(h, b, w, b).transpose(0, 2, 1, 3).reshape(h, w, -1)
    coarse = gaussian_filter(np.percentile(blocks, 90, axis=2), 1.0, mode="nearest")  # (h, w)
    return np.maximum(resize(coarse, grey.shape, order=1, mode="edge"), 1e-3)


def stroke_width(mask: np.ndarray) -> float:
    """Median pen width (pixels) of a mask: twice the distance to the background along the strokes' skeleton."""
    from scipy.ndimage import distance_transform_edt
    from skimage.morphology import skeletonize

    if mask.sum() < 10:
        return 1.0
    skeleton = skeletonize(mask)
    dist = distance_transform_edt(mask)[skeleton]
    return float(max(1.0, 2 * np.median(dist) - 1)) if dist.size else 1.0


def components(mask: np.ndarray, stroke: float) -> list[Glyph]:
    """Connected components of ``mask`` after a closing of half a stroke, as glyphs (specks dropped)."""
    from scipy.ndimage import binary_closing
    from skimage.measure import label, regionprops
    from skimage.morphology import disk

    closed = binary_closing(mask, disk(max(1, round(stroke / 2))))
    labels = label(closed, connectivity=2)
    min_area = np.pi * (stroke / 2) ** 2 / 2  # half the pen's own dot: smaller is grain (a period is kept as a dot)
    glyphs = []
    for r in regionprops(labels):
        if r.area < min_area:
            continue
        y0, x0, y1, x1 = r.bbox
        # the closing only decides what belongs together; the glyph keeps its own, unclosed ink (as in training)
        ink = r.image & mask[y0:y1, x0:x1]
        glyphs.append(Glyph((x0, y0, x1, y1), ink if ink.any() else r.image.copy()))
    return glyphs


def is_dot(g: Glyph, height: float) -> bool:
    """Small against the character height in both directions (periods, specks)."""
    return max(g.width, g.height) < DOT_HEIGHT * height


def mark_periods(row: list[Glyph], dots: list[Glyph], height: float) -> None:
    """Flag the row's first glyph when a dot follows it closely on its lower half: a list number ("1.")."""
    if not row:
        return
    first = row[0]
    for d in dots:
        if first.box[2] <= d.centre[0] and d.box[0] - first.box[2] < 0.8 * height and \
                first.centre[1] < d.centre[1] < first.box[3] + 0.3 * height and \
                not any(g.box[0] < d.centre[0] for g in row[1:]):
            first.period = True


def merge(a: Glyph, b: Glyph) -> Glyph:
    """One glyph covering both (masks laid into the union box)."""
    x0, y0 = min(a.box[0], b.box[0]), min(a.box[1], b.box[1])
    x1, y1 = max(a.box[2], b.box[2]), max(a.box[3], b.box[3])
    mask = np.zeros((y1 - y0, x1 - x0), bool)
    for g in (a, b):
        mask[g.box[1] - y0:g.box[3] - y0, g.box[0] - x0:g.box[2] - x0] |= g.mask
    return Glyph((x0, y0, x1, y1), mask)


def merge_parts(row: list[Glyph]) -> list[Glyph]:
    """A row (left to right) with the pieces of one character joined: column ranges that overlap mostly."""
    out: list[Glyph] = []
    for g in row:
        if out:
            p = out[-1]
            overlap = min(p.box[2], g.box[2]) - max(p.box[0], g.box[0])
            if overlap > OVERLAP * min(p.width, g.width):
                out[-1] = merge(p, g)
                continue
        out.append(g)
    return out


def split_touching(g: Glyph, height: float, stroke: float) -> list[Glyph]:
    """``g`` cut into characters where it is much wider than tall and its column profile nearly empties."""
    h = max(g.height, 0.6 * height)
    if g.width <= SPLIT_WIDTH * h:
        return [g]
    profile = g.mask.sum(axis=0).astype(float)  # (W,) ink per column
    lo, hi = int(0.35 * h), g.width - int(0.35 * h)  # a character is at least about a third as wide as tall
    if hi <= lo:
        return [g]
    cut = lo + int(np.argmin(profile[lo:hi]))
    if profile[cut] > 1.5 * stroke:  # no clear gap: keep it whole
        return [g]
    parts = []
    for x0, x1 in ((0, cut), (cut, g.width)):
        m = g.mask[:, x0:x1]
        rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
        if not len(rows):
            continue
        sub = m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        box = (g.box[0] + x0 + cols[0], g.box[1] + rows[0], g.box[0] + x0 + cols[-1] + 1, g.box[1] + rows[-1] + 1)
        parts.extend(split_touching(Glyph(box, sub), height, stroke))
    return parts


def group_rows(glyphs: list[Glyph], height: float) -> list[list[Glyph]]:
    """Rows of glyphs, top to bottom, each left to right: single linkage on box-centre heights."""
    if not glyphs:
        return []
    order = sorted(glyphs, key=lambda g: g.centre[1])
    rows, current = [], [order[0]]
    for g in order[1:]:
        if g.centre[1] - current[-1].centre[1] > ROW_GAP * height:
            rows.append(current)
            current = []
        current.append(g)
    rows.append(current)
    return [sorted(r, key=lambda g: g.centre[0]) for r in rows]


def assign_words(row: list[Glyph], height: float) -> None:
    """Set ``word`` on each glyph of a row: a space where a gap is in the upper mode of the row's gaps."""
    gaps = np.array([b.box[0] - a.box[2] for a, b in zip(row, row[1:])], float)
    threshold = word_gap(gaps, height)
    word = 0
    for i, g in enumerate(row):
        if i and gaps[i - 1] > threshold:
            word += 1
        g.word = word


def word_gap(gaps: np.ndarray, height: float) -> float:
    """The gap above which a row's gap is a space: between the two modes of the gaps (the largest jump in
    the sorted gaps) when they are clearly two, else a fixed fraction of the character height."""
    floor = 0.45 * height  # letters of one word are rarely this far apart; a space is rarely closer
    if len(gaps) < 2:
        return floor
    s = np.sort(gaps)
    jumps = np.diff(s)
    i = int(np.argmax(jumps))
    if jumps[i] > 0.25 * height:
        return float(max(min((s[i] + s[i + 1]) / 2, 1.2 * height), 0.2 * height))
    return floor


def detect(grey: np.ndarray) -> Layout:
    """Characters of a grey page (float (H, W), paper light, ink dark) grouped into rows and words."""
    return layout(*ink_mask(grey))


def layout(mask: np.ndarray, stroke: float, scale: float = 1.0) -> Layout:
    """Characters of an ink mask (pen width ``stroke`` px, ``scale`` times the page) in rows and words."""
    glyphs = components(mask, stroke)
    if not glyphs:
        return Layout([], mask, stroke, 0.0, scale)
    height = float(np.median([g.height for g in glyphs if max(g.width, g.height) > 3 * stroke] or
                             [g.height for g in glyphs]))
    dots = [g for g in glyphs if is_dot(g, height)]
    rows = [merge_parts(r) for r in group_rows([g for g in glyphs if not is_dot(g, height)], height)]
    height = float(np.median([g.height for r in rows for g in r])) if rows else height
    rows = [[p for g in r for p in split_touching(g, height, stroke)] for r in rows]
    for i, row in enumerate(rows):
        mark_periods(row, dots, height)
        assign_words(row, height)
        for g in row:
            g.line = i
    return Layout(rows, mask, stroke, height, scale)
