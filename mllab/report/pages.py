"""What every page shares: one stylesheet, sortable tables (a few lines of inline script, no network),
readable numbers, figures embedded with captions.

>>> readable(148.54), readable(0.98765432), readable(0.00012345), readable(3), readable(2.0)
('148.5', '0.9877', '0.0001234', '3', '2')
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
nav { font-size: 0.9em; margin-bottom: 1em; } nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable th { cursor: pointer; background: #f3f3f3; } table.sortable th:hover { background: #e4e4e4; }
.side { display: flex; gap: 3em; flex-wrap: wrap; }
tr.best td { background: #e8f5e9; font-weight: 600; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figcaption { font-size: 0.85em; color: #555; max-width: 640px; } img { max-width: 100%; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.85em; }
.status-completed { color: #2e7d32; } .status-failed, .status-diverged { color: #c62828; }
"""

# click a header to sort by that column (numbers as numbers); click again to reverse
SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0], idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var rows = Array.from(body.rows), asc = th.dataset.asc !== '1';
    rows.sort(function (a, b) {
      var x = a.cells[idx].dataset.v || a.cells[idx].textContent, y = b.cells[idx].dataset.v || b.cells[idx].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    th.dataset.asc = asc ? '1' : '0';
  });
});
"""


def readable(v: Any) -> str:
    """A number at a sensible precision (4 significant digits, no trailing zeros); anything else as text."""
    if isinstance(v, bool) or v is None:
        return "-" if v is None else str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return str(v)
        if v == int(v) and abs(v) < 1e6:
            return str(int(v))
        return f"{v:.4g}"
    return str(v)


def cell(v: Any) -> str:
    """A ``<td>``: numbers right-aligned, with the exact value kept for sorting."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f'<td class="num" data-v="{v!r}">{readable(v)}</td>'
    return f"<td>{html.escape(readable(v))}</td>"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], sortable: bool = True,
          marked: Sequence[bool] = (), raw: Sequence[int] = ()) -> str:
    """An HTML table; ``marked[i]`` gives row i the 'best' class; columns in ``raw`` hold ready HTML."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, r in enumerate(rows):
        cls = ' class="best"' if i < len(marked) and marked[i] else ""
        cells = "".join(f"<td>{v}</td>" if j in raw else cell(v) for j, v in enumerate(r))
        body.append(f"<tr{cls}>{cells}</tr>")
    kind = ' class="sortable"' if sortable else ""
    return f"<table{kind}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def figure(path: Path, caption: str) -> str:
    """A PNG embedded in the page (data URI: the file opens without its folder), with its caption."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def page(title: str, body: str, nav: str = "") -> str:
    """A whole self-contained page."""
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{f'<nav>{nav}</nav>' if nav else ''}"
            f"<h1>{html.escape(title)}</h1>{body}<script>{SORT_SCRIPT}</script></body></html>\n")


def relative(target: Path, start: Path) -> str:
    """``target`` as a link from a page in folder ``start``."""
    import os

    return os.path.relpath(target, start)
