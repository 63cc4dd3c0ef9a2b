"""A sweep's result tables (Markdown, CSV, HTML) and its ``report.html``, from the sweep folder alone.

The table has one row per setting: its grid values, then the mean, sample std and best seed of the metric
that chooses (a validation metric: :mod:`mllab.report.selection`) and of every test metric (the CSV: every
final metric). The chosen setting is marked, and the tables say which metric chose it. Where the recipe
names published rows, published vs measured follows for the chosen setting (for every setting when none
is chosen).

>>> stat_headers("test_loss")
['test_loss mean', 'test_loss std (n-1)', 'test_loss min']
"""

from __future__ import annotations

import csv
import io
import shlex
from pathlib import Path
from typing import Any

from markupsafe import Markup

from mllab.core.errors import ConfigError
from mllab.core.files import atomic_write_text
from mllab.core.names import name_problem
from mllab.core.table import number
from mllab.core.yamlfile import one_line, read_yaml
from mllab.report import interactive, pages, sweep_figures
from mllab.report.selection import Choice, choose, described, resolve
from mllab.runs.published import lookup, published_text, run_metric
from mllab.runs.rundir import RunDir
from mllab.runs.seed_stats import STD_LABEL, best_over_seeds, higher_is_better, read_aggregate

REPORTED = ("test_accuracy", "test_psnr", "test_loss")  # the trials table's test number, in order of preference
COSTS = ("wall_seconds", "cpu_seconds")  # not results: they vary run to run


def load(folder: Path) -> dict[str, Any]:
    """``sweep.yaml`` with each setting's ``aggregate.json`` (``table``, ``summaries``) attached, and the
    ``choice`` (:class:`~mllab.report.selection.Choice`) of the metric that picks the best setting."""
    folder = Path(folder)
    state = checked_state(read_yaml(folder / "sweep.yaml"), folder / "sweep.yaml")
    for s in state["settings"]:
        agg = folder / s["folder"] / "aggregate.json"
        s["aggregate"] = read_aggregate(agg) if agg.is_file() else {"table": {}, "summaries": []}
        s["values"] = [o.split("=", 1)[1] for o in s["overrides"]]
    recorded = {m for s in state["settings"] for m in s["aggregate"]["table"] if m not in COSTS}
    state["choice"] = resolve(state.get("select"), recorded)
    return state


def checked_state(state: Any, path: Path) -> dict[str, Any]:
    """``sweep.yaml``'s mapping when it has what the pages read (as ``mllab sweep`` writes it); else one
    :class:`~mllab.core.errors.ConfigError` naming the file and the first thing wrong."""
    problem = _state_problem(state)
    if problem:
        raise ConfigError(f"{one_line(str(path))}: not a sweep.yaml mllab wrote ({one_line(problem, 200)}); run the "
                          "sweep's command again to rewrite it (finished trials are kept)")
    return state


def _state_problem(state: Any) -> str | None:
    if not isinstance(state, dict):
        return f"expected a mapping, found {type(state).__name__}"
    for key, kind in (("recipe", str), ("overrides", list), ("grid", dict), ("seeds", int), ("settings", list),
                      ("trials", list), ("status", str)):
        if not isinstance(state.get(key), kind) or isinstance(state.get(key), bool):
            return f"{key}: expected {kind.__name__}, found {state.get(key)!r:.60}"
    grid = state["grid"]
    if not all(isinstance(k, str) and _texts(v) for k, v in grid.items()) or not _texts(state["overrides"]):
        return "grid: expected key: [values...] texts; overrides: texts"
    if not isinstance(state.get("select") or {}, dict):
        return f"select: expected a mapping, found {state.get('select')!r:.60}"
    for i, s in enumerate(state["settings"]):
        overrides = s.get("overrides") if isinstance(s, dict) else None
        pairs = [o.split("=", 1) for o in overrides] if _texts(overrides) else []
        if (not isinstance(s, dict) or name_problem(s.get("folder")) or len(pairs) != len(grid)
                or any(len(p) != 2 or p[1] not in grid.get(p[0], ()) for p in pairs)):
            return f"settings[{i}]: expected a folder name and one key=value of the grid per grid key"
    for i, t in enumerate(state["trials"]):
        path = t.get("path") if isinstance(t, dict) else None
        if (not isinstance(path, str) or any(name_problem(part) for part in path.split("/"))
                or not all(isinstance(t.get(k), (str, int)) for k in ("id", "setting", "seed"))):
            return f"trials[{i}]: expected a path setting/seed<k> inside the sweep folder, an id, a setting, a seed"
    return None


