"""Read handwritten pages: find the characters, classify each crop, print the text, score it (issue 17).

>>> import mllab.ocr
>>> page = mllab.ocr.read("page.jpg")  # doctest: +SKIP
>>> page.text, page.lines, page.chars[0]  # doctest: +SKIP
('TO DO LIST\\n...', ['TO DO LIST', ...], Char(box=(744, 12, 800, 96), text='T', confidence=0.99, line=0, word=0))

Modules: :mod:`~mllab.ocr.detect` (ink, components, rows, words), :mod:`~mllab.ocr.reader` (the pipeline),
:mod:`~mllab.ocr.image` (page files: size limit, damage), :mod:`~mllab.ocr.classifier` (which trained run
classifies), :mod:`~mllab.ocr.metric` (character accuracy),
:mod:`~mllab.ocr.synthetic` (validation pages with known text and boxes), :mod:`~mllab.ocr.output` (JSON,
overlay, scores).
"""

from __future__ import annotations

__all__ = ["read"]


def read(image, model=None, max_pixels=None):
    """Read a page (path, PIL image or array) into a :class:`~mllab.ocr.page.Page` (``.lines``, ``.chars``,
    ``.text``, ``.mean_confidence``, ``.warnings``) with the shipped classifier, or the run folder ``model``;
    a page file over ``max_pixels`` pixels (default 60 Mpx) or a damaged one raises
    :class:`~mllab.ocr.image.PageError`: see :func:`mllab.ocr.reader.read`."""
    from mllab.ocr.image import DEFAULT_MAX_PIXELS
    from mllab.ocr.reader import read as read_page

    return read_page(image, model=model, max_pixels=DEFAULT_MAX_PIXELS if max_pixels is None else max_pixels)
