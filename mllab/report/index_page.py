"""``runs/index.html``: every run in ``runs/index.sqlite`` in one sortable table (experiment, status as
``mllab runs list`` shows it, hyper-parameters, validation and test metrics), with links to each run's,
group's and sweep's report. Read from the index and the folders alone.

In the browser: a search box filters the rows (every word must appear in the run's experiment, model,
dataset, status or any ``key=value`` of its config); ticking runs overlays a chosen per-epoch metric's
curves in one plotly figure. The state is in the URL, so a comparison is a link:
``index.html?select=demo/g1/seed0,demo/g2/seed0&metric=val_accuracy&q=lr=0.01`` (ids as ``mllab runs list``
prints them).

>>> write_index(Path("runs"))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from markupsafe import Markup

from mllab.core.config import flatten
from mllab.core.yamlfile import read_yaml
from mllab.report import interactive, pages
from mllab.runs.index import list_runs
from mllab.runs.rundir import RunDir, RunFileError

log = logging.getLogger(__name__)

# the hyper-parameters a reader compares runs by (the rest is in each run's config, and searchable)
HYPER = ("optimizer.lr", "training.epochs", "training.batch_size", "penalty.l2")
VALIDATION = ("val_accuracy", "val_psnr", "val_loss")
NOT_CURVES = ("epoch", "seconds", "images_per_s")  # per-epoch records that are not a metric to overlay

INDEX_PAGE = (
    "<p>{{ n }} runs recorded in <code>index.sqlite</code>.{% if not static %} Click a column header to sort; "
    "type in the search box to filter; tick runs to overlay their curves (the address then links to this "
    "comparison).{% endif %}</p>"
    "{% if sweeps %}<h2>Sweeps</h2><ul>{% for s in sweeps %}<li>{{ s }}</li>{% endfor %}</ul>{% endif %}"
    "{% if not static %}<h2>Compare</h2><p><label>metric <select id=\"metric\">{% for m in metrics %}"
    "<option{% if m == default %} selected{% endif %}>{{ m }}</option>{% endfor %}</select></label> "
    "<span id=\"picked\">no run ticked</span></p><div id=\"overlay\"></div>"
    "<script type=\"application/json\" id=\"curves\">{{ curves|tojson }}</script>{% endif %}"
    "<h2>Runs</h2>{% if not static %}<p><input type=\"search\" id=\"search\" size=\"60\" placeholder=\"filter: "
    "experiment, model, dataset, status, config value (lr=0.01)\" aria-label=\"filter runs\" data-common=\"{{ common }}\"> "
    "<span id=\"shown\">{{ n }} of {{ n }} shown</span></p>{% endif %}{{ runs }}")

INDEX_SCRIPT = """
(function () {
  var params = new URLSearchParams(location.search), curves = JSON.parse(document.getElementById('curves').textContent);
  var box = document.getElementById('search'), metric = document.getElementById('metric');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#runs tbody tr'));
  var wanted = (params.get('select') || '').split(',').filter(Boolean);
  if (params.get('q')) { box.value = params.get('q'); }
  if (params.get('metric')) { metric.value = params.get('metric'); }
  rows.forEach(function (r) { var c = r.querySelector('input.pick'); c.checked = wanted.indexOf(r.dataset.id) >= 0;
                              c.toggleAttribute('checked', c.checked); });
  function esc(text) { return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }  // plotly reads tags
  function picked() { return rows.filter(function (r) { return r.querySelector('input.pick').checked; })
                                 .map(function (r) { return r.dataset.id; }); }
  function remember() {
    var p = new URLSearchParams(), ids = picked();
    if (ids.length) { p.set('select', ids.join(',')); p.set('metric', metric.value); }
    if (box.value) { p.set('q', box.value); }
    try { history.replaceState(null, '', location.pathname + (p.toString() ? '?' + p.toString() : '')); } catch (e) {}
  }
  function filter() {
    var terms = box.value.toLowerCase().split(/\\s+/).filter(Boolean), n = 0;
    var common = box.dataset.common;  // the config's key=value that every run shares
    rows.forEach(function (r) {
      var s = r.dataset.search;
      r.hidden = !terms.every(function (t) { return s.indexOf(t) >= 0 || common.indexOf(t) >= 0; });
      n += r.hidden ? 0 : 1;
    });
    document.getElementById('shown').textContent = n + ' of ' + rows.length + ' shown';
  }
  function overlay() {
    var ids = picked(), m = metric.value, div = document.getElementById('overlay');
    var traces = ids.filter(function (id) { return curves[id] && curves[id][m]; }).map(function (id) {
      var c = curves[id][m];
      return {type: 'scatter', mode: c[0].length < 30 ? 'lines+markers' : 'lines', name: esc(id), x: c[0], y: c[1]};
    });
    document.getElementById('picked').textContent = ids.length ? traces.length + ' of ' + ids.length +
      ' ticked runs have ' + m + ': ' + ids.join(', ') : 'no run ticked';
    if (!traces.length) { Plotly.purge(div); return Promise.resolve(); }
    var last = Math.max.apply(null, traces.map(function (t) { return Math.max.apply(null, t.x); }));
    return Plotly.react(div, traces, {height: 420, margin: {l: 55, r: 10, t: 10, b: 45}, showlegend: true,
      legend: {orientation: 'h', y: -0.2}, xaxis: {title: {text: 'epoch'}, dtick: Math.max(1, Math.ceil(last / 8))},
      yaxis: {title: {text: esc(m)}}}, {responsive: true, displaylogo: false});
  }
  box.addEventListener('input', function () { filter(); remember(); });
  metric.addEventListener('change', function () { overlay(); remember(); });
  rows.forEach(function (r) { r.querySelector('input.pick').addEventListener('change', function () { overlay(); remember(); }); });
  if (box.value) { filter(); }
  (wanted.length ? overlay() : Promise.resolve()).then(function () {  // when the page is ready (bench/index_pages.py)
    document.body.setAttribute('data-ready-ms', Math.round(performance.now()));
  });
})();
"""


def write_index(root: Path, limit: int = 100000, static: bool = False) -> Path:
    """Write ``root/index.html`` (``static``: no script, so no search box and no overlay)."""
    root = Path(root)
    runs = list_runs(root / "index.sqlite", limit=limit)
    finals = sorted({m for r in runs for m in (r["metrics"] or {})})
    metrics = [m for m in VALIDATION if m in finals] + ([m for m in finals if m.startswith("test_")] or
                                                        [m for m in finals if m not in VALIDATION])
    header = ["", "run", "experiment", "group", "model", "dataset", "seed", "status",
              *[k.split(".")[-1] for k in HYPER], *metrics, "started"]
    configs = [_config(Path(r["path"])) for r in runs]
    common = set.intersection(*({f"{k}={v}" for k, v in c.items()} for c in configs)) if configs else set()
    rows = [_row(r, cfg, root, metrics, static) for r, cfg in zip(runs, configs)]
    row_data = [] if static else [{"id": r["id"], "search": _search_text(r, c, common)} for r, c in zip(runs, configs)]
    curves = {} if static else {r["id"]: _curves(Path(r["path"])) for r in runs}
    names = sorted({m for c in curves.values() for m in c})
    sweeps = sorted(root.glob("*/sweep-*/report.html"))
    body = pages.render(INDEX_PAGE, n=len(runs), sweeps=[pages.link(pages.relative(s, root), s.parent.name)
                                                         for s in sweeps], static=static,
                        runs=pages.table(header, rows, row_data=row_data, id="runs"), curves=curves, metrics=names,
                        common=" ".join(sorted(common)).lower(),
                        default=next((m for m in VALIDATION if m in names), names[0] if names else ""))
    scripts = Markup("") if static else interactive.scripts(root, INDEX_SCRIPT)
    return interactive.write_page(root / "index.html", pages.page("All runs", body, scripts=scripts, static=static),
                                  not static)


def _row(r: dict[str, Any], cfg: dict[str, Any], root: Path, metrics: list[str], static: bool) -> list[Any]:
    """One run's cells: tick box, links to its page and group, what it is, hyper-parameters, final metrics."""
    path = Path(r["path"])
    run_link = pages.link(pages.relative(path / "report.html", root), path.name) \
        if (path / "report.html").is_file() else path.name
    return ["" if static else _pick(r["id"]), run_link, r["experiment"], _group_link(path.parent, root), r["model"],
            r["dataset"], r["seed"], r["status"], *[cfg.get(k) for k in HYPER],
            *[(r["metrics"] or {}).get(m) for m in metrics], (r["started"] or "")[:16].replace("T", " ")]


