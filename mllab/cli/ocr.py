"""``mllab ocr PAGE [PAGE ...]``: print the text of handwritten pages (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def ocr(
    pages: List[Path] = typer.Argument(..., help="Page images (JPEG, PNG, ...)."),
    model: Optional[Path] = typer.Option(None, "--model", help="A run of the ocr_handwritten36 recipe (default: the "
                                         "newest under --runs, else the classifier shipped with mllab)."),
    truth: Optional[Path] = typer.Option(None, "--truth", help="The true text, one line per row: a file (one page) "
                                         "or a folder of PAGE.txt files; prints character accuracy per line and page."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write PAGE.json (boxes, text, confidence, line, word) "
                                       "and PAGE.overlay.png (boxes and labels drawn on the page) here."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Runs root searched for the newest classifier run."),
) -> None:
    """Read handwritten pages: find the characters, classify them, print the text one line per row.

    Character accuracy (--truth) is 1 - edit distance / truth length over the texts upper-cased, with spaces and
    everything outside A-Z, 0-9 removed."""
    from mllab.cli.errors import user_errors
    from mllab.ocr.classifier import Classifier, choose_run
    from mllab.ocr.output import score_lines, truth_file, write_outputs
    from mllab.ocr.reader import PageError, load_page, read_grey

    with user_errors():
        for path in pages if truth is not None else ():
            truth_file(path, truth)  # a missing truth stops before any page is read
        classifier, unread = None, 0
        for path in pages:
            try:
                grey, loaded = load_page(path)  # a bad page fails before the classifier (and torch) loads
            except PageError as err:
                typer.echo(f"error: {err}", err=True)
                unread += 1
                continue
            classifier = classifier or Classifier(choose_run(model, runs))
            page = read_grey(grey, classifier, loaded)
            for warning in page.warnings:
                typer.echo(f"warning: {path.name}: {warning}", err=True)
            if not page.chars:
                unread += 1
            if len(pages) > 1:
                typer.echo(f"== {path.name}")
            typer.echo(page.text)
            if out is not None:
                for written in write_outputs(page, path, out):
                    typer.echo(f"wrote {written}", err=True)
            if truth is not None:
                for line in score_lines(page, path, truth):
                    typer.echo(line)
        if unread:
            raise typer.Exit(1)
