"""SVHN cropped digits (format 2): ``train_32x32.mat`` and ``test_32x32.mat`` (MATLAB v5).

Each file holds ``X`` shaped ``(32, 32, 3, N)`` uint8 (height, width, RGB,
image) and ``y`` shaped ``(N, 1)`` with labels 1..10, where 10 is the digit 0.
The ``extra_32x32.mat`` set (531 131 easier images) is not loaded.
"""

from __future__ import annotations

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.files import DataFile, DataFormatError, find_file, read_verified
from mllab.data.matfile import load_mat
from mllab.data.registry import DATASETS

_FORMAT_VERSION = 1
FOLDERS = ("svhn", "SVHN")
URL = "http://ufldl.stanford.edu/housenumbers/"
# Upstream publishes no checksums; these MD5s are the ones every common loader checks (torchvision's).
FILES = (
    DataFile("train_32x32.mat", None, URL + "train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d0373"),
    DataFile("test_32x32.mat", None, URL + "test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3"),
)


def mat_arrays(payload: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, 3, 32, 32) uint8, y (N,) int64 in 0..9)`` from one SVHN ``.mat`` payload."""
    mat = load_mat(payload, "svhn", source, ["X", "y"])
    x, y = mat["X"], mat["y"].reshape(-1)
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[:3] != (32, 32, 3):
        raise DataFormatError(f"svhn: {source} X is {x.dtype} {x.shape}, expected uint8 (32, 32, 3, N)")
    if len(y) != x.shape[3] or not np.isin(y, np.arange(1, 11)).all():
        found = f"{y.min()}..{y.max()}" if y.size else "-"
        raise DataFormatError(f"svhn: {source} y has {len(y)} labels in {found} for {x.shape[3]} images, "
                         f"expected one label in 1..10 per image")
    x = np.ascontiguousarray(x.transpose(3, 2, 0, 1))  # (H, W, C, N) -> (N, C, H, W)
    return x, y.astype(np.int64) % 10  # label 10 is the digit 0


@DATASETS.register("svhn", kind="image", folders=FOLDERS, files=FILES)
def svhn() -> Dataset:
    """SVHN cropped house-number digits: 32x32 colour, 73 257 train / 26 032 test, 10 classes."""
    sources = [find_file("svhn", FOLDERS, f.name) for f in FILES]

    def build():
        arrays = {}
        for split, spec in zip(("train", "test"), FILES):
            payload, _ = read_verified("svhn", FOLDERS, spec)
            arrays[f"x_{split}"], arrays[f"y_{split}"] = mat_arrays(payload, spec.name)
        return arrays

    a = cached_arrays("svhn", _FORMAT_VERSION, sources, {}, build)
    return Dataset("svhn", Split(a["x_train"], a["y_train"]), Split(a["x_test"], a["y_test"]), tuple("0123456789"),
                   {"files": [str(p) for p in sources], "labels": "upstream label 10 is stored as 0"})
