"""``report.html`` for a run, rebuilt from the run directory alone.

>>> import mllab
>>> group = mllab.train("demo", overrides=["training.epochs=1", "data.train_subset=300"], seeds=1, out="runs")
>>> write_report(RunDir(group.runs[0].path))  # written again from the folder alone
PosixPath('runs/demo/.../seed0/report.html')
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from markupsafe import Markup

from mllab.report import figures, interactive, pages, plots
from mllab.runs.rundir import RunDir, RunFileError, damaged, read_json


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


CAPTIONS = {
    "curves": "loss and accuracy (or PSNR) per epoch, on the training and the validation split.",
    "confusion": "the test split: rows are the true classes, columns the predicted ones.",
    "misclassified": "test examples the model got wrong, titled 'true -> predicted'.",
    "reconstructions": "test inputs (top rows) and their reconstructions (bottom rows).",
    "samples": "samples decoded from the prior.",
    "interpolation": "decoded points on a line between two test inputs' latent codes (a = position).",
    "filters_init": "the first conv layer's filters as images at initialisation, before training.",
    "filters_trained": "the same filters after training.",
    "first_layer_init": "the first dense layer's weights, one image per unit, at initialisation, before training.",
    "first_layer_trained": "the same weights after training.",
}
HIDDEN = ("owner", "path", "run_id")  # machine and process ids stay in summary.json, out of the page


def _explain(run: RunDir, shown: set[str]) -> Markup:
    """Whatever ``RUN/explain/`` holds (written by 'mllab explain' and 'mllab probe'): its figures, captioned
    by their file names (none that the page already shows, ``shown`` by digest), and the probe table."""
    folder = run.path / "explain"
    pngs = _unique(sorted(folder.glob("*.png")), set(shown)) if folder.is_dir() else []
    if not pngs:
        return Markup("")
    probe, table = folder / "probe.json", Markup("")
    if probe.is_file():
        rows = read_json(probe)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise RunFileError(damaged(probe, "expected a JSON list of objects, one per layer"))
        keys = ["layer", "dim", "linear_probe_accuracy", "knn_accuracy", "separability"]
        table = pages.join([pages.heading("Layer-wise probes", 3),
                            pages.table(keys, [[r.get(k, "-") for k in keys] for r in rows])])
    return pages.join([pages.heading("Inside the model"), table,
                       *(pages.figure(p, f"explain/{p.name}") for p in pngs)])


def _published(summary: dict) -> Markup:
    """Published vs measured for the report rows this run's recipe names."""
    from mllab.runs.published import dataset_note, lookup, published_text, run_metric

    if not summary.get("published"):
        return Markup("")
    published = lookup(summary["published"])
    rows = [[row["id"], row["model"], row["dataset"], row["setting"], published_text(row.get("value"), row.get("std")),
             summary.get("final", {}).get(run_metric(row["metric"]), "-")] for row in published]
    header = ["published id", "published model", "dataset", "setting", "published",
              f"this run ({summary.get('model', '-')})"]
    note = dataset_note(summary.get("dataset"), [r["dataset"] for r in published], summary.get("stands_in_for"))
    return pages.join([pages.heading("Published vs measured"), pages.table(header, rows), pages.paragraph(note)])


RUN_PAGE = (
    '<div class="side"><div><h2>Final metrics</h2>{{ final }}</div><div><h2>Run</h2>{{ facts }}</div></div>'
    "{{ published }}{% if error %}<h2>Error</h2><pre>{{ error }}</pre>{% endif %}"
    "<h2>Figures</h2>{{ figures }}{{ explain }}<h2>Config</h2><pre>{{ config }}</pre>"
    "<h2>Summary</h2><pre>{{ summary }}</pre>")


def write_report(run: RunDir, static: bool = False) -> Path:
    """Draw the figures and write ``report.html`` (images embedded; the curves drawn by plotly in the
    browser from the runs root's ``_static/plotly.min.js``, or as a PNG with ``static``: no script at all)."""
    draw_figures(run)
    summary = run.read_summary()
    config = (run.path / "config.yaml").read_text() if (run.path / "config.yaml").is_file() else ""
    title = f"{summary.get('experiment', '')}: {summary.get('model', '')} on {summary.get('dataset', '')}"
    facts = {k: summary.get(k) for k in ("status", "seed", "epochs_done", "best_epoch", "params", "images_per_s",
                                         "wall_seconds", "cpu_seconds", "threads", "device", "train_size", "test_size", "started", "finished")
             if k in summary}
    live = None if static else plots.curves(run.read_metrics())
    figs = [interactive.plot(live, f"curves: {CAPTIONS['curves']} Hover for values, drag to zoom, click a "
                                   "legend entry to hide it.")] if live else []
    shown_pngs = _pngs(run, skip=("curves",) if live else ())
    figs += [pages.figure(p, f"{p.stem.replace('_', ' ')}: {CAPTIONS[p.stem]}" if p.stem in CAPTIONS
                          else p.stem.replace("_", " ")) for p in shown_pngs]
    shown = {k: v for k, v in summary.items() if k not in HIDDEN}
    body = pages.render(RUN_PAGE, final=pages.table(["metric", "value"], list(summary.get("final", {}).items()), False),
                        facts=pages.table(["fact", "value"], list(facts.items()), False),
                        published=_published(summary), error=summary.get("error") or "", figures=pages.join(figs),
                        explain=_explain(run, {_digest(p) for p in shown_pngs}), config=config,
                        summary=json.dumps(shown, indent=2, default=str))
    target = run.path / "report.html"
    scripts = interactive.scripts(run.path) if live else ""
    return interactive.write_page(target, pages.page(title, body, _nav(run.path), scripts, static), bool(scripts))


def _pngs(run: RunDir, skip: tuple[str, ...]) -> list[Path]:
    """The run's figures in page order (the curves, the test split's, then others by name), each drawing once:
    a file whose bytes another one already has is left out."""
    order = list(CAPTIONS)
    found = sorted((p for p in run.figures.glob("*.png") if p.stem not in skip),
                   key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    return _unique(found, set())


def _unique(paths: list[Path], seen: set[str]) -> list[Path]:
    """``paths`` without those whose content is in ``seen`` or repeats an earlier one (``seen`` grows)."""
    out = []
    for p in paths:
        if (d := _digest(p)) not in seen:
            seen.add(d)
            out.append(p)
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _nav(path: Path) -> Markup:
    """Links up to the run's group, its sweep, and the runs index (those that exist or will)."""
    links, up = [], path.parent
    if (up / "group.yaml").is_file() or (up / "aggregate.json").is_file():
        links.append(pages.link("../report.html", f"group {up.name}"))
    if (up.parent / "sweep.yaml").is_file():
        links.append(pages.link("../../report.html", f"sweep {up.parent.name}"))
        up = up.parent
    links.append(pages.link(pages.relative(up.parent.parent / "index.html", path), "all runs"))
    return pages.join(links)
