"""The reader's pieces that need no classifier: page loading checks, word context for confusable pairs."""

import numpy as np
import pytest

from mllab.ocr.detect import Glyph
from mllab.ocr.reader import PageError, load_page, words_in_context


def _glyphs(words):
    out = []
    for w, n in enumerate(words):
        out += [Glyph((0, 0, 1, 1), np.ones((1, 1), bool), line=0, word=w) for _ in range(n)]
    return out


def test_confusables_follow_their_word():
    labels = list("T0DO" + "1" + "2O1" + "5A8")
    # word 0: T0DO (0 among letters -> O), word 1: "1" alone (kept), word 2: 2O1 (O among digits -> 0),
    # word 3: 5A8: 5 and 8 each sit beside a letter and a digit (mixed, kept)
    out = words_in_context(_glyphs([4, 1, 3, 3]), labels, np.zeros((11, 36)))
    assert "".join(out) == "TODO" + "1" + "201" + "5A8"
    assert "".join(words_in_context(_glyphs([3]), list("1O5"), None)) == "105"  # O among digits -> 0
    assert "".join(words_in_context(_glyphs([4]), list("8ILL"), None)) == "BILL"


def test_page_loading_checks():
    with pytest.raises(PageError, match="at least 32x32"):
        load_page(np.zeros((10, 500)))
    grey, warnings = load_page(np.full((50, 8000), 200, np.uint8))
    assert grey.shape == (25, 4000) and "downscaled to 4000x25" in warnings[0] and grey.max() <= 1
