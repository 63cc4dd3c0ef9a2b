"""The OCR metric: closed-form cases and parity with a plain dynamic-programming reference."""

import random

import pytest

from mllab.ocr.metric import char_accuracy, edit_distance, line_accuracies, normalize


def _reference_distance(a: str, b: str) -> int:
    # full-table Levenshtein, the textbook recurrence
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1][-1]


@pytest.mark.parametrize("a,b,expected", [("", "", 0), ("ABC", "", 3), ("", "AB", 2), ("KITTEN", "SITTING", 3),
                                          ("ABC", "ABC", 0), ("ABCD", "ACBD", 2)])
def test_edit_distance_closed_form(a, b, expected):
    assert edit_distance(a, b) == expected


def test_edit_distance_matches_reference_on_random_strings():
    rng = random.Random(0)
    for _ in range(200):
        a = "".join(rng.choice("AB01") for _ in range(rng.randint(0, 9)))
        b = "".join(rng.choice("AB01") for _ in range(rng.randint(0, 9)))
        assert edit_distance(a, b) == _reference_distance(a, b)


def test_accuracy_ignores_spaces_case_and_punctuation():
    assert normalize("1. make a list\n") == "1MAKEALIST"
    assert char_accuracy("1 make a list", "1. MAKE A LIST") == 1.0
    assert char_accuracy("T0D0", "TO DO") == pytest.approx(0.5)  # two substitutions over four characters
    assert char_accuracy("XXXXXXXXXX", "AB") == 0.0  # floored at zero
    assert line_accuracies(["AB"], ["AB", "CD"]) == [1.0, 0.0]


def test_report_002_outputs_scored():
    # report 002 Q4.4's printed text for 02_letters.jpg: 5 wrong characters of 30
    assert char_accuracy("XBCDEFG HITKLMN OPQRSTU VWXYZ 1X3GS67X90",
                         "ABCDEFG HIJKLMN OPQRSTU VWXYZ 1234567890") == pytest.approx(1 - 5 / 30)
