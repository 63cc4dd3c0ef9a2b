"""``runs/index.html``: every run in ``runs/index.sqlite`` in one sortable table (hyper-parameters and final
metrics), with links to each run's, group's and sweep's report. Read from the index and the folders alone.

>>> write_index(Path("runs"))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from mllab.core.config import flatten
from mllab.core.files import atomic_write_text
from mllab.core.yamlfile import read_yaml
from mllab.report import pages
from mllab.runs.index import list_runs

# the hyper-parameters a reader compares runs by (the rest is in each run's config)
HYPER = ("optimizer.lr", "training.epochs", "training.batch_size", "penalty.l2")


INDEX_PAGE = ("<p>{{ n }} runs recorded in <code>index.sqlite</code>. Click a column header to sort.</p>"
              "{% if sweeps %}<h2>Sweeps</h2><ul>{% for s in sweeps %}<li>{{ s }}</li>{% endfor %}</ul>{% endif %}"
              "<h2>Runs</h2>{{ runs }}")


def write_index(root: Path, limit: int = 100000) -> Path:
    root = Path(root)
    runs = list_runs(root / "index.sqlite", limit=limit)
    metrics = sorted({m for r in runs for m in (r["metrics"] or {})})
    metrics = [m for m in metrics if m.startswith("test_")] or metrics  # the rest is on each run's page
    header = ["run", "group", "model", "dataset", "seed", "status"] + [k.split(".")[-1] for k in HYPER] + metrics \
        + ["started"]
    rows = []
    for r in runs:
        path = Path(r["path"])
        cfg = _config(path)
        group = path.parent
        name = path.name
        run_link = pages.link(pages.relative(path / "report.html", root), name) if (path / "report.html").is_file() \
            else name
        group_link = _group_link(group, root)
        rows.append([run_link, group_link, r["model"], r["dataset"], r["seed"], r["status"],
                     *[cfg.get(k) for k in HYPER], *[(r["metrics"] or {}).get(m) for m in metrics],
                     (r["started"] or "")[:16].replace("T", " ")])
    sweeps = sorted(root.glob("*/sweep-*/report.html"))
    body = pages.render(INDEX_PAGE, n=len(runs), sweeps=[pages.link(pages.relative(s, root), s.parent.name)
                                                         for s in sweeps], runs=pages.table(header, rows))
    target = root / "index.html"
    atomic_write_text(target, pages.page("All runs", body))
    return target


def _config(run: Path) -> dict:
    path = run / "config.yaml"
    return flatten(read_yaml(path) or {}) if path.is_file() else {}


def _group_link(group: Path, root: Path) -> Markup:
    """The run's seed group, and the sweep it belongs to, as links where their pages exist."""
    text = pages.link(pages.relative(group / "report.html", root), group.name) if (group / "report.html").is_file() \
        else Markup("") + group.name  # escaped
    if (group.parent / "sweep.yaml").is_file():
        text += Markup(" in ") + pages.link(pages.relative(group.parent / "report.html", root), group.parent.name)
    return text