def _texts(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def stat_headers(metric: str) -> list[str]:
    """A metric's columns: mean, sample std and the best seed (max, or min for a loss) over seeds."""
    return [f"{metric} mean", f"{metric} {STD_LABEL}", f"{metric} {'max' if higher_is_better(metric) else 'min'}"]


def _metrics(state: dict[str, Any], every_metric: bool) -> list[str]:
    """The metric that chooses first, then the test metrics (every final metric with ``every_metric``)."""
    metrics = sorted({m for s in state["settings"] for m in s["aggregate"]["table"] if m not in COSTS})
    chooser = state["choice"].metric
    if not every_metric:
        metrics = [m for m in metrics if m.startswith("test_") or m == chooser] or metrics
    return ([chooser] if chooser in metrics else []) + [m for m in metrics if m != chooser]


def rows(state: dict[str, Any], every_metric: bool = False) -> tuple[list[str], list[list[Any]], int | None]:
    """Header, one row per setting, and the index of the chosen row (None when nothing chooses)."""
    metrics = _metrics(state, every_metric)
    header = list(state["grid"]) + [h for m in metrics for h in stat_headers(m)] + ["seeds"]
    out = []
    for s in state["settings"]:
        t = s["aggregate"]["table"]
        stats = [v for m in metrics for v in ((t[m]["mean"], t[m]["std"], best_over_seeds(m, t[m])) if m in t
                                             else (None, None, None))]
        out.append([_number(v) for v in s["values"]] + stats + [max((x["n"] for x in t.values()), default=0)])
    choice = state["choice"]
    means = [(i, s["aggregate"]["table"][choice.metric]["mean"]) for i, s in enumerate(state["settings"])
             if choice.metric in s["aggregate"]["table"]]
    return header, out, choose(means, choice.mode)


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def published(state: dict[str, Any], best: int | None) -> tuple[list[str], list[list[Any]]]:
    """Published vs measured mean +- sample std: the chosen setting's, or every setting's when none is chosen."""
    choice: Choice = state["choice"]
    chosen = [best] if best is not None else range(len(state["settings"]))
    out = []
    for i in chosen:
        setting = state["settings"][i]
        agg = setting["aggregate"]
        ids = (agg.get("summaries") or [{}])[0].get("published") or []
        for row in lookup(ids):
            ours = agg["table"].get(run_metric(row["metric"]))
            out.append([row["id"], row["model"], row["dataset"], row["metric"],
                        published_text(row.get("value"), row.get("std")),
                        "-" if not ours else f"{number(ours['mean'])} +- {number(ours['std'])}",
                        setting["folder"]])
    measured = (f"measured, mean +- {STD_LABEL} (the setting chosen on {choice.metric})" if best is not None
                else f"measured, mean +- {STD_LABEL} (every setting: none is chosen)")
    return ["published id", "model", "dataset", "metric", "published", measured, "setting"], out


def markdown(state: dict[str, Any]) -> str:
    header, body, best = rows(state)
    lines = [f"# Sweep of {state['recipe']}: {len(body)} settings x {state['seeds']} seeds", "",
             described(state["choice"]), "",
             "| " + " | ".join(header) + " | best |", "|" + "---|" * (len(header) + 1)]
    for i, r in enumerate(body):
        lines.append("| " + " | ".join(number(v) for v in r) + f" | {'**best**' if i == best else ''} |")
    pub_header, pub = published(state, best)
    if pub:
        lines += ["", "| " + " | ".join(pub_header) + " |", "|---|---|---|---|---:|---:|---|"]
        lines += ["| " + " | ".join(map(str, r)) + " |" for r in pub]
    return "\n".join(lines) + "\n"


def csv_text(state: dict[str, Any]) -> str:
    """Every final metric's mean, sample std and best seed per setting; ``best`` is 1 on the chosen row."""
    header, body, best = rows(state, every_metric=True)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header + ["best"])
    for i, r in enumerate(body):
        w.writerow(["" if v is None else v for v in r] + [int(i == best)])
    return buf.getvalue()


