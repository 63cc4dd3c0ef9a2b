"""What reading a page gives: characters with boxes, their rows and words, the text, and warnings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


CONFIDENCE = ("the classifier's softmax probability of the character read (not calibrated; 0/O, 1/I, 5/S, 2/Z, 8/B "
              "and 6/G share theirs)")


@dataclass(frozen=True)
class Char:
    """One read character: ``box`` (x0, y0, x1, y1) in page pixels, ``text`` (A-Z, 0-9), ``confidence`` (the
    classifier's probability of ``text``), ``line`` and ``word`` (indices, from 0, top to bottom and left to
    right): EasyOCR's (box, text, confidence) with the layout added."""

    box: tuple[int, int, int, int]
    text: str
    confidence: float
    line: int
    word: int


@dataclass
class Page:
    """A read page: ``chars`` in reading order, ``warnings`` (rotated, downscaled, empty, ...), ``size`` (W, H)
    of the image the boxes refer to.

    >>> p = Page([Char((0, 0, 9, 9), "H", 0.9, 0, 0), Char((10, 0, 19, 9), "I", 0.8, 0, 0),
    ...           Char((0, 20, 9, 29), "2", 0.7, 1, 0)], [], (20, 30))
    >>> p.lines, p.text
    (['HI', '2'], 'HI\\n2')
    """

    chars: list[Char]
    warnings: list[str] = field(default_factory=list)
    size: tuple[int, int] = (0, 0)

    @property
    def lines(self) -> list[str]:
        """The text of each row, words separated by one space."""
        rows: dict[int, list[Char]] = {}
        for c in self.chars:
            rows.setdefault(c.line, []).append(c)
        out = []
        for line in sorted(rows):
            text, word = "", None
            for c in rows[line]:
                text += (" " if word is not None and c.word != word else "") + c.text
                word = c.word
            out.append(text)
        return out

    @property
    def mean_confidence(self) -> float | None:
        """The mean of the characters' confidences (``None`` when no character was found)."""
        return sum(c.confidence for c in self.chars) / len(self.chars) if self.chars else None

    @property
    def text(self) -> str:
        """The page's text, one row per line."""
        return "\n".join(self.lines)

    def to_json(self) -> dict:
        """The page as plain data: ``text``, ``size``, ``mean_confidence``, ``confidence`` (what it means),
        ``warnings`` and ``chars`` (each ``box``, ``text``, ``confidence``, ``line``, ``word``)."""
        mean = self.mean_confidence
        return {"text": self.text, "size": list(self.size), "mean_confidence": None if mean is None else round(mean, 4),
                "confidence": CONFIDENCE, "warnings": list(self.warnings),
                "chars": [{**asdict(c), "box": list(c.box), "confidence": round(c.confidence, 4)} for c in self.chars]}
