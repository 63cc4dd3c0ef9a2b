"""``report.html`` for a group of seeds: the seed table, published vs measured, every seed's curves.

Built from the group folder alone (``aggregate.json`` and the seeds' files), like a run's report.

>>> write_group_report(Path("runs/best_mnist/<group>"))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from mllab.core.files import atomic_write_text
from mllab.report.compare import compare_curves
from mllab.report.html import _fmt, _img, paragraph
from mllab.runs.published import dataset_note, published_text

_CSS = ("body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }"
        "table { border-collapse: collapse; margin: 0.5em 0 1.5em; }"
        "th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; } img { max-width: 100%; }")


def _rows(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_group_report(group: Path) -> Path:
    """Write ``group/report.html``; needs the group's ``aggregate.json`` (written by every multi-seed run)."""
    group = Path(group)
    agg_path = group / "aggregate.json"
    if not agg_path.is_file():
        raise FileNotFoundError(f"{group}: no aggregate.json (not a group folder: give runs/<experiment>/<group>)")
    agg = json.loads(agg_path.read_text())
    table = _rows(["metric", "mean", "std", "max", "n"],
                  [[m, t["mean"], t["std"], t["max"], t["n"]] for m, t in agg["table"].items()])
    published = _rows(["published id", "published model", "dataset", "metric", "published",
                       f"this {agg['model']}: mean", "std"],
                      [[c["id"], c.get("model", "-"), c["dataset"], c["metric"], published_text(c["published"], c.get("published_std")),
                        *((c["measured"]["mean"], c["measured"]["std"]) if c["measured"] else ("-", "-"))]
                       for c in agg.get("published_vs_measured", [])])
    note = dataset_note(agg["dataset"], [c["dataset"] for c in agg.get("published_vs_measured", [])],
                        agg.get("stands_in_for"))
    published += paragraph(note)
    seeds = sorted(p.parent for p in group.glob("seed*/metrics.jsonl"))
    figure = ""
    if seeds:
        history = (seeds[0] / "metrics.jsonl").read_text().splitlines()
        first = json.loads(history[0]) if history else {}
        metrics = [m for m in ("train_loss", "val_loss", "val_accuracy", "train_accuracy", "val_psnr") if m in first]
        figure = _img(compare_curves(seeds, metrics[:3], group / "seeds.png", [s.name for s in seeds])) if metrics else ""
    links = "".join(f'<li><a href="{s.name}/report.html">{s.name}</a></li>' for s in seeds)
    title = html.escape(f"{agg['experiment']}: {agg['model']} on {agg['dataset']}, {len(agg['seeds'])} seeds")
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title><style>{_CSS}</style>'
            f"</head><body><h1>{title}</h1><h2>Over seeds</h2>{table}"
            f"{'<h2>Published vs measured</h2>' + published if agg.get('published_vs_measured') else ''}"
            f"<h2>Every seed</h2>{figure}<ul>{links}</ul></body></html>")
    target = group / "report.html"
    atomic_write_text(target, page)
    return target
