"""``report.html`` for a run, rebuilt from the run directory alone.

>>> write_report(RunDir("runs/demo/<group>/seed0"))  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np

from mllab.core.files import atomic_write_text
from mllab.report import figures
from mllab.runs.rundir import RunDir


def draw_figures(run: RunDir) -> list[Path]:
    """(Re)draw the standard figures into ``run/figures``; returns the PNGs drawn."""
    run.figures.mkdir(exist_ok=True)
    drawn = [figures.curves(run.read_metrics(), run.figures / "curves.png")]
    pred_path = run.path / "predictions.npz"
    if pred_path.is_file():
        with np.load(pred_path, allow_pickle=False) as z:
            pred = {k: z[k] for k in z.files}
        drawn += [figures.confusion(pred, run.figures / "confusion.png"),
                  figures.misclassified(pred, run.figures / "misclassified.png")]
    gen_path = run.path / "generative.npz"
    if gen_path.is_file():
        with np.load(gen_path, allow_pickle=False) as z:
            drawn += figures.generative({k: z[k] for k in z.files}, run.figures)
    return [p for p in drawn if p is not None]


def _img(path: Path, caption: str | None = None) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return (f'<figure><img src="data:image/png;base64,{data}">'
            f'<figcaption>{html.escape(caption or path.stem)}</figcaption></figure>')


def _explain(run: RunDir) -> str:
    """Whatever ``RUN/explain/`` holds (written by 'mllab explain' and 'mllab probe'): its figures, captioned
    by their file names, and the probe table."""
    folder = run.path / "explain"
    pngs = sorted(folder.glob("*.png")) if folder.is_dir() else []
    if not pngs:
        return ""
    probe, table = folder / "probe.json", ""
    if probe.is_file():
        rows = json.loads(probe.read_text())
        keys = ["layer", "dim", "linear_probe_accuracy", "knn_accuracy", "separability"]
        head = "".join(f"<th>{k}</th>" for k in keys)
        body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(k, '-'))}</td>" for k in keys) + "</tr>" for r in rows)
        table = f"<h3>Layer-wise probes</h3><table><tr>{head}</tr>{body}</table>"
    return f"<h2>Inside the model</h2>{table}" + "".join(_img(p, f"explain/{p.name}") for p in pngs)


def _table(rows: dict) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{_fmt(v)}</td></tr>" for k, v in rows.items())
    return f"<table>{cells}</table>"


def _fmt(v) -> str:
    return html.escape(f"{v:.4f}" if isinstance(v, float) else str(v))


def _published(summary: dict) -> str:
    """Published vs measured for the report rows this run's recipe names."""
    from mllab.runs.published import dataset_note, lookup, published_text, run_metric

    if not summary.get("published"):
        return ""
    rows = ["<tr><th>published id</th><th>published model</th><th>dataset</th><th>setting</th><th>published</th>"
            f"<th>this run ({_fmt(summary.get('model', '-'))})</th></tr>"]
    published = lookup(summary["published"])
    for row in published:
        ours = summary.get("final", {}).get(run_metric(row["metric"]))
        rows.append("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in (
            row["id"], row["model"], row["dataset"], row["setting"], published_text(row.get("value"), row.get("std")),
            "-" if ours is None else ours)) + "</tr>")
    note = dataset_note(summary.get("dataset"), [r["dataset"] for r in published], summary.get("stands_in_for"))
    return f"<h2>Published vs measured</h2><table>{''.join(rows)}</table>{paragraph(note)}"


def paragraph(text: str) -> str:
    """``<p>text</p>``, escaped; nothing for no text."""
    return f"<p>{html.escape(text)}</p>" if text else ""


def write_report(run: RunDir) -> Path:
    """Draw the figures and write ``report.html`` (self-contained: images embedded)."""
    draw_figures(run)
    summary = run.read_summary()
    config = (run.path / "config.yaml").read_text() if (run.path / "config.yaml").is_file() else ""
    title = f"{summary.get('experiment', '')}: {summary.get('model', '')} on {summary.get('dataset', '')}"
    facts = {k: summary.get(k) for k in ("status", "seed", "epochs_done", "best_epoch", "params", "images_per_s",
                                         "wall_seconds", "device", "train_size", "test_size") if k in summary}
    figs = "".join(_img(p) for p in sorted(run.figures.glob("*.png")))
    published = _published(summary)
    error = f"<h2>Error</h2><pre>{html.escape(summary['error'])}</pre>" if summary.get("error") else ""
    page = _PAGE.format(
        title=html.escape(title), final=_table(summary.get("final", {})), facts=_table(facts), error=error,
        published=published,
        figures=figs + _explain(run), config=html.escape(config), summary=html.escape(json.dumps(summary, indent=2, default=str)))
    target = run.path / "report.html"
    atomic_write_text(target, page)
    return target


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; }}
figure {{ display: inline-block; margin: 0.5em; }} img {{ max-width: 100%; }}
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; }}
</style></head><body>
<h1>{title}</h1>
<h2>Final metrics</h2>{final}
{published}
<h2>Run</h2>{facts}
{error}
<h2>Figures</h2>{figures}
<h2>Config</h2><pre>{config}</pre>
<h2>Summary</h2><pre>{summary}</pre>
</body></html>
"""
