"""handwritten36: deterministic generation, font families held out whole, glyph normalization."""

import numpy as np
import pytest

from mllab.core.errors import MllabError
from mllab.data.dataset import Split
from mllab.data.glyphs import normalize_glyph
from mllab.data.handwritten36 import CLASSES, FONT_PACKAGES, FONT_ROOT, font_families, generate


@pytest.fixture(scope="module")
def fonts():
    try:
        return font_families()
    except MllabError as err:
        pytest.skip(str(err))


def _digits():
    # ten 28x28 "digits": a vertical bar at a different column each (enough to exercise the digit path)
    x = np.zeros((10, 1, 28, 28), np.uint8)
    for d in range(10):
        x[d, 0, 4:24, 8 + d:12 + d] = 255
    return Split(x, np.arange(10))


def test_generation_is_deterministic_and_seeded(fonts):
    train, _ = fonts
    a, b = generate(train, _digits(), 2, seed=0, split=0), generate(train, _digits(), 2, seed=0, split=0)
    c = generate(train, _digits(), 2, seed=1, split=0)
    assert a.x.shape == (72, 1, 28, 28) and a.x.dtype == np.uint8
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert a.y.tolist() == [c for c in range(36) for _ in range(2)] and CLASSES[0] == "A" and CLASSES[26] == "0"


def test_held_out_families_are_whole_and_disjoint(fonts):
    train, held = fonts
    assert held and train and not set(train) & set(held)
    assert set(train) | set(held) <= set(FONT_PACKAGES)
    assert not {f for fs in train.values() for f in fs} & {f for fs in held.values() for f in fs}


def test_font_packages_match_the_makefile():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "Makefile").read_text().replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if ln.startswith("FONT_PACKAGES"))
    assert sorted(line.split(":=")[1].split()) == sorted(FONT_PACKAGES)


def _ring(size, pen):
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(yy - size / 2, xx - size / 2)
    return np.abs(r - 0.4 * size) < pen / 2


def test_normalization_removes_resolution_and_pen_width():
    # the same letter O at 60 px with a 3-px pen and at 240 px with a 30-px pen normalizes to one image
    small, big = normalize_glyph(_ring(60, 3)), normalize_glyph(_ring(240, 30))
    assert small.shape == (28, 28) and small.max() > 200
    assert np.abs(small.astype(int) - big.astype(int)).mean() < 8
    # whereas a plain resize keeps the pen: the thick ring's resize has far more ink
    from skimage.transform import resize
    ink = [resize(_ring(s, p).astype(float), (28, 28), anti_aliasing=True).sum() for s, p in ((60, 3), (240, 30))]
    assert ink[1] > 2 * ink[0]


def test_font_files_without_latin_capitals_are_skipped(fonts):
    from mllab.data.handwritten36 import HELD_OUT, _draws_capitals

    train, held = fonts
    used = {f.name for fs in (*train.values(), *held.values()) for f in fs}
    assert set(held) <= set(HELD_OUT) and not set(train) & set(HELD_OUT)
    assert all(_draws_capitals(f) for fs in train.values() for f in fs)
    kanji_only = FONT_ROOT / "truetype/seto/setofont-ex.ttf"  # fonts-seto's companion file: no Latin letters
    if kanji_only.is_file():
        assert not _draws_capitals(kanji_only) and kanji_only.name not in used
