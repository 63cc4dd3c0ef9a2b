"""``report.html`` for a group of seeds: the table over seeds, published vs measured, the seeds' curves as
a mean +- std band and one by one, and a table of every seed.

Built from the group folder alone (``aggregate.json`` and the seeds' files), like a run's report.

>>> import mllab
>>> group = mllab.train("demo", overrides=["training.epochs=1", "data.train_subset=300"], seeds=2, out="runs")
>>> write_group_report(group.path)  # written again from the folder alone
PosixPath('runs/demo/.../report.html')
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from mllab.report import figures, interactive, pages, plots
from mllab.report.compare import compare_curves
from mllab.runs.published import dataset_note, published_text
from mllab.runs.rundir import RunDir
from mllab.runs.seed_stats import STD_LABEL, best_over_seeds, read_aggregate

CURVES = ("train_loss", "val_loss", "val_accuracy", "train_accuracy", "val_psnr")


def write_group_report(group: Path, static: bool = False) -> Path:
    """Write ``group/report.html`` (``static``: PNG figures, no script); needs the group's ``aggregate.json`` (written by every multi-seed run)."""
    group = Path(group)
    agg_path = group / "aggregate.json"
    if not agg_path.is_file():
        raise FileNotFoundError(f"{group}: no aggregate.json (not a group folder: give runs/<experiment>/<group>)")
    agg = read_aggregate(agg_path)
    parts = [pages.heading("Over seeds"),
             pages.table(["metric", "mean", STD_LABEL, "best seed (lowest loss, highest otherwise)", "n"],
                         [[m, t["mean"], t["std"], best_over_seeds(m, t), t["n"]] for m, t in agg["table"].items()])]
    if agg.get("published_vs_measured"):
        parts += [pages.heading("Published vs measured"), _published(agg)]
    seeds = sorted((p.parent for p in group.glob("seed*/metrics.jsonl")), key=lambda p: _seed_number(p.name))
    curves = _curves(group, seeds, static)
    parts += [curves, pages.heading("Seeds"), _seed_table(group, seeds)]
    config = group / "group.yaml"
    if config.is_file():
        parts += [pages.heading("Config"), pages.pre(config.read_text())]
    title = (f"{agg.get('experiment', '-')}: {agg.get('model', '-')} on {agg.get('dataset', '-')}, "
             f"{len(agg.get('seeds', seeds))} seeds")  # keys an older aggregate.json may lack
    target = group / "report.html"
    scripts = interactive.scripts(group) if "plotly" in curves else ""
    return interactive.write_page(target, pages.page(title, pages.join(parts), _nav(group), scripts, static),
                                  bool(scripts))


def _curves(group: Path, seeds: list[Path], static: bool) -> Markup:
    """The seeds' mean +- std band and each seed's curves: drawn by plotly, or PNGs with ``static`` (the
    PNGs are drawn either way, for papers)."""
    if not seeds:
        return Markup("")
    histories = [RunDir(s).read_metrics() for s in seeds]
    first = histories[0][0] if histories[0] else {}
    metrics = [m for m in CURVES if m in first][:3]
    band = figures.band_curves([(f"{len(seeds)} seeds", histories)], metrics, group / "figures" / "band.png")
    each = compare_curves(seeds, metrics, group / "seeds.png", [s.name for s in seeds]) if metrics else None
    band_text = f"Mean over the {len(seeds)} seeds per epoch, with a band of mean +- {STD_LABEL}."
    if not static and band:
        return pages.join([pages.heading("Curves"),
                           interactive.plot(plots.bands([(f"{len(seeds)} seeds", histories)], metrics),
                                            band_text + " Hover for values, drag to zoom."),
                           interactive.plot(plots.by_seed([s.name for s in seeds], histories, metrics),
                                            "The same metrics, one line per seed (click a seed to hide it).")])
    parts = [pages.heading("Curves"), pages.figure(band, band_text)] if band else []
    return pages.join(parts + ([pages.figure(each, "The same metrics, one line per seed.")] if each else []))


def _seed_number(name: str) -> int:
    return int(name[4:]) if name[4:].isdigit() else 0


def _published(agg: dict) -> Markup:
    rows = [[c["id"], c.get("model", "-"), c["dataset"], c["metric"], published_text(c["published"], c.get("published_std")),
             *((c["measured"]["mean"], c["measured"]["std"]) if c["measured"] else ("-", "-"))]
            for c in agg["published_vs_measured"]]
    note = dataset_note(agg.get("dataset"), [c["dataset"] for c in agg["published_vs_measured"]], agg.get("stands_in_for"))
    return pages.join([pages.table(["published id", "published model", "dataset", "metric", "published",
                                    f"this {agg.get('model', '-')}: mean", STD_LABEL], rows), pages.paragraph(note)])


def _seed_table(group: Path, seeds: list[Path]) -> Markup:
    rows, metrics = [], []
    summaries = [RunDir(s).read_summary() for s in seeds]
    metrics = sorted({m for s in summaries for m in s.get("final", {})})
    for s, summary in zip(seeds, summaries):
        rows.append([pages.link(f"{s.name}/report.html", s.name), summary.get("status"),
                     *[summary.get("final", {}).get(m) for m in metrics], summary.get("wall_seconds"),
                     summary.get("cpu_seconds"), summary.get("threads")])
    return pages.table(["seed", "status", *metrics, "seconds", "CPU seconds", "threads"], rows)


def _nav(group: Path) -> Markup:
    """Links up: the sweep this group belongs to (if any) and the runs index."""
    links = []
    if (group.parent / "sweep.yaml").is_file():
        links.append(pages.link("../report.html", f"sweep {group.parent.name}"))
    index = group.parent.parent / "index.html" if not links else group.parent.parent.parent / "index.html"
    links.append(pages.link(pages.relative(index, group), "all runs"))
    return pages.join(links)
