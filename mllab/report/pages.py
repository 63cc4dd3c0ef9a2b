"""What every page shares: one stylesheet, sortable tables (a few lines of inline script, no network), numbers
as every table shows them (:func:`mllab.core.table.number`), figures embedded with captions, and the one way
markup is made (:func:`render`, jinja2 with autoescaping): every value from a config, a file name or a command
reaches a page escaped.

>>> html = str(table(["value"], [[148.54], [0.00012345], [2.0], ["<b>"]]))
>>> [text in html for text in (">148.5<", ">0.0001234<", ">2<", "&lt;b&gt;")]
[True, True, True, True]
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from mllab.core.table import number

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
figure.plotly { display: block; } figure.plotly figcaption { max-width: none; }
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


def render(source: str, **values: Any) -> Markup:
    """HTML from a jinja2 template with autoescaping: the one way the pages make markup. Every value is
    escaped unless it is :class:`Markup` that this function (or a helper built on it) made.

    >>> render("<p>{{ text }}</p>", text="<img src=y onerror=alert(7)>")
    Markup('<p>&lt;img src=y onerror=alert(7)&gt;</p>')
    """
    return Markup(_template(source).render(**values))


@lru_cache(maxsize=64)
def _template(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def join(parts: Iterable[Any]) -> Markup:
    """Fragments one after another; text among them is escaped, Markup kept."""
    return Markup("").join(parts)


def paragraph(text: str) -> Markup:
    """``<p>text</p>``; nothing for no text."""
    return render("<p>{{ text }}</p>", text=text) if text else Markup("")


def pre(text: str) -> Markup:
    return render("<pre>{{ text }}</pre>", text=text)


def heading(text: str, level: int = 2) -> Markup:
    return render("<h{{ n }}>{{ text }}</h{{ n }}>", n=int(level), text=text)


def _cell(v: Any) -> dict[str, Any]:
    """What a ``<td>`` shows: numbers right-aligned with the exact value kept for sorting; Markup as it is."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"num": True, "v": repr(v), "text": number(v)}
    return {"num": False, "text": v if isinstance(v, Markup) else number(v)}


TABLE = (
    '<table{% if id %} id="{{ id }}"{% endif %}{% if sortable %} class="sortable"{% endif %}><thead><tr>'
    '{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>{% for best, data, cells in rows %}'
    '<tr{% if best %} class="best"{% endif %}{% for k, v in data.items() %} data-{{ k }}="{{ v }}"{% endfor %}>'
    '{% for c in cells %}{% if c.num %}<td class="num" data-v="{{ c.v }}">{{ c.text }}</td>'
    '{% else %}<td>{{ c.text }}</td>{% endif %}{% endfor %}</tr>{% endfor %}</tbody></table>')


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], sortable: bool = True,
          marked: Sequence[bool] = (), row_data: Sequence[dict[str, str]] = (), id: str = "") -> Markup:
    """An HTML table; ``marked[i]`` gives row i the 'best' class and ``row_data[i]`` its ``data-*`` attributes
    (for a page's script); a cell that is Markup (a link) is kept as is, anything else is shown as escaped text."""
    body = [(i < len(marked) and marked[i], row_data[i] if i < len(row_data) else {}, [_cell(v) for v in r])
            for i, r in enumerate(rows)]
    return render(TABLE, sortable=sortable, header=header, rows=body, id=id)


def link(href: str, text: str) -> Markup:
    """A link to a file beside the page; the path is percent-encoded, so a folder named ``javascript:...``
    (or holding ``#``, ``?``, ``"``) stays a relative path to that folder."""
    return render('<a href="{{ href }}">{{ text }}</a>', href=quote(str(href), safe="/._-~"), text=text)


def figure(path: Path, caption: str) -> Markup:
    """A PNG embedded in the page (data URI: the file opens without its folder), with its caption."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return render('<figure><img src="data:image/png;base64,{{ data }}" alt="{{ caption }}">'
                  "<figcaption>{{ caption }}</figcaption></figure>", data=data, caption=caption)


PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>{{ title }}</title><style>{{ css }}</style>'
        "</head><body>{% if nav %}<nav>{{ nav }}</nav>{% endif %}<h1>{{ title }}</h1>{{ body }}"
        "{% if not static %}<script>{{ script }}</script>{{ scripts }}{% endif %}</body></html>\n")


def page(title: str, body: Markup, nav: Markup | str = "", scripts: Markup | str = "", static: bool = False) -> str:
    """A whole page; ``body``, ``nav`` and ``scripts`` (what loads and draws its plotly figures) are Markup
    (plain text would be shown escaped). ``static``: no script at all (tables do not sort)."""
    return str(render(PAGE, title=title, body=body, nav=nav, css=Markup(CSS), script=Markup(SORT_SCRIPT),
                      scripts=scripts, static=static))


def relative(target: Path, start: Path) -> str:
    """``target`` as a link from a page in folder ``start``."""
    import os

    return os.path.relpath(target, start)
