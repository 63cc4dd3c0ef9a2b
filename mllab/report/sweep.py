"""A sweep's result tables (Markdown, CSV, HTML) and its ``report.html``, from the sweep folder alone.

The table has one row per setting: its grid values, then mean, std and max over seeds of every final
metric (report 003's format); the best setting by the headline metric is marked. Where the recipe names
published rows, published vs measured follows.

>>> headline({"test_accuracy": {}, "test_loss": {}})
('test_accuracy', True)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml

from mllab.core.files import atomic_write_text
from mllab.report import figures, pages
from mllab.runs.published import lookup, published_text, run_metric
from mllab.runs.rundir import RunDir

# the number a setting is judged by, in order of preference; True: higher is better
HEADLINES = (("test_accuracy", True), ("test_psnr", True), ("val_accuracy", True), ("test_loss", False))
CURVES = ("val_accuracy", "train_loss", "val_loss", "val_psnr")


def headline(table: dict[str, Any]) -> tuple[str | None, bool]:
    return next(((m, up) for m, up in HEADLINES if m in table), (None, True))


def load(folder: Path) -> dict[str, Any]:
    """``sweep.yaml`` with each setting's ``aggregate.json`` (``table``, ``summaries``) attached."""
    folder = Path(folder)
    state = yaml.safe_load((folder / "sweep.yaml").read_text())
    for s in state["settings"]:
        agg = folder / s["folder"] / "aggregate.json"
        s["aggregate"] = json.loads(agg.read_text()) if agg.is_file() else {"table": {}, "summaries": []}
        s["values"] = [o.split("=", 1)[1] for o in s["overrides"]]
    return state


def rows(state: dict[str, Any], every_metric: bool = False) -> tuple[list[str], list[list[Any]], int | None]:
    """Header, one row per setting, and the index of the best row (None when no setting finished).

    The test metrics only (every final metric with ``every_metric``: the CSV)."""
    metrics = sorted({m for s in state["settings"] for m in s["aggregate"]["table"]
                      if m not in ("wall_seconds", "cpu_seconds")})  # costs, not results: they vary run to run
    if not every_metric:
        metrics = [m for m in metrics if m.startswith("test_")] or metrics
    key, up = headline({m: 1 for m in metrics})
    if key:  # the headline first
        metrics.remove(key)
        metrics.insert(0, key)
    header = list(state["grid"]) + [f"{m} {stat}" for m in metrics for stat in ("mean", "std", "max")] + ["seeds"]
    out = []
    for s in state["settings"]:
        t = s["aggregate"]["table"]
        stats = [t[m][stat] if m in t else None for m in metrics for stat in ("mean", "std", "max")]
        out.append([_number(v) for v in s["values"]] + stats + [max((x["n"] for x in t.values()), default=0)])
    means = [(i, s["aggregate"]["table"][key]["mean"]) for i, s in enumerate(state["settings"])
             if key and key in s["aggregate"]["table"]]
    best = (max if up else min)(means, key=lambda p: p[1])[0] if means else None
    return header, out, best


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def published(state: dict[str, Any], best: int | None) -> list[list[Any]]:
    """Published vs the best setting's measured mean +- std, for the rows the recipe names."""
    if best is None:
        return []
    agg = state["settings"][best]["aggregate"]
    ids = agg.get("summaries", [{}])[0].get("published") or [] if agg.get("summaries") else []
    out = []
    for row in lookup(ids):
        ours = agg["table"].get(run_metric(row["metric"]))
        out.append([row["id"], row["model"], row["dataset"], row["metric"],
                    published_text(row.get("value"), row.get("std")),
                    "-" if not ours else f"{pages.readable(ours['mean'])} +- {pages.readable(ours['std'])}",
                    state["settings"][best]["folder"]])
    return out


def markdown(state: dict[str, Any]) -> str:
    header, body, best = rows(state)
    lines = [f"# Sweep of {state['recipe']}: {len(body)} settings x {state['seeds']} seeds", "",
             "| " + " | ".join(header) + " | best |", "|" + "---|" * (len(header) + 1)]
    for i, r in enumerate(body):
        lines.append("| " + " | ".join(pages.readable(v) for v in r) + f" | {'**best**' if i == best else ''} |")
    pub = published(state, best)
    if pub:
        lines += ["", "| published id | model | dataset | metric | published | measured (best setting) | setting |",
                  "|---|---|---|---|---:|---:|---|"] + ["| " + " | ".join(map(str, r)) + " |" for r in pub]
    return "\n".join(lines) + "\n"


def csv_text(state: dict[str, Any]) -> str:
    header, body, best = rows(state, every_metric=True)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header + ["best"])
    for i, r in enumerate(body):
        w.writerow(["" if v is None else v for v in r] + [int(i == best)])
    return buf.getvalue()


