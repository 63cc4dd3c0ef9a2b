"""``handwritten36``: 36 classes A-Z, 0-9 (NIST36's order), generated for the OCR classifier.

Neither NIST36 nor EMNIST can be downloaded here, so the set is made from what can be had:

- digits 0-9: MNIST, real handwriting (train digits for train, test digits for test);
- letters A-Z: rendered from the handwriting-style fonts Debian packages (:data:`FONT_PACKAGES`; those not
  installed are skipped, and so are font files that draw no Latin capitals), half of the I and J drawn with
  the bars many hands add (:data:`ALLOGRAPHS`, shapes school handwriting teaches and few fonts draw). Whole
  font families (:data:`HELD_OUT`) are kept for the test split (:func:`font_families`), so test accuracy
  measures letters in hands the classifier never saw.

Every sample is distorted at high resolution: random affine (rotation, shear, anisotropic scale), elastic
distortion (Simard, Steinkraus & Platt 2003: a random displacement field smoothed by a Gaussian; training
letters harder than digits and test letters, :data:`TRAIN_LETTER_WARP`), then
normalized by :func:`mllab.data.glyphs.normalize_glyph` with a random pen width (stroke-width change), then
light blur and noise. Generation is deterministic: sample ``i`` of class ``c`` draws from a generator seeded
with ``(seed, c, i, split)``; the arrays are cached in ``MLLAB_CACHE/prepared``, keyed by the font files,
the MNIST files and the options.
"""

from __future__ import annotations

import functools
import logging
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mllab.data.files import MissingDataError
from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.glyphs import STROKE, normalize_glyph
from mllab.data.registry import DATASETS

log = logging.getLogger(__name__)

_FORMAT_VERSION = 5
CLASSES = tuple(string.ascii_uppercase + string.digits)
FONT_ROOT = Path("/usr/share/fonts")
# Debian package -> font files (glob patterns under FONT_ROOT). Each package is one family: held out whole or not
# at all. fonts-nanum-extra: only its three handwriting faces (the rest are print faces).
FONT_PACKAGES = {
    "fonts-breip": "truetype/breip/*.ttf",
    "fonts-bwht": "opentype/bwht/*.otf",
    "fonts-comic-neue": "opentype/comic-neue/*.otf",
    "fonts-dkg-handwriting": "truetype/fifthhorseman/*.ttf",
    "fonts-humor-sans": "truetype/humor-sans/*.ttf",
    "fonts-kiloji": "truetype/kiloji/*.ttf",
    "fonts-klee": "truetype/klee/*.ttf",
    "fonts-kristi": "truetype/kristi/*.ttf",
    "fonts-nanum-extra": ("truetype/nanum/NanumPen.ttf", "truetype/nanum/NanumBrush.ttf",
                          "truetype/nanum/NanumBarunpen*.ttf"),
    "fonts-rufscript": "truetype/rufscript/*.ttf",
    "fonts-seto": "truetype/seto/*.ttf",  # its setofont-ex.ttf holds kanji only: skipped by _draws_capitals
    "fonts-sjfonts": "truetype/sjfonts/*.ttf",
    "fonts-tlwg-purisa-otf": "opentype/tlwg/Purisa*.otf",
    "fonts-tomsontalks": "truetype/tomsontalks/*.ttf",
    "fonts-yusei-magic": "truetype/yusei-magic/*.ttf",
}
# Families kept for the test split. The first three were chosen by name order (every 4th of the first twelve
# packages) before the classifier was ever trained; fonts-seto was added with kiloji and nanum-extra as a family
# neither the first shipped classifier nor its successor trained on (a fair before/after comparison).
HELD_OUT = ("fonts-dkg-handwriting", "fonts-rufscript", "fonts-yusei-magic", "fonts-seto")
RENDER = 48  # font size (px) letters are rendered at; MNIST digits are upscaled to the same height
STROKES = (1.6, 3.0)  # range of pen widths (output px) drawn for training images; pages use STROKE


