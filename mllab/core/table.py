"""One table model for every table mllab prints or writes, and its one number formatter.

A :class:`Table` is a header, rows of cells and the rows marked best; it renders to the terminal (columns as
wide as their widest cell), Markdown, CSV and HTML (sortable, numbers right-aligned with their exact value
kept for sorting). Every number shown goes through :func:`number`.

>>> t = Table(["setting", "test_accuracy mean", "n"], [["lr0.1", 0.9712345, 3], ["lr0.01", None, 2]],
...           marked=[True, False], metrics={"test_accuracy mean": "test_accuracy"})
>>> print(t.text())
setting test_accuracy mean n
lr0.1               0.9712 3
lr0.01                   - 2
>>> print(t.markdown())
| setting | test_accuracy mean | n | best |
|---|---:|---:|---|
| lr0.1 | 0.9712 | 3 | **best** |
| lr0.01 | - | 2 |  |
>>> t.csv().splitlines()
['setting,test_accuracy mean,n,best', 'lr0.1,0.9712345,3,1', 'lr0.01,,2,0']
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape


def number(value: Any, metric: str | None = None, signed: bool = False) -> str:
    """How mllab shows a number: a ``metric``'s value at 4 decimals, so a column of them lines up (and a
    metric printed reads as recorded to 4 decimals); any other number at 4 significant digits (an integral one
    as an integer); None as ``-``.

    >>> number(0.98765432, "test_accuracy"), number(21.3456, "val_psnr"), number(0.0016, "test_loss", signed=True)
    ('0.9877', '21.3456', '+0.0016')
    >>> number(148.54), number(0.00012345), number(3), number(2.0), number(None), number("lr0.1")
    ('148.5', '0.0001234', '3', '2', '-', 'lr0.1')
    """
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    sign = "+" if signed else ""
    if isinstance(value, int):
        return f"{value:{sign}d}"
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if metric is not None:
        return f"{value:{sign}.4f}"
    if value == int(value) and abs(value) < 1e6:
        return f"{int(value):{sign}d}"
    return f"{value:{sign}.4g}"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass
class Table:
    """``header`` and ``rows`` of cells (numbers, text, None; :class:`~markupsafe.Markup` links for HTML).

    ``marked[i]``: row i is the best (a ``best`` column in Markdown and CSV, the ``best`` class in HTML; no
    column when nothing is given); ``metrics``: the metric a numeric column holds (its precision,
    :func:`number`); ``right``: text columns aligned right too (numeric cells always are); ``widths``: the
    least width of the first columns in :meth:`text` (a listing that keeps its columns where they were).
    """

    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    marked: Sequence[bool] = ()
    metrics: Mapping[str, str] = field(default_factory=dict)
    right: frozenset[str] | set[str] = frozenset()
    widths: Sequence[int] = ()

    def cell(self, column: int, value: Any) -> str:
        """The text of ``value`` in ``column``."""
        return number(value, self.metrics.get(self.header[column]))

    def _texts(self) -> list[list[str]]:
        return [[self.cell(j, v) for j, v in enumerate(r)] for r in self.rows]

    def _aligned_right(self, column: int) -> bool:
        cells = [r[column] for r in self.rows if column < len(r) and r[column] is not None]
        return self.header[column] in self.right or (bool(cells) and all(map(_is_number, cells)))

    def text(self, header: bool = True) -> str:
        """Columns one space apart, each as wide as its widest cell; numbers right-aligned."""
        cells = ([list(self.header)] if header else []) + self._texts()
        if not cells:
            return ""
        n = len(self.header)
        widths = [max([len(r[j]) for r in cells if j < len(r)] + [self.widths[j] if j < len(self.widths) else 0])
                  for j in range(n)]
        right = [self._aligned_right(j) for j in range(n)]
        return "\n".join(" ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right)).rstrip()
                         for row in cells)

    def markdown(self) -> str:
        """A pipe table (``|---:|`` for numeric columns), with a ``best`` column when rows are marked."""
        best = ["best"] if self.marked else []
        rule = ["---:" if self._aligned_right(j) else "---" for j in range(len(self.header))] + ["---"] * len(best)
        lines = [_pipe(list(self.header) + best), "|" + "|".join(rule) + "|"]
        for i, r in enumerate(self._texts()):
            lines.append(_pipe(r + (["**best**" if self._is_marked(i) else ""] if best else [])))
        return "\n".join(lines)

    def csv(self) -> str:
        """Cells as they are (exact numbers, empty for None), with a 0/1 ``best`` column when rows are marked."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(list(self.header) + (["best"] if self.marked else []))
        for i, r in enumerate(self.rows):
            w.writerow(["" if v is None else v for v in r] + ([int(self._is_marked(i))] if self.marked else []))
        return buf.getvalue()

    def html(self, sortable: bool = True) -> Markup:
        """A ``<table>`` whose text is escaped (a :class:`Markup` cell, a link, is kept); numbers right-aligned
        with the exact value in ``data-v`` for sorting; marked rows have the ``best`` class."""
        head = "".join(f"<th>{escape(h)}</th>" for h in self.header)
        body = "".join(("<tr class=\"best\">" if self._is_marked(i) else "<tr>")
                       + "".join(self._html_cell(j, v) for j, v in enumerate(r)) + "</tr>"
                       for i, r in enumerate(self.rows))
        opening = '<table class="sortable">' if sortable else "<table>"
        return Markup(f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def _html_cell(self, column: int, value: Any) -> str:
        if _is_number(value):
            return f'<td class="num" data-v="{escape(repr(value))}">{escape(self.cell(column, value))}</td>'
        return f"<td>{value if isinstance(value, Markup) else escape(self.cell(column, value))}</td>"

    def _is_marked(self, i: int) -> bool:
        return i < len(self.marked) and bool(self.marked[i])


def _pipe(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
