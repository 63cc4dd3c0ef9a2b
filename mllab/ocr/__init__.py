"""Read handwritten pages: find the characters, classify each crop, print the text, score it (issue 17).

>>> import mllab.ocr
>>> from PIL import Image, ImageDraw
>>> page_image = Image.new("L", (480, 110), 255)  # or a path: mllab.ocr.read("page.jpg")
>>> ImageDraw.Draw(page_image).text((20, 20), "HELLO   42", fill=0, font_size=56)
>>> page = mllab.ocr.read(page_image)
>>> page.text, page.lines, page.chars[0]
('HELLO 42', ['HELLO 42'], Char(box=(25, 36, 57, 75), text='H', confidence=0.99..., line=0, word=0))

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
