"""``mllab runs``: the recorded runs (``runs/index.sqlite``), one run's summary, published vs measured over a
runs folder, and several runs' curves on one figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from mllab.cli.errors import fail, user_errors

app = typer.Typer(help="Recorded runs (runs/index.sqlite).", no_args_is_help=True)


@app.command("list")
def runs_list(experiment: Optional[str] = typer.Option(None, "--experiment", "-e"),
              root: Path = typer.Option(Path("runs"), "--root"), limit: int = 30) -> None:
    """Recent runs from runs/index.sqlite, one row per run folder; a killed run (its process gone) shows as
    interrupted. Reads a runs folder it cannot write (a read-only mount) too."""
    from mllab.cli.run_text import resume_hint
    from mllab.core.table import Table
    from mllab.runs.index import list_runs
    from mllab.runs.liveness import INTERRUPTED

    db = root / "index.sqlite"
    with user_errors():
        rows = list_runs(db, experiment, limit)  # read-only: a runs folder one cannot write is listed too
    if not rows:
        where = f"{db.resolve()}" + ("" if db.is_file() else " (no such file)")
        typer.echo(f"no runs{f' of experiment {experiment}' if experiment else ''} recorded in {where}; "
                   f"give the runs folder with --root", err=True)
        return
    cells = []
    for r in rows:
        hint = resume_hint(Path(r["path"])) if r["status"] == INTERRUPTED else ""  # one status: index.list_runs
        cells.append([r["started"] or "-", r["status"], (r["metrics"] or {}).get("test_accuracy"),
                      f"{r['id']}{f'  ({hint})' if hint else ''}"])
    header = ["started (UTC)", "status", "test acc", f"run id (under {root})"]
    typer.echo(Table(header, cells, metrics={"test acc": "test_accuracy"}, right={"test acc"},
                     widths=[26, 11, 8]).text())


@app.command("show")
def runs_show(run: Path = typer.Argument(..., help="Run folder, or a run id as 'mllab runs list' prints it."),
              root: Path = typer.Option(Path("runs"), "--root", help="Runs folder whose index resolves an id."),
              as_json: bool = typer.Option(False, "--json", help="Print summary.json itself.")) -> None:
    """A run's summary: status (a killed run shows as interrupted), model, dataset, seed, epochs, times,
    folder and final metrics; --json for the file."""
    from mllab.cli.run_text import summary_lines
    from mllab.runs.index import find_run
    from mllab.runs.liveness import read_summary_quietly
    from mllab.runs.rundir import not_a_run

    with user_errors():
        if not run.exists() and (row := find_run(root / "index.sqlite", str(run))):
            run = Path(row["path"])  # an id as 'mllab runs list' prints it
    path = run / "summary.json"
    summary = read_summary_quietly(path)
    if summary is None:
        if path.is_file():
            fail(f"{path}: not a readable run summary (expected a JSON object under 4 MB): the run folder is "
                 f"damaged; 'mllab train --resume {run}' writes it again")
        has_config = (run / "config.yaml").is_file()
        fail(f"{run}: no summary.json (the run never started)" if has_config else not_a_run(run))
    if as_json:
        return typer.echo(json.dumps(summary, indent=2))
    for line in summary_lines(run, summary):
        typer.echo(line)


@app.command("published")
def runs_published(root: Path = typer.Option(Path("runs"), "--root", help="Runs folder to read."),
                   experiment: Optional[str] = typer.Option(None, "--experiment", "-e", help="Only this experiment."),
                   min_seeds: int = typer.Option(1, "--min-seeds", min=1, help="Leave out groups with fewer seeds."),
                   latest: bool = typer.Option(False, "--latest",
                                               help="Only the newest group per experiment and published number.")
                   ) -> None:
    """Published vs measured over all seed groups: a markdown table with the commands that rebuild them."""
    from mllab.experiments.published_table import collect, markdown

    with user_errors():
        rows = collect(root, experiment, min_seeds, latest)
    if not rows:
        fail(f"no seed group under {root} refers to published numbers"
             f"{f' in experiment {experiment}' if experiment else ''} with {min_seeds}+ completed seeds")
    typer.echo(markdown(rows), nl=False)


@app.command("compare")
def runs_compare(runs: list[Path] = typer.Argument(..., help="Run or group folders (a group adds all its seeds)."),
                 metric: list[str] = typer.Option(["train_loss"], "--metric", "-m", help="Per-epoch metric; repeat."),
                 out: Optional[Path] = typer.Option(None, "--out", "-o", help="PNG to write (default: compare.png "
                                                    "in the folder that holds the runs compared).")) -> None:
    """Overlay per-epoch curves of several runs, labelled by their config differences."""
    from mllab.report.compare import compare_curves, default_figure_path

    with user_errors():
        typer.echo(f"figure: {compare_curves(runs, metric, out or default_figure_path(runs))}")
