"""What a dataset file can do wrong, as errors the CLI prints in one line (``error: ...``, exit 2).

Every reader of outside bytes in :mod:`mllab.data` ends, for any input, in a valid array or one of these;
each message names the file, what was expected and found, and what to do.

>>> raise DataFormatError("mnist: train-labels-idx1-ubyte.gz is not a readable gzip file")
Traceback (most recent call last):
...
mllab.data.errors.DataFormatError: mnist: train-labels-idx1-ubyte.gz is not a readable gzip file
"""

from __future__ import annotations

from mllab.core.errors import MllabError


class MissingDataError(MllabError, FileNotFoundError):
    """A dataset file (or a font a generated dataset draws with) is on none of the searched folders."""


class ChecksumError(MllabError, ValueError):
    """A dataset file's content differs from the published one."""


class DataFormatError(MllabError, ValueError):
    """A dataset file is damaged or not in its format: truncated, corrupt, too large, out-of-range values."""
