"""Synthetic handwritten pages with known text and boxes: the validation set for every choice of the pipeline.

Letters come from font families the classifier never trains on (``handwritten36``'s held-out fonts) and
digits from MNIST's test split, each lightly distorted like the training images; they are laid out in rows
with random letter and word gaps, a slight slant, on paper with uneven light, a tint and noise, at any
resolution (``height``: character height in pixels).

>>> import numpy as np
>>> page = render_page(["AB 12"], height=40, rng=np.random.default_rng(0))  # doctest: +SKIP
>>> page.image.shape, [b.text for b in page.boxes]  # doctest: +SKIP
((..., ..., 3), ['A', 'B', '1', '2'])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mllab.data.dataset import Split
from mllab.data.handwritten36 import _digit_ink, distort, font_families, render_letter

PAGE_TEXT = ("TO DO LIST", "1 BUY MILK", "CALL 2 FRIENDS", "MEET AT 10", "ROOM 4B")


@dataclass(frozen=True)
class TrueBox:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (x1, y1 exclusive)
    text: str
    line: int


@dataclass(frozen=True)
class SyntheticPage:
    image: np.ndarray  # (H, W, 3) uint8
    lines: tuple[str, ...]
    boxes: tuple[TrueBox, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def glyph_ink(ch: str, fonts: list[Path], digits: Split, rng: np.random.Generator) -> np.ndarray:
    """A distorted ink image (float, cropped to the glyph) of one character."""
    if ch.isdigit():
        ink = _digit_ink(digits.x[rng.choice(np.flatnonzero(digits.y == int(ch))), 0])
    else:
        ink = render_letter(fonts[rng.integers(len(fonts))], ch)
    ink = distort(ink, rng)
    rows, cols = np.flatnonzero(ink.max(1) > 0.5), np.flatnonzero(ink.max(0) > 0.5)
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def paper(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Paper-like background (H, W, 3) float: a tint, light falling off across the page, grain."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    light = rng.uniform(0.75, 0.95) + rng.uniform(-0.15, 0.15) * xx + rng.uniform(-0.15, 0.15) * yy
    tint = rng.uniform(0.92, 1.0, 3)
    return np.clip(light[..., None] * tint + rng.normal(0, 0.015, (h, w, 1)), 0, 1)


def render_page(lines: list[str] | tuple[str, ...] = PAGE_TEXT, height: int = 60, rng=None,
                fonts: list[Path] | None = None, digits: Split | None = None) -> SyntheticPage:
    """A page with ``lines`` written at character height ``height`` px (held-out fonts and MNIST test digits)."""
    from skimage.transform import resize

    rng = rng if rng is not None else np.random.default_rng(0)
    if fonts is None:
        fonts = [f for files in font_families()[1].values() for f in files]
    if digits is None:
        from mllab.data import load

        digits = load("mnist").test
    placed, y = [], 1.5 * height
    slant = np.tan(np.deg2rad(rng.uniform(-1.5, 1.5)))
    for line, text in enumerate(lines):
        x = rng.uniform(0.8, 1.6) * height
        for ch in text:
            if ch == " ":
                x += rng.uniform(0.8, 1.2) * height
                continue
            ink = glyph_ink(ch, fonts, digits, rng)
            h = height * rng.uniform(0.85, 1.1)
            w = max(2, round(ink.shape[1] * h / ink.shape[0]))
            ink = resize(ink, (round(h), w), order=1, anti_aliasing=True)
            top = y - h / 2 + x * slant + rng.uniform(-0.05, 0.05) * height
            placed.append((int(x), int(top), ink, ch, line))
            x += w + rng.uniform(0.2, 0.4) * height
        y += rng.uniform(1.8, 2.2) * height
    width = int(max(p[0] + p[2].shape[1] for p in placed) + 1.5 * height)
    canvas = np.zeros((int(y), width), np.float32)
    boxes = []
    for x0, y0, ink, ch, line in placed:
        region = canvas[y0:y0 + ink.shape[0], x0:x0 + ink.shape[1]]
        np.maximum(region, ink, out=region)
        rows, cols = np.flatnonzero(ink.max(1) > 0.5), np.flatnonzero(ink.max(0) > 0.5)
        boxes.append(TrueBox((x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1),
                             ch, line))
    darkness = rng.uniform(0.55, 0.75)  # pencil to pen
    page = paper(canvas.shape, rng) * (1 - darkness * canvas[..., None])
    return SyntheticPage(np.clip(page * 255, 0, 255).astype(np.uint8), tuple(lines), tuple(boxes))
