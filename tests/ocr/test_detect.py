"""Detection on synthetic pages whose character boxes are known, at several resolutions."""

import numpy as np
import pytest

from mllab.ocr.detect import Glyph, detect, group_rows, mark_periods, merge_parts, split_touching, stroke_width
from mllab.ocr.synthetic import render_page

LINES = ("TO DO 1", "CALL 42 NOW")


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize("height", [28, 90])
def test_every_character_found_once_in_its_row(held_out, height):
    fonts, digits = held_out
    page = render_page(LINES, height=height, rng=np.random.default_rng(height), fonts=fonts, digits=digits)
    found = detect(page.image.mean(axis=2) / 255)
    assert [len(r) for r in found.rows] == [len(t.replace(" ", "")) for t in LINES]
    for row, truth_line in zip(found.rows, LINES):
        truth = [b for b in page.boxes if b.line == LINES.index(truth_line)]
        for g, t in zip(row, truth):  # left to right, one to one
            assert _iou(found.page_box(g), t.box) > 0.6, (t.text, g.box, t.box)


def test_stroke_width_follows_the_resolution():
    # a ring drawn with a 4-pixel and with a 12-pixel pen
    yy, xx = np.mgrid[0:200, 0:200]
    r = np.hypot(yy - 100, xx - 100)
    thin, thick = abs(r - 60) < 2, abs(r - 60) < 6
    assert stroke_width(thin) == pytest.approx(4, abs=1)
    assert stroke_width(thick) == pytest.approx(12, abs=1.5)


def _glyph(x0, y0, x1, y1):
    return Glyph((x0, y0, x1, y1), np.ones((y1 - y0, x1 - x0), bool))


def test_parts_of_one_character_merge_and_neighbours_do_not():
    row = [_glyph(0, 0, 20, 15), _glyph(2, 18, 19, 40), _glyph(30, 0, 50, 40)]
    merged = merge_parts(row)
    assert [g.box for g in merged] == [(0, 0, 20, 40), (30, 0, 50, 40)]


def test_rows_by_centre_tolerate_a_slant():
    # two rows of ten 40-px characters, each rising 3 px per character (about 4 degrees)
    glyphs = [_glyph(50 * i, y - 3 * i, 50 * i + 30, y - 3 * i + 40) for y in (100, 200) for i in range(10)]
    rows = group_rows(glyphs, 40)
    assert [len(r) for r in rows] == [10, 10] and all(r[0].box[0] == 0 for r in rows)


def test_touching_characters_split_at_the_gap():
    mask = np.zeros((40, 90), bool)
    mask[:, 5:9] = mask[:, 35:39] = mask[:, 50:54] = mask[:, 80:84] = True  # two boxes "[] []" joined by a bar
    mask[:3, 5:39] = mask[-3:, 5:39] = mask[:3, 50:84] = mask[-3:, 50:84] = True
    mask[20:22, 38:51] = True  # a thin joining stroke
    parts = split_touching(Glyph((0, 0, 90, 40), mask), 40.0, 4.0)
    assert len(parts) == 2 and parts[0].box[2] <= 52 and parts[1].box[0] >= 36


def test_a_period_marks_a_list_number_only_at_the_start_of_a_row():
    row = [_glyph(0, 0, 20, 40), _glyph(60, 0, 90, 40), _glyph(100, 0, 130, 40)]
    mark_periods(row, [_glyph(24, 34, 29, 39)], 40)  # "1. AB"
    assert [g.period for g in row] == [True, False, False]
    row = [_glyph(0, 0, 20, 40), _glyph(30, 0, 50, 40), _glyph(80, 0, 100, 40)]
    mark_periods(row, [_glyph(54, 34, 59, 39)], 40)  # "AB. C": the dot follows the second glyph
    assert not any(g.period for g in row)
