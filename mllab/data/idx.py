"""Reader for the IDX format of MNIST, Fashion-MNIST and EMNIST.

Format: big-endian header (two zero bytes, a type code, the number of
dimensions), one 32-bit size per dimension, then the raw values row-major.
The declared sizes are multiplied exactly (Python integers, no overflow) and
must account for every byte that follows, before numpy sees the payload.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from mllab.data.errors import DataFormatError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _header(payload: bytes, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
    """``(dtype, shape, header length)``; :class:`DataFormatError` if the header is not IDX's."""
    if len(payload) < 4 or payload[0] != 0 or payload[1] != 0 or payload[2] not in _DTYPES:
        raise DataFormatError(f"{name}: not an IDX file (header bytes {payload[:4].hex()}, expected 0000 + a type "
                              f"code in {sorted(_DTYPES)} + ndim); the file is corrupt or not IDX")
    ndim = payload[3]
    header = 4 + 4 * ndim
    if len(payload) < header:
        raise DataFormatError(f"{name}: IDX header declares {ndim} dimensions but the file ends at byte "
                              f"{len(payload)}; the file is truncated or corrupt")
    return np.dtype(_DTYPES[payload[2]]), struct.unpack(f">{ndim}I", payload[4:header]), header


def declared_size(head: bytes) -> int | None:
    """The whole payload size an IDX header declares (header included), or None if ``head`` is too short or
    not IDX. Used to cap decompression at what the file says it holds.

    >>> declared_size(bytes([0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 5]))
    27
    """
    try:
        dtype, shape, header = _header(head, "IDX")
    except DataFormatError:
        return None
    return header + math.prod(shape) * dtype.itemsize


def idx_read(payload: bytes, name: str = "IDX data", ndim: int | None = None) -> np.ndarray:
    """Decode an uncompressed IDX payload into an array of its declared shape (``ndim`` dimensions if given).

    >>> idx_read(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])).tolist()
    [7, 8, 9]
    """
    dtype, shape, header = _header(payload, name)
    if ndim is not None and len(shape) != ndim:
        raise DataFormatError(f"{name}: IDX header declares {len(shape)} dimensions {shape}, expected {ndim}; "
                              f"the file is corrupt or not the right one")
    expected = math.prod(shape) * dtype.itemsize
    if len(payload) - header != expected:
        raise DataFormatError(
            f"{name}: IDX header declares shape {shape} ({expected} bytes) but {len(payload) - header} bytes follow; "
            f"the file is truncated or corrupt"
        )
    return np.frombuffer(payload, dtype=dtype, offset=header).reshape(shape)
