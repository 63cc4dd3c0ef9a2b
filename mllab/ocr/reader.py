"""Read a page: load and check the image, find the characters, classify each normalized crop, build the text.

>>> from PIL import Image, ImageDraw
>>> page_image = Image.new("L", (640, 110), 255)
>>> ImageDraw.Draw(page_image).text((20, 20), "TO   DO   LIST", fill=0, font_size=56)
>>> page_image.save("page.png")  # a photo or scan of a page: page.jpg, page.png, ...
>>> from mllab.ocr import read
>>> print(read("page.png").text)
TO DO LIST
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mllab.core.errors import MllabError
from mllab.data.glyphs import normalize_glyph
from mllab.data.handwritten36 import CLASSES
from mllab.ocr.classifier import Classifier, choose_run
from mllab.ocr.detect import Layout, ink_mask, layout
from mllab.ocr.image import DEFAULT_MAX_PIXELS, PageError, check_max_pixels, check_size, open_page_image
from mllab.ocr.page import Char, Page

log = logging.getLogger(__name__)

MAX_SIDE = 4000  # pages whose longer side is larger are downscaled to it (a phone photo is about 4000 px)
MIN_SIDE = 32
# A page is read turned when a turned reading's mean confidence beats the upright one by this much. Upright
# pages of capitals read about 0.1 surer than upside down (H, I, N, O, S, X, Z survive a half turn).
TURN_MARGIN = 0.05
# The left-margin cue of orientation: rows' left edges must vary MARGIN_RATIO times less than their right edges
# (or the reverse), over MARGIN_ROWS rows or more. Synthetic pages (left edges jittered by up to 0.8 character
# heights, lines of 10-17 characters) have ratios of 5-40.
MARGIN_RATIO = 2.0
MARGIN_ROWS = 3
# When a page is probably not handwriting of A-Z, 0-9 (a warning; the text is still printed). Measured with the
# shipped classifier by bench/ocr_confidence.py (bench/RESULTS.md, "OCR: when a page is not a page"): mean
# character confidence (softmax probability of the character read, not calibrated) on 24 pages of handwriting
# (the handout pages at 3 scales and upside down: 0.897-0.960; pages of MNIST test digits, where 0/O, 1/I, 5/S
# split the probability: 0.641-0.893) against 23 images with something read on them that are not pages (noise,
# photos, textures: 0.391-0.999, median 0.750). Confidence alone cannot tell noise: one "character" spanning the
# page reads at 0.72-0.95. The share of the page that is ink can: 0.032-0.103 on the pages of handwriting,
# 0.277-0.986 on noise, photos and textures (0.05-0.15 on a few: the moon, cells, a clock, printed text).
LOW_CONFIDENCE = 0.6  # below every page of handwriting measured (0.641); flags 4 of the 23
MAX_INK_SHARE = 0.25  # over twice the densest page of handwriting (0.103), under every noise image; flags 18 of 23
# Pairs one hand draws alike (the five, and 6/G); in a context of the other kind, the twin is read.
CONFUSABLE = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "2": "Z", "Z": "2", "8": "B", "B": "8",
              "6": "G", "G": "6"}


def load_page(image, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray, list[str]]:
    """``(grey, warnings)``: a path, PIL image or array as float grey (H, W) in [0, 1], downscaled if huge.

    A file or PIL image of more than ``max_pixels`` pixels is refused before it is decoded
    (:func:`~mllab.ocr.image.open_page_image`); an array is in memory already and is only downscaled.
    """
    from PIL import Image

    warnings, name = [], "the page"
    if isinstance(image, (str, Path)):
        name = str(image)
        image = open_page_image(image, max_pixels)
    elif isinstance(image, Image.Image):
        check_size(image.size, check_max_pixels(max_pixels), "the page image")
    if isinstance(image, Image.Image):
        image = image.convert("L")
    grey = np.asarray(image, np.float32)
    if grey.ndim == 3:
        grey = grey[..., :3].mean(axis=2)
    if grey.ndim != 2 or min(grey.shape) < MIN_SIDE:
        raise PageError(f"ocr: {name} is {grey.shape} pixels; expected a grey or colour image at least "
                        f"{MIN_SIDE}x{MIN_SIDE}")
    grey = grey / 255 if grey.max() > 1 else grey
    if max(grey.shape) > MAX_SIDE:
        from skimage.transform import resize

        scale = MAX_SIDE / max(grey.shape)
        shape = (round(grey.shape[0] * scale), round(grey.shape[1] * scale))
        warnings.append(f"page is {grey.shape[1]}x{grey.shape[0]} pixels: downscaled to {shape[1]}x{shape[0]} "
                        "to read it (boxes are in the downscaled page's pixels)")
        grey = resize(grey, shape, order=1, anti_aliasing=True).astype(np.float32)
    return grey, warnings


def classify(found: Layout, classifier: Classifier) -> tuple[list, np.ndarray]:
    glyphs = [g for row in found.rows for g in row]
    x = np.stack([normalize_glyph(g.mask) for g in glyphs])[:, None] if glyphs else np.zeros((0, 1, 28, 28))
    return glyphs, classifier.probabilities(x.astype(np.uint8))


def read_mask(mask: np.ndarray, stroke: float, scale: float, classifier: Classifier):
    found = layout(mask, stroke, scale)
    glyphs, probs = classify(found, classifier)
    return found, glyphs, probs


def orient(mask: np.ndarray, stroke: float, scale: float, classifier: Classifier, warnings: list[str]):
    """Read the mask upright and turned by 90, 180 and 270 degrees; return ``(k, layout, glyphs, probs)`` of the
    reading taken (``k`` quarter turns counter-clockwise), warning in one line when it is not the upright one.

    Two questions, each with its own evidence:

    - which way the rows run: a quarter turn is taken only when it makes the rows longer (more characters per
      row), finds at least half as many characters and reads clearly surer (:data:`TURN_MARGIN`);
    - which end is up (0 or 180, 90 or 270), by :func:`_upside_down`: the classifier's confidence, and the left
      margin of Latin script (rows start at a common left edge and end ragged; turned by 180 degrees the
      ragged edge is on the left).
    """
    readings = {k: (k, *read_mask(np.rot90(mask, k), stroke, scale, classifier)) for k in range(4)}
    if not len(readings[0][2]):
        return readings[0]
    best = readings[2] if _upside_down(readings[0], readings[2]) else readings[0]
    quarter = readings[3] if _upside_down(readings[1], readings[3]) else readings[1]
    if (_per_row(quarter[1]) > _per_row(best[1]) and len(quarter[2]) >= len(best[2]) / 2
            and _mean_confidence(quarter[3]) > _mean_confidence(best[3]) + TURN_MARGIN):
        best = quarter
    if best[0]:
        turn = {1: "90 degrees clockwise", 2: "180 degrees", 3: "90 degrees counter-clockwise"}[best[0]]
        warnings.append(f"page looks rotated by {turn}: read it turned back (boxes are in the turned page's pixels)")
    return best


def _upside_down(reading, turned) -> bool:
    """Whether ``turned`` (``reading`` turned by 180 degrees) is the right way up: it reads clearly surer
    (:data:`TURN_MARGIN`), or surer at all and its rows have a left margin where ``reading``'s have a ragged one.
    With the classifier alone, pages in unfamiliar hands whose upright reading is surer by less than the margin
    stayed upside down: 2 of 12 synthetic pages in held-out fonts turned by 180 degrees (none with the left
    margin; no upright page turned either way; bench/RESULTS.md, OCR)."""
    gain = _mean_confidence(turned[3]) - _mean_confidence(reading[3])
    return gain > TURN_MARGIN or gain > 0 and _left_margin(turned[1]) > 0


def _left_margin(found: Layout) -> int:
    """+1 when the rows share a left edge and end ragged (:data:`MARGIN_RATIO`), -1 for the mirror, 0 when the
    page says neither (fewer than :data:`MARGIN_ROWS` rows, centred or justified text)."""
    rows = [r for r in found.rows if r]
    if len(rows) < MARGIN_ROWS:
        return 0
    left = np.std([min(g.box[0] for g in r) for r in rows])
    right = np.std([max(g.box[2] for g in r) for r in rows])
    return 1 if left * MARGIN_RATIO < right else -1 if right * MARGIN_RATIO < left else 0


def _per_row(found: Layout) -> float:
    return sum(len(r) for r in found.rows) / max(1, len(found.rows))


def _mean_confidence(probs: np.ndarray) -> float:
    return float(probs.max(1).mean()) if len(probs) else 0.0


def read(image, run: str | Path | None = None, classifier: Classifier | None = None,
         max_pixels: int = DEFAULT_MAX_PIXELS) -> Page:
    """Read a handwritten page (path, PIL image or array): a :class:`~mllab.ocr.page.Page` (``.text``,
    ``.lines``, ``.chars``, ``.mean_confidence``, ``.warnings``).

    ``run``: a run folder of the ``ocr_handwritten36`` recipe to read with; default the classifier shipped with
    mllab (checksum-verified; nothing is taken from the working directory). ``classifier``: one already loaded
    (:class:`~mllab.ocr.classifier.Classifier`), so that reading many pages loads the checkpoint once.
    ``max_pixels``: a larger page file is refused before it is decoded (:class:`~mllab.ocr.image.PageError`, as
    is a damaged one).
    """
    if run is not None and classifier is not None:
        raise MllabError("ocr read: give the run folder or a loaded classifier, not both")
    grey, warnings = load_page(image, max_pixels)
    return read_grey(grey, classifier or Classifier(choose_run(run)), warnings)


def read_grey(grey: np.ndarray, classifier: Classifier, warnings: list[str] | None = None) -> Page:
    """Read a page already loaded by :func:`load_page` (``warnings``: what loading said)."""
    warnings = list(warnings or [])
    mask, stroke, scale = ink_mask(grey)
    k, found, glyphs, probs = orient(mask, stroke, scale, classifier, warnings)
    size = (grey.shape[1], grey.shape[0]) if k % 2 == 0 else (grey.shape[0], grey.shape[1])
    if not glyphs:
        warnings.append("no characters found on the page (is it blank, or the ink too faint?)")
    labels = [CLASSES[i] for i in probs.argmax(1)]
    labels = words_in_context(glyphs, labels, probs)
    chars = [Char(found.page_box(g), t, float(probs[i, CLASSES.index(t)]), g.line, g.word)
             for i, (g, t) in enumerate(zip(glyphs, labels))]
    page = Page(chars, warnings, size)
    doubt = not_writing(page.mean_confidence, float(mask.mean()))
    if doubt:
        page.warnings.append(doubt)
    return page


def not_writing(mean_confidence: float | None, ink_share: float) -> str | None:
    """One warning line when a read page is probably not handwriting of A-Z, 0-9: its mean character confidence
    is under :data:`LOW_CONFIDENCE`, or more than :data:`MAX_INK_SHARE` of it is ink; else ``None``."""
    if mean_confidence is None:
        return None
    reasons = []
    if mean_confidence < LOW_CONFIDENCE:
        reasons.append(f"mean character confidence {mean_confidence:.2f}, under {LOW_CONFIDENCE}")
    if ink_share > MAX_INK_SHARE:
        reasons.append(f"{ink_share:.0%} of it is ink, a written page has under {MAX_INK_SHARE:.0%}")
    if not reasons:
        return None
    return (f"low confidence: the page does not look like handwritten A-Z, 0-9 ({'; '.join(reasons)}); noise, a "
            "photo or another script? Take the text with care")


def words_in_context(glyphs, labels: list[str], probs: np.ndarray | None) -> list[str]:
    """Labels with confusable pairs (0/O, 1/I, 5/S, 2/Z, 8/B, 6/G) read as the kind of their context, where the
    page offers one (the classifier alone cannot tell a round 0 from an O):

    - a row's first character followed by a period ("1.") is a list number: the likeliest digit;
    - in a word of two or more characters, the other characters: a digit among letters only reads as its
      letter twin, a letter among digits only as its digit twin; a word mixing both kinds says nothing, and
      neither do the confusable characters themselves;
    - a one-character word takes the rest of its row as its context only in a row of spaced characters (at
      least half its words one character long, like an alphabet or a code written apart); in a sentence
      ("COMPLETED 2 THINGS") a lone digit or letter is plausible and keeps the classifier's reading.
    """
    out = list(labels)
    words: dict[tuple[int, int], list[int]] = {}
    for i, g in enumerate(glyphs):
        words.setdefault((g.line, g.word), []).append(i)
    rows: dict[int, list[list[int]]] = {}
    for (line, _), members in words.items():
        rows.setdefault(line, []).append(members)
    for (line, _), members in words.items():
        if len(members) > 1:
            context_of = {i: [j for j in members if j != i] for i in members}
        elif 2 * sum(len(w) == 1 for w in rows[line]) >= len(rows[line]):
            context_of = {members[0]: [j for w in rows[line] for j in w if j != members[0]]}
        else:
            context_of = {members[0]: []}
        for i, context in context_of.items():
            if glyphs[i].period and labels[i].isalpha():  # the likeliest digit
                out[i] = CLASSES[26 + int(np.argmax(probs[i, 26:]))] if probs is not None else \
                    CONFUSABLE.get(labels[i], labels[i])
            elif labels[i] in CONFUSABLE and not glyphs[i].period:
                # evidence comes from the unambiguous characters only (an S among digits says nothing)
                kinds = {labels[j].isdigit() for j in context if labels[j] not in CONFUSABLE}
                if kinds == {not labels[i].isdigit()}:
                    out[i] = CONFUSABLE[labels[i]]
    return out