def html_table(state: dict[str, Any]) -> Markup:
    """The settings, best first by the mean of the metric that chooses (grid order without one), the best marked."""
    header, body, best = rows(state)
    links = [pages.link(f"{s['folder']}/report.html", s["folder"]) for s in state["settings"]]
    order = sorted(range(len(body)), key=lambda i: _rank(state["choice"], body[i][len(state["grid"])]))
    return pages.table(["setting"] + header, [[links[i]] + body[i] for i in order], marked=[i == best for i in order])


def _rank(choice: Choice, mean: Any) -> tuple[int, float]:
    """Sort key: settings without the metric last; the higher mean first where the choice maximises."""
    if choice.metric is None or not isinstance(mean, (int, float)):
        return (choice.metric is not None and 1, 0.0)
    return (0, -mean if choice.mode == "max" else mean)


def write_tables(folder: Path) -> dict[str, Path]:
    """``table.md``, ``table.csv`` and ``table.html`` in the sweep folder."""
    folder = Path(folder)
    state = load(folder)
    out = {"md": folder / "table.md", "csv": folder / "table.csv", "html": folder / "table.html"}
    atomic_write_text(out["md"], markdown(state))
    atomic_write_text(out["csv"], csv_text(state))
    body = pages.join([pages.paragraph(described(state["choice"])), html_table(state)])
    atomic_write_text(out["html"], pages.page(f"Sweep of {state['recipe']}: settings", body))
    return out


SWEEP_INTRO = ("<p>{{ n_settings }} settings x {{ seeds }} seeds = {{ n_trials }} trials of <code>{{ recipe }}</code>; "
               "status: {{ status }}. {{ choice }}</p>")


def write_sweep_report(folder: Path, static: bool = False) -> Path:
    """``report.html``: the settings table (best first by the metric that chooses), curves per setting (mean +-
    sample std over seeds), parallel coordinates, every trial, and the command that reruns (or resumes) the
    sweep. The figures are drawn by plotly in the browser; ``static``: PNGs and no script at all."""
    folder = Path(folder)
    state = load(folder)
    header, body, best = rows(state)
    fig_dir = folder / "figures"
    histories = [(", ".join(s["overrides"]) or "base",
                  [RunDir(folder / t["path"]).read_metrics() for t in state["trials"] if t["setting"] == s["folder"]])
                 for s in state["settings"]]
    parts = [pages.render(SWEEP_INTRO, n_settings=len(state["settings"]), seeds=state["seeds"],
                          n_trials=len(state["trials"]), recipe=state["recipe"], status=state["status"],
                          choice=described(state["choice"])),
             pages.heading("Settings (best first)" if static else "Settings (best first; click a header to sort)"),
             html_table(state)]
    pub_header, pub = published(state, best)
    if pub:
        parts += [pages.heading("Published vs measured"), pages.table(pub_header, pub)]
    figs = [sweep_figures.curves(histories, fig_dir / "curves.png", static),
            sweep_figures.parallel(state["grid"], header, body, fig_dir / "parallel.png", static)]
    parts += [*figs, pages.heading("Trials"), _trials(folder, state), pages.heading("Command"),
              pages.pre(_command(state))]
    nav = pages.link(pages.relative(folder.parent.parent / "index.html", folder), "all runs")
    target = folder / "report.html"
    scripts = interactive.scripts(folder) if any("plotly" in f for f in figs) else ""
    return interactive.write_page(target, pages.page(f"Sweep of {state['recipe']}", pages.join(parts), nav, scripts,
                                                     static), bool(scripts))


def _trials(folder: Path, state) -> Markup:
    chooser = state["choice"].metric
    rows_ = []
    for t in state["trials"]:
        s = RunDir(folder / t["path"]).read_summary()
        final = s.get("final", {})
        reported = next((m for m in REPORTED if m in final), None)
        rows_.append([pages.link(f"{t['path']}/report.html", t["path"]), t["id"], t["seed"],
                      s.get("status", "not started"), final.get(chooser) if chooser else None,
                      f"{reported} {number(final[reported])}" if reported else None, s.get("wall_seconds")])
    return pages.table(["trial", "id", "seed", "status", chooser or "chosen on (none)", "test", "seconds"], rows_)


def _command(state) -> str:
    grid = [f"--grid={k}={','.join(v)}" for k, v in state["grid"].items()]
    select = state.get("select") or {}
    chosen = [f"--metric={select['metric']}", f"--mode={select['mode']}"] if select.get("metric") else []
    return shlex.join(["mllab", "sweep", state["recipe"], *state["overrides"], *grid, *chosen,
                       "--seeds", str(state["seeds"])])
