"""IDX reader: round trip, every header failure names what was expected."""

import numpy as np
import pytest

from data_formats import idx_bytes
from mllab.data.idx import idx_read


@pytest.mark.parametrize("arr", [np.arange(24, dtype=np.uint8).reshape(2, 3, 4), np.array([7, 8, 9], np.uint8),
                                 np.arange(6, dtype=">i4").reshape(3, 2)])
def test_idx_round_trip(arr):
    out = idx_read(idx_bytes(arr))
    assert out.shape == arr.shape and np.array_equal(out, arr)


def test_idx_keeps_row_major_order():
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert idx_read(idx_bytes(arr))[1].tolist() == [4, 5, 6, 7]


def test_truncated_payload_names_declared_shape():
    payload = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"declares shape \(2, 28, 28\) \(1568 bytes\) but 1567 bytes follow"):
        idx_read(payload[:-1], "mnist train images")


def test_extra_bytes_are_refused():
    with pytest.raises(ValueError, match="truncated or corrupt"):
        idx_read(idx_bytes(np.zeros(3, np.uint8)) + b"\0")


@pytest.mark.parametrize("header", [b"", b"\x00\x00", b"\x01\x00\x08\x01", b"\x00\x00\x07\x01", b"\x1f\x8b\x08\x00"])
def test_corrupt_header_is_not_idx(header):
    with pytest.raises(ValueError, match="not an IDX file"):
        idx_read(header + b"\0" * 8, "x")


def test_truncated_header_dimensions():
    # 3 dimensions declared but only one size present: the sizes themselves are cut off
    with pytest.raises(ValueError, match="truncated"):
        idx_read(bytes([0, 0, 8, 3, 0, 0, 0, 2]))