def html_table(state: dict[str, Any]) -> str:
    header, body, best = rows(state)
    links = [pages.link(f"{s['folder']}/report.html", s["folder"]) for s in state["settings"]]
    return pages.table(["setting"] + header, [[lnk] + r for lnk, r in zip(links, body)],
                       marked=[i == best for i in range(len(body))], raw=[0])


def write_tables(folder: Path) -> dict[str, Path]:
    """``table.md``, ``table.csv`` and ``table.html`` in the sweep folder."""
    folder = Path(folder)
    state = load(folder)
    out = {"md": folder / "table.md", "csv": folder / "table.csv", "html": folder / "table.html"}
    atomic_write_text(out["md"], markdown(state))
    atomic_write_text(out["csv"], csv_text(state))
    atomic_write_text(out["html"], pages.page(f"Sweep of {state['recipe']}: settings", html_table(state)))
    return out


def write_sweep_report(folder: Path) -> Path:
    """``report.html``: the settings table, curves per setting (mean +- std over seeds), parallel coordinates,
    every trial, and the command that reruns (or resumes) the sweep."""
    folder = Path(folder)
    state = load(folder)
    header, body, best = rows(state)
    fig_dir = folder / "figures"
    histories = [(", ".join(s["overrides"]) or "base",
                  [RunDir(folder / t["path"]).read_metrics() for t in state["trials"] if t["setting"] == s["folder"]])
                 for s in state["settings"]]
    intro = (f"<p>{len(state['settings'])} settings x {state['seeds']} seeds = {len(state['trials'])} trials of "
             f"<code>{state['recipe']}</code>; status: {state['status']}. The best setting (green) has the best "
             f"mean of the table's first metric (the highest accuracy or PSNR, the lowest loss).</p>")
    parts = [intro, "<h2>Settings (click a header to sort)</h2>", html_table(state)]
    pub = published(state, best)
    if pub:
        parts += ["<h2>Published vs measured</h2>",
                  pages.table(["published id", "model", "dataset", "metric", "published", "measured (best setting)",
                               "setting"], pub)]
    curves = figures.band_curves(histories, list(CURVES), fig_dir / "curves.png")
    if curves:
        parts += ["<h2>Curves</h2>", pages.figure(curves, "Per-epoch metrics of each setting: the line is the mean "
                                                  "over its seeds, the band mean +- std.")]
    parallel = _parallel(state, header, body, fig_dir / "parallel.png")
    if parallel:
        parts += ["<h2>Parallel coordinates</h2>", parallel]
    parts += ["<h2>Trials</h2>", _trials(folder, state),
              "<h2>Command</h2><pre>" + _command(state) + "</pre>"]
    nav = pages.link(pages.relative(folder.parent.parent / "index.html", folder), "all runs")
    target = folder / "report.html"
    atomic_write_text(target, pages.page(f"Sweep of {state['recipe']}", "".join(parts), nav))
    return target


def _parallel(state, header, body, path: Path) -> str:
    keys = list(state["grid"])
    if not body or header[len(keys)] == "seeds":  # no metric in any setting yet
        return ""
    metric = header[len(keys)].rsplit(" ", 1)[0]
    done = [r for r in body if r[len(keys)] is not None]
    if not done:
        return ""
    cols, labels = [], []
    for j, k in enumerate(keys):  # categorical values: their position in the grid
        values = state["grid"][k]
        cols.append([values.index(str(r[j])) if not isinstance(r[j], (int, float)) else r[j] for r in done])
        labels.append(k)
    cols.append([r[len(keys)] for r in done])
    labels.append(f"{metric} (mean)")
    drawn = figures.parallel_coordinates(labels, [list(x) for x in zip(*cols)], cols[-1], path)
    if drawn is None:
        return ""
    return pages.figure(drawn, f"Each line is one setting, through its grid values to its mean {metric} over "
                               f"seeds; colour: {metric} (yellow best, purple worst); axes span their ranges.")


def _trials(folder: Path, state) -> str:
    rows_ = []
    for t in state["trials"]:
        s = RunDir(folder / t["path"]).read_summary()
        final = s.get("final", {})
        key, _ = headline(final)
        rows_.append([pages.link(f"{t['path']}/report.html", t["path"]), t["id"], t["seed"],
                      s.get("status", "not started"), final.get(key) if key else None, s.get("wall_seconds")])
    return pages.table(["trial", "id", "seed", "status", "headline metric", "seconds"], rows_, raw=[0])


def _command(state) -> str:
    import shlex

    grid = " ".join(f"--grid {k}={','.join(v)}" for k, v in state["grid"].items())
    return shlex.join(["mllab", "sweep", state["recipe"], *state["overrides"]]) + f" {grid} --seeds {state['seeds']}"
