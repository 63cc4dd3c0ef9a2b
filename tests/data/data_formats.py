"""Writers of small dataset files in the EXACT official formats, for loader tests and the docs grids.

Each writer takes upright ``uint8`` images ``(N, C, H, W)`` and integer labels
and lays them out as upstream does (transposed, one-hot, Python-2 pickles, ...),
so a loader that gets an orientation or a label mapping wrong fails the
round trip.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct

CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def pattern_images(n: int, channels: int, size: int, seed: int = 0) -> np.ndarray:
    """Random images with an asymmetric marker (bright top-left block, dark bottom-right), so flips show."""
    x = np.random.default_rng(seed).integers(60, 190, size=(n, channels, size, size), dtype=np.uint8)
    x[:, :, :3, :6] = 250  # a wide block at the top-left: a transpose makes it tall, a flip moves it
    x[:, :, -2:, -2:] = 5
    if channels == 3:
        x[:, 0, 5, :] = 255  # one red row: a channel or axis swap moves it
    return x


# --- Python-2 pickles (CIFAR-10) -------------------------------------------------------------------------

_PY2_GLOBALS = {id(_reconstruct): b"numpy.core.multiarray\n_reconstruct\n",
                id(np.ndarray): b"numpy\nndarray\n", id(np.dtype): b"numpy\ndtype\n"}


class Py2Pickler(pickle._Pickler):
    """Protocol-2 pickles as Python 2 wrote them: every str/bytes is a py2 ``str`` (BINSTRING), numpy
    names are the old ``numpy.core.multiarray`` ones."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj):
        data = obj if isinstance(obj, bytes) else obj.encode("latin-1")
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str

    def save_global(self, obj, name=None):
        self.write(pickle.GLOBAL + _PY2_GLOBALS[id(obj)])
        self.memoize(obj)


def py2_pickle(obj) -> bytes:
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def cifar_members(x_train, y_train, x_test, y_test, batches: int = 5) -> dict[str, bytes]:
    """The official member files (name -> bytes) of ``cifar-10-batches-py/``."""
    members = {}
    for i, (xb, yb) in enumerate(zip(np.array_split(x_train, batches), np.array_split(y_train, batches)), 1):
        members[f"data_batch_{i}"] = _cifar_batch(f"training batch {i} of 5", xb, yb)
    members["test_batch"] = _cifar_batch("testing batch 1 of 1", x_test, y_test)
    members["batches.meta"] = py2_pickle({"num_cases_per_batch": 10000, "label_names": CIFAR_CLASSES, "num_vis": 3072})
    return members


def _cifar_batch(label: str, x: np.ndarray, y: np.ndarray) -> bytes:
    return py2_pickle({"batch_label": label, "labels": [int(v) for v in y],
                       "data": np.ascontiguousarray(x.reshape(len(x), 3072)),  # R plane, G plane, B plane
                       "filenames": [f"img_{i:05d}.png" for i in range(len(x))]})


def write_tar_gz(path: Path, members: dict[str, bytes], prefix: str = "cifar-10-batches-py/") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in {**members, "readme.html": b"<html></html>"}.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


# --- MATLAB files (SVHN, NIST36) -------------------------------------------------------------------------

def write_svhn_mat(path: Path, x: np.ndarray, y: np.ndarray) -> bytes:
    """``X`` (32, 32, 3, N) uint8 and ``y`` (N, 1) with the digit 0 stored as 10."""
    from scipy.io import savemat

    path.parent.mkdir(parents=True, exist_ok=True)
    savemat(path, {"X": np.asarray(x.transpose(2, 3, 1, 0), order="F"),  # (N, C, H, W) -> (H, W, C, N)
                   "y": np.where(y == 0, 10, y).astype(np.uint8)[:, None]})
    return path.read_bytes()


def write_nist36_mat(path: Path, split: str, x: np.ndarray, y: np.ndarray) -> bytes:
    """``<split>_data`` (N, 1024) in [0, 1], each image stored column-major; ``<split>_labels`` one-hot (N, 36)."""
    from scipy.io import savemat

    data = x[:, 0].transpose(0, 2, 1).reshape(len(x), 1024) / 255.0  # column-major, as the course stores it
    labels = np.eye(36)[y]
    path.parent.mkdir(parents=True, exist_ok=True)
    savemat(path, {f"{split}_data": data, f"{split}_labels": labels})
    return path.read_bytes()


# --- IDX (MNIST family, EMNIST) --------------------------------------------------------------------------

def idx_bytes(arr: np.ndarray) -> bytes:
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}
    header = bytes([0, 0, codes[arr.dtype], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.tobytes()


def write_idx_gz(path: Path, arr: np.ndarray) -> bytes:
    """Gzip-compressed IDX; returns the *payload* (uncompressed) bytes."""
    payload = idx_bytes(arr)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload, mtime=0))
    return payload


def write_emnist(folder: Path, x_train, y_train, x_test, y_test) -> dict[str, bytes]:
    """EMNIST balanced gz files, images stored transposed as upstream does; name -> payload."""
    out = {}
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        images = f"emnist-balanced-{split}-images-idx3-ubyte.gz"
        labels = f"emnist-balanced-{split}-labels-idx1-ubyte.gz"
        out[images] = write_idx_gz(folder / images, np.ascontiguousarray(x[:, 0].transpose(0, 2, 1)))
        out[labels] = write_idx_gz(folder / labels, y.astype(np.uint8))
    return out


# --- Oxford Flowers-102 (a .tgz of JPEGs and two MATLAB files) --------------------------------------------

def write_flowers102(folder: Path, jpegs: dict[int, bytes], labels: np.ndarray, setid: dict[str, np.ndarray],
                     dtype=np.uint16) -> dict[str, bytes]:
    """The three upstream files, laid out as upstream does; returns name -> file bytes.

    ``102flowers.tgz``: a ``jpg`` folder entry, then ``jpg/image_NNNNN.jpg`` for each image number in ``jpegs``;
    ``imagelabels.mat``: ``labels`` (1, N), classes 1-based; ``setid.mat``: ``trnid``, ``valid``, ``tstid``,
    each (1, k), 1-based image numbers. ``dtype``: how the MATLAB variables are stored.
    """
    from scipy.io import savemat

    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.addfile(_dir_entry("jpg"))
        for n, blob in sorted(jpegs.items()):
            info = tarfile.TarInfo(f"jpg/image_{n:05d}.jpg")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    (folder / "102flowers.tgz").write_bytes(buf.getvalue())
    savemat(folder / "imagelabels.mat", {"labels": np.asarray(labels, dtype)[None, :]})
    savemat(folder / "setid.mat", {k: np.asarray(v, dtype)[None, :] for k, v in setid.items()})
    return {name: (folder / name).read_bytes() for name in ("102flowers.tgz", "imagelabels.mat", "setid.mat")}


def _dir_entry(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, 0o755
    return info
