"""``mllab export``: copy finished runs into TensorBoard or MLflow (:mod:`mllab.runs.export`)."""

from __future__ import annotations

from pathlib import Path

import typer

from mllab.trackers import TRACKERS  # light: the trackers' packages are imported when one is opened


def export(
    paths: list[Path] = typer.Argument(..., help="Run, group, sweep or runs folders (every run folder under them)."),
    to: str = typer.Option(..., "--to", help="The tracker: " + ", ".join(
        f"{e.name} (pip install 'mllab[{e.name}]')" for e in TRACKERS) + "."),
    out: str = typer.Option(..., "--out", help="Where: " + "; ".join(f"{e.name}: {e.meta['target']}"
                                                                      for e in TRACKERS) + "."),
) -> None:
    """Send runs to TensorBoard or MLflow: mllab export runs/demo --to tensorboard --out tb

    Each run becomes one run there, named <experiment>/<group>/seed<k>: its per-epoch scalars under their
    metrics.jsonl names (val_accuracy), its final metrics (summary.json) as <name>/final, its config
    flattened as hyper-parameters (training.epochs), the tags recipe, experiment, seed, group, model,
    dataset and status, and its figures as images. Then: tensorboard --logdir OUT, or mlflow ui
    --backend-store-uri OUT (the full 'mlflow' package). To log while training instead: training.log=[tensorboard]."""
    from mllab.cli.errors import user_errors
    from mllab.runs.export import export as send

    with user_errors():
        for run, where in send(paths, to, out):
            typer.echo(f"{run} -> {where}")
