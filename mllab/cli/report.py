"""``mllab report``: rebuild the pages of a run, a seed group, a sweep or a runs root from their files."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer

from mllab.cli.errors import fail, user_errors


def report(run: Path = typer.Argument(..., help="Run folder, group folder (all its seeds), sweep folder, "
                                     "or a runs root (its index.html)."),
           static: bool = typer.Option(False, "--static", help="Pages without any script: PNG figures instead "
                                       "of plotly's, no sorting, search or overlay.")) -> None:
    """Rebuild the figures and report.html of a run, a seed group or a sweep, or a runs root's index.html,
    from their files (no retraining)."""
    with user_errors(), unwritable_says_so(run):
        typer.echo(f"report: {rebuild(run, static)}")


def rebuild(path: Path, static: bool = False) -> Path:
    """The pages of ``path`` rebuilt; anything that is not a run, group, sweep or runs root is one
    :class:`~mllab.core.errors.NotARunError` and nothing is written."""
    from mllab.core.errors import NotARunError
    from mllab.report.group import write_group_report
    from mllab.report.html import write_report
    from mllab.runs.group import is_group
    from mllab.runs.rundir import RunDir, not_a_run

    if (path / "sweep.yaml").is_file() or (path / "index.sqlite").is_file():
        return rebuild_pages(path, static)
    if (path / "aggregate.json").is_file():
        for seed in sorted(p.parent for p in path.glob("seed*/summary.json")):
            write_report(RunDir(seed), static)
        return write_group_report(path, static)
    if is_group(path):
        raise NotARunError(f"{path} is a seed group without its table (aggregate.json): it was interrupted; "
                           f"finish it with 'mllab train --resume {path}', or report one seed ({path}/seed<k>)")
    if not (path / "summary.json").is_file():
        raise NotARunError(not_a_run(path))
    return write_report(RunDir(path), static)


@contextmanager
def unwritable_says_so(path: Path):
    """Pages are written beside the files they show: a folder that cannot be written is one line saying so."""
    from mllab.core.files import StorageError, storage_error

    try:
        yield
    except (StorageError, OSError) as err:
        if (unwritable := storage_error(err)) is None:
            raise
        fail(f"{unwritable}; 'mllab report' writes the pages inside the folder it reports on: copy {path} to a "
             f"writable disk and report the copy")


def rebuild_pages(path: Path, static: bool = False) -> Path:
    """A sweep folder's pages (every trial, setting and the sweep), or a runs root's ``index.html``."""
    from mllab.report.group import write_group_report
    from mllab.report.html import write_report
    from mllab.report.index_page import write_index
    from mllab.report.sweep import write_sweep_report, write_tables
    from mllab.runs.rundir import RunDir

    if (path / "index.sqlite").is_file():
        return write_index(path, static=static)
    for setting in sorted(p.parent for p in path.glob("*/aggregate.json")):
        for seed in sorted(p.parent for p in setting.glob("seed*/summary.json")):
            write_report(RunDir(seed), static)
        write_group_report(setting, static)
    write_tables(path)
    return write_sweep_report(path, static)