def font_families(root: Path | None = None) -> tuple[dict[str, list[Path]], dict[str, list[Path]]]:
    """``(train, held_out)``: installed font files by package, split by whole family (:data:`HELD_OUT`)."""
    root = FONT_ROOT if root is None else root
    found = {pkg: [f for f in _glob(root, patterns) if _draws_capitals(f)] for pkg, patterns in FONT_PACKAGES.items()}
    families = sorted(p for p, files in found.items() if files)
    train, held = [p for p in families if p not in HELD_OUT], [p for p in families if p in HELD_OUT]
    if not train or not held:
        raise MissingDataError(f"handwritten36: {len(train)} training and {len(held)} held-out font families of the "
                         f"{len(FONT_PACKAGES)} handwriting font packages are installed under {root} (need one of "
                         f"each; held out: {', '.join(HELD_OUT)}). Install them: make fonts, or apt-get install "
                         f"{' '.join(FONT_PACKAGES)}")
    missing = sorted(set(FONT_PACKAGES) - set(families))
    if missing:
        log.info("handwritten36: font packages not installed, skipped: %s", ", ".join(missing))
    return {p: found[p] for p in train}, {p: found[p] for p in held}


def _glob(root: Path, patterns: str | tuple[str, ...]) -> list[Path]:
    return sorted(f for pattern in ((patterns,) if isinstance(patterns, str) else patterns) for f in root.glob(pattern))


@functools.lru_cache(maxsize=256)
def _draws_capitals(path: Path) -> bool:
    """Whether the font draws ink for every letter A-Z (a kanji-only companion file draws none)."""
    return all(render_letter(path, letter).max() > 0.5 for letter in string.ascii_uppercase)


def render_letter(font_path: Path, letter: str) -> np.ndarray:
    """Ink (H, W) float in [0, 1] of ``letter`` drawn with the font at :data:`RENDER` px, black margin around."""
    from PIL import Image, ImageDraw

    font = _font(str(font_path))
    canvas = Image.new("L", (RENDER * 3, RENDER * 3), 0)
    ImageDraw.Draw(canvas).text((RENDER, RENDER), letter, fill=255, font=font)
    return _with_margin(np.asarray(canvas, np.float32) / 255)


@functools.lru_cache(maxsize=64)
def _font(path: str):
    from PIL import ImageFont

    return ImageFont.truetype(path, RENDER)


