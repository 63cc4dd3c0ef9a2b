"""Reader for the IDX format of MNIST, Fashion-MNIST and EMNIST.

Format: big-endian header (two zero bytes, a type code, the number of
dimensions), one 32-bit size per dimension, then the raw values row-major.
"""

from __future__ import annotations

import struct

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_read(payload: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode an uncompressed IDX payload into an array of its declared shape.

    >>> idx_read(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])).tolist()
    [7, 8, 9]
    """
    if len(payload) < 4 or payload[0] != 0 or payload[1] != 0 or payload[2] not in _DTYPES:
        raise ValueError(f"{name}: not an IDX file (header bytes {payload[:4].hex()}, expected 0000 + type + ndim)")
    ndim = payload[3]
    header = 4 + 4 * ndim
    if len(payload) < header:
        raise ValueError(f"{name}: IDX header declares {ndim} dimensions but the file ends at byte {len(payload)}; "
                         f"the file is truncated or corrupt")
    shape = struct.unpack(f">{ndim}I", payload[4:header])
    dtype = np.dtype(_DTYPES[payload[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(payload) - header != expected:
        raise ValueError(
            f"{name}: IDX header declares shape {shape} ({expected} bytes) but {len(payload) - header} bytes follow; "
            f"the file is truncated or corrupt"
        )
    return np.frombuffer(payload, dtype=dtype, offset=header).reshape(shape)
