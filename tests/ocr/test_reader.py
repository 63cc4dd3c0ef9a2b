"""The reader's pieces that need no classifier: page loading checks, word context for confusable pairs."""

import numpy as np
import pytest

from mllab.ocr.detect import Glyph
from mllab.ocr.reader import PageError, load_page, words_in_context


def _glyphs(words, line=0):
    out = []
    for w, n in enumerate(words):
        out += [Glyph((0, 0, 1, 1), np.ones((1, 1), bool), line=line, word=w) for _ in range(n)]
    return out


def test_confusables_follow_their_word():
    labels = list("T0DO" + "1" + "3O7" + "5A4")
    # word 0: T0DO (0 among letters -> O), word 1: "1" alone in a sentence (kept), word 2: 3O7 (O among digits
    # -> 0), word 3: 5A4: the 5 sits beside a letter and a digit (mixed, kept)
    out = words_in_context(_glyphs([4, 1, 3, 3]), labels, np.zeros((11, 36)))
    assert "".join(out) == "TODO" + "1" + "307" + "5A4"
    assert "".join(words_in_context(_glyphs([3]), list("1O5"), None)) == "1O5"  # confusables are no evidence
    assert "".join(words_in_context(_glyphs([4]), list("8ILL"), None)) == "BILL"


def test_page_loading_checks():
    with pytest.raises(PageError, match="at least 32x32"):
        load_page(np.zeros((10, 500)))
    grey, warnings = load_page(np.full((50, 8000), 200, np.uint8))
    assert grey.shape == (25, 4000) and "downscaled to 4000x25" in warnings[0] and grey.max() <= 1


def test_lone_characters_take_their_row_only_in_a_row_of_spaced_characters():
    # "COMPLETED 2 THINGS": a sentence; the lone 2 stays a digit
    assert "".join(words_in_context(_glyphs([9, 1, 6]), list("COMPLETED2THINGS"), None)) == "COMPLETED2THINGS"
    # "0 P Q R S": spaced letters; the lone 0 is an O. "1 234": spaced digits; I is a 1
    assert "".join(words_in_context(_glyphs([1, 1, 1, 1, 1]), list("0PQRS"), None)) == "OPQRS"
    assert "".join(words_in_context(_glyphs([1, 3]), list("I234"), None)) == "1234"


def test_a_character_before_a_period_is_the_likeliest_digit():
    glyphs = _glyphs([1, 4])
    glyphs[0].period = True
    probs = np.zeros((5, 36))
    probs[0, 8], probs[0, 26 + 7] = 0.6, 0.3  # read as I (0.6), 7 the likeliest digit
    assert "".join(words_in_context(glyphs, list("IMAKE"), probs)) == "7MAKE"


def test_a_page_is_doubted_for_low_confidence_or_too_much_ink():
    from mllab.ocr.reader import LOW_CONFIDENCE, MAX_INK_SHARE, not_writing

    assert not_writing(0.9, 0.05) is None and not_writing(None, 0.9) is None  # no characters: its own warning
    assert f"mean character confidence 0.50, under {LOW_CONFIDENCE}" in not_writing(0.5, 0.05)
    assert "70% of it is ink" in not_writing(0.95, 0.7) and "confidence" not in not_writing(0.95, 0.7).split("(")[1]
    both = not_writing(0.4, 0.7)
    assert both.count("\n") == 0 and "0.40" in both and "70%" in both  # one line, both reasons
    # the numbers --help quotes are the ones used
    from mllab.cli.ocr import ocr

    assert f"under {LOW_CONFIDENCE}" in ocr.__doc__ and f"over {MAX_INK_SHARE:.0%} ink" in ocr.__doc__
