"""NIST36: the 36-class handwritten character set of the CMU 16-720 course (A-Z, then 0-9).

The course ships three MATLAB files, ``nist36_{train,valid,test}.mat``, with
``<split>_data`` (N, 1024) floats in [0, 1] and one-hot ``<split>_labels``
(N, 36). Each row is a 32x32 image stored *column-major* (the course code
shows one with ``row.reshape(32, 32).T``); the loader transposes it back, so
images come out upright as ``uint8`` ``(N, 1, 32, 32)`` = ``round(255 x)``,
with the stored polarity kept (``info["ink"]`` says which it is).

The validation split is kept: ``load("nist36", eval_split="valid")`` puts it
in place of the test split (for model selection); the default evaluates on
``test``. ``info["split_sizes"]`` gives all three sizes.
"""

from __future__ import annotations

import string

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.files import DataFile, DataFormatError, find_file, read_verified, require_files
from mllab.data.matfile import load_mat
from mllab.data.registry import DATASETS

_FORMAT_VERSION = 1
FOLDERS = ("nist36",)
SPLITS = ("train", "valid", "test")
# No checksums are published for the course files; they load with a logged warning.
FILES = tuple(DataFile(f"nist36_{split}.mat") for split in SPLITS)
# The course handout's data.zip holds the three files at its top level.
ARCHIVE = DataFile("data.zip", None, "http://www.cs.cmu.edu/~lkeselma/16720a_data/data.zip")
CLASSES = tuple(string.ascii_uppercase + string.digits)


def mat_split(payload: bytes, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, 1, 32, 32) uint8 upright, y (N,) int64)`` from one course ``.mat`` payload."""
    source, keys = f"nist36_{split}.mat", [f"{split}_data", f"{split}_labels"]
    mat = load_mat(payload, "nist36", source, keys)
    data, labels = (np.asarray(mat[k], dtype=np.float64) for k in keys)
    if data.ndim != 2 or data.shape[1] != 1024 or data.size and not 0 <= data.min() <= data.max() <= 1:
        raise DataFormatError(f"nist36: {source} {keys[0]} is {data.shape} with values in "
                         f"{data.min() if data.size else '-'}..{data.max() if data.size else '-'}, "
                         f"expected (N, 1024) in [0, 1]")
    if labels.shape != (len(data), 36) or not np.all(labels.sum(axis=1) == 1) or not np.isin(labels, (0, 1)).all():
        raise DataFormatError(f"nist36: {source} {keys[1]} is {labels.shape}, "
                         f"expected one-hot rows (N, 36) for N={len(data)}")
    x = data.reshape(-1, 32, 32).transpose(0, 2, 1)  # stored column-major: transpose back to (N, H, W)
    x = np.rint(x * 255).astype(np.uint8)[:, None]  # (N, 1, 32, 32)
    return np.ascontiguousarray(x), labels.argmax(axis=1).astype(np.int64)


def _ink(x: np.ndarray) -> str:
    """Which polarity the images have, judged from their border pixels."""
    border = np.concatenate([x[..., 0, :], x[..., -1, :], x[..., :, 0], x[..., :, -1]], axis=-1)
    return "dark on light" if border.size and border.mean() > 127 else "light on dark"


@DATASETS.register("nist36", kind="image", folders=FOLDERS, files=FILES, archive=ARCHIVE)
def nist36(eval_split: str = "test") -> Dataset:
    """NIST36 (CMU 16-720): 32x32 grey characters A-Z and 0-9, train / valid / test .mat files, 36 classes.

    ``eval_split``: ``"test"`` (default) or ``"valid"``: which course split becomes the test split.
    """
    if eval_split not in ("test", "valid"):
        raise ValueError(f"nist36: eval_split must be 'test' or 'valid'; got {eval_split!r}")
    require_files("nist36", FOLDERS, [f.name for f in FILES],
                  f"the CMU 16-720 course handout's {ARCHIVE.url} holds them ('mllab data fetch nist36' where a "
                  "network is available)")
    sources = [find_file("nist36", FOLDERS, f.name) for f in FILES]

    def build():
        arrays = {}
        for split, spec in zip(SPLITS, FILES):
            payload, _ = read_verified("nist36", FOLDERS, spec)
            arrays[f"x_{split}"], arrays[f"y_{split}"] = mat_split(payload, split)
        return arrays

    a = cached_arrays("nist36", _FORMAT_VERSION, sources, {}, build)
    info = {"files": [str(p) for p in sources], "eval_split": eval_split, "ink": _ink(a["x_train"]),
            "split_sizes": {s: int(len(a[f"y_{s}"])) for s in SPLITS}}
    return Dataset("nist36", Split(a["x_train"], a["y_train"]), Split(a[f"x_{eval_split}"], a[f"y_{eval_split}"]),
                   CLASSES, info)
