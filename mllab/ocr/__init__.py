"""Read handwritten pages: find the characters, classify each crop, print the text, score it (issue 17).

>>> import mllab.ocr
>>> page = mllab.ocr.read("page.jpg")  # doctest: +SKIP
>>> page.text, page.lines, page.chars[0]  # doctest: +SKIP
('TO DO LIST\\n...', ['TO DO LIST', ...], Char(box=(744, 12, 800, 96), text='T', confidence=0.99, line=0, word=0))

Reading many pages, load the classifier once (``mllab.ocr.read`` is :func:`mllab.ocr.reader.read`):

>>> import numpy as np
>>> from mllab.ocr.classifier import Classifier, choose_run
>>> classifier = Classifier(choose_run())  # the shipped run (choose_run(RUN): a run folder of yours)
>>> blank = np.full((40, 60), 255, np.uint8)  # a page: a path, a PIL image or a grey array
>>> [mllab.ocr.read(page, classifier=classifier).text for page in (blank, blank)]
['', '']

Modules: :mod:`~mllab.ocr.detect` (ink, components, rows, words), :mod:`~mllab.ocr.reader` (the pipeline),
:mod:`~mllab.ocr.image` (page files: size limit, damage), :mod:`~mllab.ocr.classifier` (which trained run
classifies), :mod:`~mllab.ocr.metric` (character accuracy),
:mod:`~mllab.ocr.synthetic` (validation pages with known text and boxes), :mod:`~mllab.ocr.output` (JSON,
overlay, scores).
"""

from __future__ import annotations

from mllab.core.exports import passthrough

__all__ = ["read"]
__getattr__, __dir__ = passthrough(globals(), {"read": "mllab.ocr.reader"})  # the reader's own function
