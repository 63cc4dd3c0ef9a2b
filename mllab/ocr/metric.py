"""Character accuracy, the one OCR score of mllab (report 002 Q4.4 scored pages so).

``accuracy = max(0, 1 - edit_distance(pred, truth) / len(truth))`` over both texts upper-cased with spaces and
everything outside A-Z, 0-9 removed (the 36-class alphabet; the periods after list numbers are not in it).
An inserted, deleted or substituted character each costs one edit (Levenshtein).

>>> char_accuracy("T0 D0 LIST", "TO DO LIST")
0.75
>>> char_accuracy("hello world", "HELLO WORLD")
1.0
"""

from __future__ import annotations

ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def normalize(text: str) -> str:
    """``text`` upper-cased with everything outside A-Z, 0-9 (spaces, punctuation, line breaks) removed."""
    return "".join(c for c in text.upper() if c in ALPHABET)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions that turn ``a`` into ``b``."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(predicted: str, truth: str) -> float:
    """1 - edit distance / truth length over the normalized texts (:func:`normalize`), floored at 0."""
    p, t = normalize(predicted), normalize(truth)
    return max(0.0, 1.0 - edit_distance(p, t) / max(1, len(t)))


def line_accuracies(predicted_lines: list[str], truth_lines: list[str]) -> list[float]:
    """Per truth line, the accuracy of the predicted line in the same place ('' where there is none)."""
    return [char_accuracy(predicted_lines[i] if i < len(predicted_lines) else "", t)
            for i, t in enumerate(truth_lines)]
