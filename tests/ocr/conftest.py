"""Fixtures of the OCR tests: skip when the handwriting fonts or MNIST are not on this machine."""

from __future__ import annotations

import pytest

from mllab.core.errors import MllabError


@pytest.fixture(scope="session")
def held_out():
    """(held-out font files, MNIST test split): what synthetic pages are written with."""
    from mllab.data import MissingDataError, load
    from mllab.data.handwritten36 import font_families

    try:
        fonts = [f for files in font_families()[1].values() for f in files]
        digits = load("mnist").test
    except (MllabError, MissingDataError) as err:
        pytest.skip(f"synthetic pages need the handwriting fonts and MNIST: {err}")
    return fonts, digits
