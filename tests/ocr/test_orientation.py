"""Orientation: the left-margin cue on known row layouts, and turned synthetic pages in held-out hands."""

import numpy as np
import pytest

from mllab.ocr.detect import Glyph, Layout
from mllab.ocr.reader import _left_margin

LINES = ("TO DO LIST", "1 BUY MILK", "CALL 2 FRIENDS", "MEET AT 10", "ROOM 4B")


def _layout(spans):
    """A layout with one row per (x0, x1) span: a glyph at each end."""
    rows = [[Glyph((x0, 40 * i, x0 + 10, 40 * i + 30), np.ones((30, 10), bool)),
             Glyph((x1 - 10, 40 * i, x1, 40 * i + 30), np.ones((30, 10), bool))] for i, (x0, x1) in enumerate(spans)]
    return Layout(rows, np.zeros((1, 1), bool))


def test_left_margin_reads_which_edge_is_ragged():
    flush_left = [(10, 300), (12, 180), (8, 420), (11, 250)]
    assert _left_margin(_layout(flush_left)) == 1
    assert _left_margin(_layout([(500 - x1, 500 - x0) for x0, x1 in flush_left])) == -1  # turned by 180
    assert _left_margin(_layout([(10, 300), (12, 180)])) == 0  # two rows say nothing
    assert _left_margin(_layout([(100, 300), (40, 360), (70, 330)])) == 0  # centred


@pytest.mark.parametrize("k,turn", [(0, None), (2, "180 degrees"), (1, "90 degrees counter-clockwise")])
def test_turned_synthetic_page_is_detected_and_read(held_out, k, turn):
    from mllab.ocr.classifier import Classifier, bundled_run
    from mllab.ocr.metric import char_accuracy
    from mllab.ocr.reader import load_page, read_grey
    from mllab.ocr.synthetic import render_page

    fonts, digits = held_out
    # seed 4: turned by 180, the first shipped classifier's confidence alone (TURN_MARGIN) left it upside down
    page = render_page(LINES, height=32, rng=np.random.default_rng(4), fonts=fonts, digits=digits)
    grey, warnings = load_page(np.rot90(page.image, k).copy())
    read = read_grey(grey, Classifier(bundled_run()), warnings)
    turned = [w for w in read.warnings if "rotated" in w]
    assert (turned == []) if turn is None else (len(turned) == 1 and turn in turned[0]), read.warnings
    assert char_accuracy(read.text, page.text) > 0.7
