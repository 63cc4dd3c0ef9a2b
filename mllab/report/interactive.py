"""Figures drawn in the browser by plotly.js, offline: one ``plotly.min.js`` per runs root, beside its pages.

The pages of a runs root (every run, group and sweep under it, and ``index.html``) load
``<root>/_static/plotly.min.js`` by a relative path: the copy the ``plotly`` Python package ships, written
once, never fetched from the network. A figure is a plotly figure (``{"data": [...], "layout": {...}}``) kept
as JSON beside an empty ``<div>``: jinja2's ``tojson`` escapes ``<``, ``>``, ``&`` and ``'``, so no name a user
sets (an experiment called ``</script>...``) can end the script element or become markup.

>>> str(plot({"data": [], "layout": {"title": {"text": "</script><b>x"}}}, "c"))[:60]
'<figure class="plotly"><div class="plot"></div><script type='
>>> "</script><b>" in str(plot({"data": [], "layout": {"title": {"text": "</script><b>x"}}}, "c"))
False
"""

from __future__ import annotations

import html
import importlib.resources
import math
import os
from pathlib import Path
from typing import Any

from markupsafe import Markup

from mllab.core.files import atomic_write_bytes, atomic_write_text
from mllab.report import pages

STATIC = "_static"
PLOTLY_JS = "plotly.min.js"

# draw every figure kept beside a <div class="plot">; a figure with no data is left out
DRAW_SCRIPT = """
function mllabDraw(div, fig) {
  var config = {responsive: true, displaylogo: false, modeBarButtonsToRemove: ['sendDataToCloud']};
  return Plotly.newPlot(div, fig.data, fig.layout, config);
}
document.querySelectorAll('div.plot').forEach(function (div) {
  var data = div.nextElementSibling;
  if (data && data.type === 'application/json') { mllabDraw(div, JSON.parse(data.textContent)); }
});
"""


def assets_root(folder: Path) -> Path:
    """The runs root a page in ``folder`` belongs to: the nearest folder up holding ``index.sqlite``; before
    the run is recorded there (a sweep's driver records its trials after they finish), the one the layout
    says: ``root/<experiment>/<group>/seed<k>``, ``root/<experiment>/<sweep>/<setting>/seed<k>``. A folder
    that is none of these (a run copied out of its root) is its own."""
    folder = Path(folder).resolve()
    for up in (folder, *folder.parents):
        if (up / "index.sqlite").is_file():
            return up
    f = folder
    if (f / "summary.json").is_file() or (f / "metrics.jsonl").is_file():
        f = f.parent  # a run: its group
    if (f.parent / "sweep.yaml").is_file():
        f = f.parent  # a sweep's setting: the sweep
    if any((f / name).is_file() for name in ("sweep.yaml", "group.yaml", "aggregate.json")):
        return f.parent.parent
    return folder


def plotly_script(folder: Path) -> str:
    """The relative ``src`` of the runs root's ``plotly.min.js`` for a page in ``folder``."""
    return os.path.relpath(assets_root(folder) / STATIC / PLOTLY_JS, Path(folder).resolve())


def write_page(target: Path, html: str, plotly: bool) -> Path:
    """Write a page, then (``plotly``: it draws figures) the runs root's ``plotly.min.js`` where it is missing or
    not the installed one's size; the page first, so an unwritable folder is named by the page's path."""
    atomic_write_text(target, html)
    if plotly:
        copy = assets_root(target.parent) / STATIC / PLOTLY_JS
        with importlib.resources.as_file(importlib.resources.files("plotly") / "package_data" / PLOTLY_JS) as js:
            if not copy.is_file() or copy.stat().st_size != js.stat().st_size:
                copy.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(copy, js.read_bytes())  # temp file + rename: parallel trials may race here
    return target


def finite(value: Any) -> Any:
    """``value`` as the figures' JSON holds it: every NaN or infinity (a diverged run's loss) as None (JSON has
    no NaN), and ``&``, ``<``, ``>`` in texts as entities: plotly reads tags in names and labels as its own
    rich text (``<b>``, ``<a href>``), and a name a user set is shown as typed.

    >>> finite({"name": "e<b>x", "y": [1.0, float("nan")]})
    {'name': 'e&lt;b&gt;x', 'y': [1.0, None]}
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


FIGURE = ('<figure class="plotly"><div class="plot"></div><script type="application/json">{{ fig|tojson }}'
          "</script><figcaption>{{ caption }}</figcaption></figure>")


def plot(fig: dict[str, Any], caption: str) -> Markup:
    """A plotly figure drawn in the browser, with its caption (escaped)."""
    return pages.render(FIGURE, fig=finite(fig), caption=caption)


def scripts(folder: Path, extra: str = "") -> Markup:
    """The ``<script>`` elements a page with plotly figures ends with: plotly.js, then the drawing code."""
    return pages.render('<script src="{{ src }}"></script><script>{{ code }}</script>',
                        src=plotly_script(folder), code=Markup(DRAW_SCRIPT + extra))
