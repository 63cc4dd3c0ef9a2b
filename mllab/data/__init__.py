"""Data layer: registered loaders returning in-memory arrays with metadata.

>>> from mllab.data import load
>>> ds = load("digits")
>>> ds.input_shape, ds.num_classes
((1, 8, 8), 10)
"""

from __future__ import annotations

from mllab.data.errors import ChecksumError, DataFormatError, MissingDataError
from mllab.data.registry import DATASETS

__all__ = ["DATASETS", "Dataset", "Split", "ChecksumError", "DataFormatError", "MissingDataError", "load"]


def __getattr__(name: str):
    """``Dataset`` and ``Split`` (NumPy arrays) are imported on first use: a config's ``data`` section
    (:mod:`mllab.data.config`) validates without NumPy, so 'mllab recipes show' answers in a blink."""
    if name in ("Dataset", "Split"):
        from mllab.data import dataset

        return getattr(dataset, name)
    raise AttributeError(f"module 'mllab.data' has no attribute {name!r}")


def load(name: str, **options) -> Dataset:
    """Load a registered dataset by name (``options`` go to its loader)."""
    return DATASETS.get(name)(**options)
