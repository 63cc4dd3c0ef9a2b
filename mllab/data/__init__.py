"""Data layer: registered loaders returning in-memory arrays with metadata.

>>> from mllab.data import load
>>> ds = load("digits")
>>> ds.input_shape, ds.num_classes
((1, 8, 8), 10)
"""

from __future__ import annotations

from mllab.data.dataset import Dataset, Split
from mllab.data.errors import ChecksumError, DataFormatError, MissingDataError
from mllab.data.registry import DATASETS

__all__ = ["DATASETS", "Dataset", "Split", "ChecksumError", "DataFormatError", "MissingDataError", "load"]


def load(name: str, **options) -> Dataset:
    """Load a registered dataset by name (``options`` go to its loader)."""
    return DATASETS.get(name)(**options)
