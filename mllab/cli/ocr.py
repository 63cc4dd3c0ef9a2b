"""``mllab ocr PAGE [PAGE ...]``: print the text of handwritten pages (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from mllab.ocr.image import DEFAULT_MAX_PIXELS


def ocr(
    pages: List[Path] = typer.Argument(..., help="Page images (JPEG, PNG, TIFF, BMP, WebP, GIF, PPM)."),
    model: Optional[Path] = typer.Option(None, "--model", help="A run folder of the ocr_handwritten36 recipe to "
                                         "read with (default: the classifier shipped with mllab, its checkpoint's "
                                         "sha256 checked; nothing is taken from ./runs)."),
    truth: Optional[List[Path]] = typer.Option(None, "--truth", help="The true text, one line per row: one file "
                                               "per page, in the pages' order (repeat --truth), or one folder of "
                                               "PAGE.txt files; prints character accuracy per line and page."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write PAGE.json (text, mean confidence, warnings; "
                                       "each character's box, text, confidence, line, word) and PAGE.overlay.png "
                                       "(boxes and labels drawn on the page) here."),
    max_pixels: int = typer.Option(DEFAULT_MAX_PIXELS, "--max-pixels", help="Refuse a page image of more pixels "
                                   "than this, read from its header before decoding (a 12-50 Mpx photo passes; "
                                   "at most Pillow's own limit, 89478485)."),
) -> None:
    """Read handwritten pages: find the characters, classify them, print the text one line per row.

    Each character's confidence is the classifier's softmax probability of the character read (not calibrated);
    a page whose mean confidence is under 0.6, or that is over 25% ink, gets one warning line on stderr (noise, a
    photo, or not A-Z, 0-9?; thresholds measured in bench/ocr_confidence.py). Character
    accuracy (--truth) is 1 - edit distance / truth length over the texts upper-cased, with spaces and
    everything outside A-Z, 0-9 removed. A page that cannot be read (damaged, not an image, too large, blank)
    is one error line; the others are still read, and the exit status is 1."""
    import warnings

    from PIL import Image

    from mllab.cli.errors import user_errors
    from mllab.ocr.classifier import Classifier, choose_run
    from mllab.ocr.image import check_max_pixels
    from mllab.ocr.output import truth_files
    from mllab.ocr.reader import PageError, load_page, read_grey

    with user_errors(), warnings.catch_warnings():
        # this process's own policy (a library call leaves the caller's filters alone): a page between Pillow's
        # two bomb limits is refused like one over them, and Pillow's notes on a damaged file's metadata
        # (skipped TIFF tags, ...) are not the user's business when the page reads
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        check_max_pixels(max_pixels)
        sources = truth_files(pages, truth) if truth else None  # a missing truth stops before any page is read
        classifier, unread = None, 0
        for i, path in enumerate(pages):
            try:
                grey, loaded = load_page(path, max_pixels)  # a bad page fails before the classifier (and torch) loads
            except PageError as err:
                typer.echo(f"error: {err}", err=True)
                unread += 1
                continue
            classifier = classifier or Classifier(choose_run(model))
            page = read_grey(grey, classifier, loaded)
            unread += not page.chars
            _show(page, path, len(pages) > 1, out, max_pixels, sources[i] if sources is not None else None)
        if unread:
            raise typer.Exit(1)


def _show(page, path: Path, named: bool, out: Optional[Path], max_pixels: int, truth) -> None:
    """One read page: its warnings on stderr, its text (under ``== NAME`` when ``named``), the files written
    under ``out`` and the scores against ``truth``."""
    from mllab.ocr.output import score_lines, write_outputs

    for warning in page.warnings:
        typer.echo(f"warning: {path.name}: {warning}", err=True)
    if named:
        typer.echo(f"== {path.name}")
    typer.echo(page.text)
    if out is not None:
        for written in write_outputs(page, path, out, max_pixels):
            typer.echo(f"wrote {written}", err=True)
    if truth is not None:
        for line in score_lines(page, path, truth):
            typer.echo(line)
