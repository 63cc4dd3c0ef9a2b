"""``mllab models``: the registered models (read from the catalog, so listing them imports no torch)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Registered models.", no_args_is_help=True)


@app.command("list")
def models_list(pattern: str = typer.Argument("*", help="Glob over model names.")) -> None:
    """Every registered model with its kind and task."""
    from fnmatch import fnmatchcase

    from mllab.core.table import Table
    from mllab.models.catalog import model_rows  # the registry's rows without importing torch

    rows = [[r["name"], r["kind"], r["task"], r["doc"]] for r in model_rows() if fnmatchcase(r["name"], pattern)]
    typer.echo(Table(["model", "kind", "task", "about"], rows, widths=[22, 10, 12]).text(header=False))