def _with_margin(ink: np.ndarray) -> np.ndarray:
    """``ink`` cropped to its bounding box plus a margin of half its longer side (room for the distortions)."""
    rows, cols = np.flatnonzero(ink.max(1) > 0.25), np.flatnonzero(ink.max(0) > 0.25)
    if not len(rows):
        return ink
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return np.pad(ink, max(ink.shape) // 2)


@dataclass(frozen=True)
class Warp:
    """Ranges of the random distortion: rotation (degrees), shear, scale per axis, elastic strength (x size)."""

    angle: float = 10.0
    shear: float = 0.25
    scale: tuple[float, float] = (0.85, 1.15)
    alpha: tuple[float, float] = (0.6, 1.4)


# WARP: digits, the test split and the synthetic pages. Training letters are warped harder: MNIST digits already
# vary as hands do, while a font draws each letter one way; with equal warps the first classifier learned
# "irregular means digit" (held-out letters read as 8, 4, 0, 7). Slant up to about 22 degrees, elastic up to
# Simard's strength (alpha 34 px on a 20-px digit = 1.7 x size).
WARP = Warp()
PAGE_LIKE = 0.5  # share of the training images thresholded as a page gives them (:func:`as_on_a_page`)
TRAIN_LETTER_WARP = Warp(angle=12.0, shear=0.4, scale=(0.8, 1.2), alpha=(0.8, 1.8))


def distort(ink: np.ndarray, rng: np.random.Generator, warp: Warp = WARP) -> np.ndarray:
    """Random affine then elastic distortion of an ink image (H, W), sized from the glyph's own height."""
    from scipy.ndimage import affine_transform, gaussian_filter, map_coordinates

    rows = np.flatnonzero(ink.max(1) > 0.5)
    size = float(rows[-1] - rows[0] + 1) if len(rows) else float(ink.shape[0]) / 3
    angle, shear = np.deg2rad(rng.uniform(-warp.angle, warp.angle)), rng.uniform(-warp.shear, warp.shear)
    sy, sx = rng.uniform(*warp.scale, 2)
    c, s = np.cos(angle), np.sin(angle)
    matrix = np.array([[c, -s], [s, c]]) @ np.array([[1, shear], [0, 1]]) @ np.diag([1 / sy, 1 / sx])
    centre = np.array(ink.shape) / 2
    ink = affine_transform(ink, matrix, offset=centre - matrix @ centre, order=1)
    # Simard et al.: fields uniform in [-1, 1], smoothed with sigma, scaled by alpha (4 and 34 for 28-px digits)
    sigma, alpha = 0.18 * size, rng.uniform(*warp.alpha) * size
    dy, dx = (gaussian_filter(rng.uniform(-1, 1, ink.shape), sigma) * alpha for _ in range(2))
    yy, xx = np.meshgrid(np.arange(ink.shape[0]), np.arange(ink.shape[1]), indexing="ij")
    return map_coordinates(ink, [yy + dy, xx + dx], order=1)


def finish(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light blur and noise on a normalized glyph (uint8 28x28)."""
    from scipy.ndimage import gaussian_filter

    x = glyph.astype(np.float32)
    if rng.random() < 0.5:
        x = gaussian_filter(x, rng.uniform(0.3, 0.8))
    x = x + rng.normal(0, rng.uniform(0, 12), x.shape)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def make_sample(ink: np.ndarray, rng: np.random.Generator, warp: Warp = WARP, page_like: float = 0.0) -> np.ndarray:
    """One training image from a clean ink image: distort, threshold (with probability ``page_like`` as a page
    gives it, :func:`as_on_a_page`), normalize with a random pen, finish."""
    ink = distort(ink, rng, warp)
    mask = as_on_a_page(ink, rng) if rng.random() < page_like else ink > 0.5
    return finish(normalize_glyph(mask, stroke=rng.uniform(*STROKES)), rng)


def as_on_a_page(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The ink mask a page photo gives of this glyph: at a low resolution (the glyph 18-40 px high), a random
    threshold, and a pen broadened by up to 5 % of the glyph's height. Normalization redraws the pen, but a broad
    pen closes small counters and joins strokes before the skeleton is taken (an R whose bowl fills reads as
    B): training glyphs drawn at 48 px with the fonts' own pens never showed that; pages at 24 px do."""
    from scipy.ndimage import binary_dilation
    from skimage.morphology import disk
    from skimage.transform import rescale

    rows = np.flatnonzero(ink.max(1) > 0.5)
    size = float(rows[-1] - rows[0] + 1) if len(rows) else float(ink.shape[0])
    scale = min(1.0, rng.uniform(18, 40) / size)
    mask = rescale(ink, scale, order=1, anti_aliasing=scale < 1) > rng.uniform(0.35, 0.65)
    radius = int(rng.uniform(0, 0.05) * size * scale + 0.5)
    return binary_dilation(mask, disk(radius)) if radius else mask


def _barred(ink: np.ndarray, top: bool = True, bottom: bool = True) -> np.ndarray:
    """The glyph with horizontal bars across its top and/or bottom, as many hands write I and J."""
    rows, cols = np.flatnonzero(ink.max(1) > 0.5), np.flatnonzero(ink.max(0) > 0.5)
    if not len(rows):
        return ink
    pen = max(1, int(np.median((ink > 0.5).sum(1)[rows])))  # horizontal ink per row of a vertical stem
    h, centre = rows[-1] - rows[0] + 1, (cols[0] + cols[-1]) // 2
    half = max(pen, int(0.3 * h))
    out = ink.copy()
    for y, wanted in ((rows[0], top), (rows[-1] - pen + 1, bottom)):
        if wanted:
            out[y:y + pen, max(0, centre - half):centre + half] = 1.0
    return out


# Letter shapes many hands use that few fonts draw: I with bars top and bottom, J with a bar on top.
ALLOGRAPHS = {"I": _barred, "J": lambda ink: _barred(ink, bottom=False)}


def _digit_ink(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit (28, 28) uint8 -> ink at RENDER px high with a margin, like a rendered letter."""
    from skimage.transform import resize

    scale = RENDER / 20  # MNIST fits digits in 20x20
    return _with_margin(resize(digit.astype(np.float32) / 255, (round(28 * scale),) * 2, order=1))


def generate(families: dict[str, list[Path]], digits: Split, per_class: int, seed: int, split: int,
             letter_warp: Warp = WARP, page_like: float = 0.0) -> Split:
    """``per_class`` images of each of the 36 classes (letters from ``families`` distorted with ``letter_warp``,
    digits from ``digits`` with :data:`WARP`; a share ``page_like`` of them thresholded as on a page)."""
    # a family first, then one of its files: a family's weight does not grow with its number of files
    fonts = [files for _, files in sorted(families.items())]
    by_digit = [np.flatnonzero(digits.y == d) for d in range(10)]
    x = np.zeros((36 * per_class, 1, 28, 28), np.uint8)
    for c, label in enumerate(CLASSES):
        for i in range(per_class):
            rng = np.random.default_rng([seed, c, i, split])
            if label.isalpha():
                files = fonts[rng.integers(len(fonts))]
                ink = render_letter(files[rng.integers(len(files))], label)
                if label in ALLOGRAPHS and rng.random() < 0.5:
                    ink = ALLOGRAPHS[label](ink)
            else:
                ink = _digit_ink(digits.x[rng.choice(by_digit[int(label)]), 0])
            x[c * per_class + i, 0] = make_sample(ink, rng, letter_warp if label.isalpha() else WARP, page_like)
    return Split(x, np.repeat(np.arange(36), per_class).astype(np.int64))


@DATASETS.register("handwritten36", kind="image", folders=("mnist",), files=())
def handwritten36(per_class: int = 1500, test_per_class: int = 250, seed: int = 0) -> Dataset:
    """Generated handwriting, 28x28 grey, 36 classes A-Z 0-9: MNIST digits and letters from handwriting fonts
    (whole font families held out for test), distorted; ``per_class`` train and ``test_per_class`` test images
    per class. Needs MNIST on MLLAB_DATA and Debian's handwriting font packages."""
    from mllab.data import load

    mnist = load("mnist")
    train_fonts, test_fonts = font_families()
    sources = sorted(f for fam in (train_fonts, test_fonts) for files in fam.values() for f in files)
    sources += [Path(p) for p in mnist.info["files"]]
    options = {"per_class": per_class, "test_per_class": test_per_class, "seed": seed}

    def build():
        train = generate(train_fonts, mnist.train, per_class, seed, 0, TRAIN_LETTER_WARP, PAGE_LIKE)
        test = generate(test_fonts, mnist.test, test_per_class, seed, 1)
        return {"x_train": train.x, "y_train": train.y, "x_test": test.x, "y_test": test.y}

    a = cached_arrays("handwritten36", _FORMAT_VERSION, sources, options, build)
    info = {"train_fonts": sorted(train_fonts), "test_fonts": sorted(test_fonts), "stroke": STROKE, "glyphs": True,
            **options}
    return Dataset("handwritten36", Split(a["x_train"], a["y_train"]), Split(a["x_test"], a["y_test"]), CLASSES,
                   info)
