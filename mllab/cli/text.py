"""Plain-text tables for the terminal: columns as wide as their widest cell, numbers right-aligned.

>>> print(columns(["name", "n"], [["a", 1], ["long name", 12]], right={"n"}))
name       n
a          1
long name 12
"""

from __future__ import annotations

from typing import Any, Sequence


def columns(header: Sequence[str], rows: Sequence[Sequence[Any]], right: set[str] = frozenset()) -> str:
    """``header`` and ``rows`` aligned in columns one space apart; columns named in ``right`` right-aligned."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: " ".join(c.rjust(w) if h in right else c.ljust(w)  # noqa: E731
                              for c, w, h in zip(r, widths, header)).rstrip()
    return "\n".join(line(r) for r in cells)