def _config(run: Path) -> dict:
    path = run / "config.yaml"
    return flatten(read_yaml(path) or {}) if path.is_file() else {}


def _pick(run_id: str) -> Markup:
    return pages.render('<input type="checkbox" class="pick" value="{{ id }}" aria-label="overlay {{ id }}">',
                        id=run_id)


def _search_text(row: dict[str, Any], cfg: dict[str, Any], common: set[str]) -> str:
    """What the search box matches a run by, lower-cased: its id, experiment, model, dataset, status and
    every ``key=value`` of its config but those ``common`` to all runs (the page holds them once)."""
    words = [row.get(k) or "" for k in ("id", "experiment", "model", "dataset", "status")]
    items = (f"{k}={v}" for k, v in cfg.items())
    return " ".join([*map(str, words), *(i for i in items if i not in common)]).lower()


def _curves(run: Path) -> dict[str, list[list[Any]]]:
    """Each per-epoch metric of the run as ``[epochs, values]`` (5 significant digits: the page stays small)."""
    out: dict[str, list[list[Any]]] = {}
    try:
        records = RunDir(run).read_metrics()
    except RunFileError as err:  # one damaged run leaves its curves out, not the index of all the others
        log.warning("%s; its curves are left out of the index", err)
        return out
    for rec in records:
        for k, v in rec.items():
            if k not in NOT_CURVES and isinstance(v, (int, float)) and not isinstance(v, bool):
                xs, ys = out.setdefault(k, [[], []])
                xs.append(rec.get("epoch"))
                ys.append(float(f"{v:.5g}"))
    return interactive.finite(out)


def _group_link(group: Path, root: Path) -> Markup:
    """The run's seed group, and the sweep it belongs to, as links where their pages exist."""
    text = pages.link(pages.relative(group / "report.html", root), group.name) if (group / "report.html").is_file() \
        else Markup("") + group.name  # escaped
    if (group.parent / "sweep.yaml").is_file():
        text += Markup(" in ") + pages.link(pages.relative(group.parent / "report.html", root), group.parent.name)
    return text
