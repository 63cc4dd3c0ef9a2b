"""CIFAR-10 from the official ``cifar-10-python.tar.gz`` (or its extracted folder).

The batches are Python-2 pickles. Unpickling runs code named in the file, so
they are read with :class:`BatchUnpickler`, which resolves only the few numpy
names an official batch contains and refuses everything else: a tampered
batch cannot run anything, it raises :class:`UnsafePickleError`.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.files import (ChecksumError, DataFile, DataFormatError, MissingDataError, candidate_paths,
                              find_file, verify_payload)
from mllab.data.registry import DATASETS

try:  # numpy >= 2 moved the core modules; official pickles name the old path
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct

_FORMAT_VERSION = 1
FOLDERS = ("cifar10", "cifar-10")
MEMBER_DIR = "cifar-10-batches-py"
ARCHIVE = DataFile("cifar-10-python.tar.gz", None, "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                   "c58f30108f718f92721af3b95e74349a")
# The extracted batches, with the MD5s upstream's archive holds (the same ones torchvision checks).
MEMBERS = tuple(DataFile(f"{MEMBER_DIR}/{name}", md5=md5) for name, md5 in (
    ("data_batch_1", "c99cafc152244af753f735de768cd75f"),
    ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
    ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
    ("data_batch_4", "634d18415352ddfa80567beed471001a"),
    ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"),
    ("test_batch", "40351d587109b95175f43aff81a1287e"),
    ("batches.meta", "5ff9c542aee3614f3951f8cda6e48888"),
))
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class UnsafePickleError(DataFormatError, pickle.UnpicklingError):
    """A pickle asked for a callable that no official data file contains."""


class BatchUnpickler(pickle._Unpickler):
    """Unpickler that resolves only numpy array reconstruction.

    It is Python's own pure-Python unpickler: its memo is a dict, where the C unpickler's is an array sized by
    the largest memo index a file names (a 145-byte pickle with one LONG_BINPUT of index 2**25 took 900 MB
    and 5 s). An official batch (a few opcodes around one 30 MB string) reads as fast either way.

    >>> BatchUnpickler(io.BytesIO(pickle.dumps([1, 2], protocol=2)), encoding="bytes").load()
    [1, 2]
    """

    def __init__(self, file, *, source: str = "pickle", **kwargs):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            allowed = ", ".join(sorted(f"{m}.{n}" for m, n in _ALLOWED))
            raise UnsafePickleError(
                f"cifar10: {self.source} asks to load {module}.{name}; only {allowed} may appear in an official "
                f"CIFAR-10 batch. Refusing to unpickle it: the file is not the official one, delete it and run "
                f"'mllab data fetch cifar10'."
            ) from None


def unpickle_batch(blob: bytes, source: str) -> dict:
    """A batch dict with ``bytes`` keys, as the Python-2 pickles hold them."""
    try:
        obj = BatchUnpickler(io.BytesIO(blob), source=source, encoding="bytes").load()
    except UnsafePickleError:
        raise
    except Exception as err:  # any decoding failure of untrusted bytes: say which file
        raise DataFormatError(f"cifar10: {source} is not a readable pickle ({type(err).__name__}: {err}); "
                              f"delete it and run 'mllab data fetch cifar10'.") from err
    if not isinstance(obj, dict):
        raise DataFormatError(f"cifar10: {source} holds a {type(obj).__name__}, expected a dict batch")
    return obj


def batch_arrays(batch: dict, source: str) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, 3, 32, 32) uint8, y (N,) int64 in 0..9)`` from one batch dict."""
    if b"data" not in batch or b"labels" not in batch:
        keys = sorted(repr(k)[:40] for k in batch)[:10]
        raise DataFormatError(f"cifar10: {source} has keys {keys}, expected b'data' and b'labels'")
    data, labels = batch[b"data"], batch_labels(batch[b"labels"], source)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataFormatError(f"cifar10: {source} data is {getattr(data, 'dtype', type(data).__name__)} "
                              f"{getattr(data, 'shape', '')}, expected uint8 (N, 3072)")
    if len(labels) != len(data):
        raise DataFormatError(f"cifar10: {source} has {len(labels)} labels for {len(data)} images, expected one "
                              f"label in 0..9 per image")
    # Each row is 1024 red, then 1024 green, then 1024 blue values, each plane row-major.
    return data.reshape(-1, 3, 32, 32), labels  # (N, C, H, W)


def batch_labels(labels, source: str) -> np.ndarray:
    """A batch's ``labels`` (a list of ints in official batches) as int64 ``(N,)`` in 0..9, or one line why not."""
    if isinstance(labels, np.ndarray) and labels.ndim == 1 and labels.dtype.kind in "iu":
        ok = not labels.size or 0 <= labels.min() <= labels.max() <= 9
    else:
        ok = isinstance(labels, (list, tuple)) and all(type(v) is int and 0 <= v <= 9 for v in labels)
    if not ok:
        found = f"{labels.dtype} {labels.shape}" if isinstance(labels, np.ndarray) else type(labels).__name__
        raise DataFormatError(f"cifar10: {source} labels are {found} (or outside 0..9), expected a list of whole "
                              f"numbers in 0..9; delete it and run 'mllab data fetch cifar10'.")
    return np.asarray(labels, dtype=np.int64).reshape(-1)


def label_names(meta: dict, source: str = "batches.meta") -> list[str]:
    """The class names ``batches.meta`` lists (ASCII byte strings in the official file)."""
    names = meta.get(b"label_names")
    if not isinstance(names, list) or not all(isinstance(n, bytes) and n.isascii() and len(n) < 64 for n in names):
        raise DataFormatError(f"cifar10: {source} label_names is {type(names).__name__}, expected a list of ASCII "
                              f"names; delete it and run 'mllab data fetch cifar10'.")
    return [n.decode("ascii") for n in names]


def _archive_members(payload: bytes, path: Path) -> dict[str, bytes]:
    """The batch files inside the (already decompressed) tar, by member name."""
    wanted, found = {m.name for m in MEMBERS}, {}
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as tar:
            for member in tar:
                if member.isfile() and member.name in wanted:
                    found[member.name] = tar.extractfile(member).read()
    except tarfile.TarError as err:
        raise DataFormatError(f"cifar10: {path} is not a readable tar archive ({err}); "
                              f"delete it and fetch it again") from err
    missing = sorted(wanted - set(found))
    if missing:
        raise DataFormatError(f"cifar10: {path} lacks {missing}; it is not the official archive: "
                         f"delete it and fetch it again")
    return found


def _sources() -> list[Path]:
    """The archive if present, else the extracted batch files; a clear error naming both otherwise."""
    try:
        return [find_file("cifar10", FOLDERS, ARCHIVE.name)]
    except MissingDataError as err:
        if all(any(p.is_file() for p in candidate_paths(FOLDERS, m.name)) for m in MEMBERS):
            return [find_file("cifar10", FOLDERS, m.name) for m in MEMBERS]
        hint = f"An extracted '{MEMBER_DIR}/' folder in one of these folders works too."
        raise MissingDataError(f"{err}\n{hint}") from None


def _read_blobs(sources: list[Path]) -> dict[str, bytes]:
    if sources[0].name == ARCHIVE.name:
        path = sources[0]
        blobs = _archive_members(verify_payload("cifar10", path, ARCHIVE)[0], path)
        for spec in MEMBERS:  # the archive passed; members are checked too, cheaply
            _check_member(spec, blobs[spec.name], path)
        return blobs
    return {spec.name: verify_payload("cifar10", path, spec)[0] for spec, path in zip(MEMBERS, sources)}


def _check_member(spec: DataFile, blob: bytes, archive: Path) -> None:
    found = hashlib.md5(blob).hexdigest()
    if found != spec.md5:
        raise ChecksumError(f"cifar10: {archive}!{spec.name} md5 mismatch (expected {spec.md5}, found {found}); "
                            f"delete the archive and run 'mllab data fetch cifar10'.")


@DATASETS.register("cifar10", kind="image", folders=FOLDERS, files=(ARCHIVE,), alt_files=MEMBERS)
def cifar10() -> Dataset:
    """CIFAR-10: 32x32 colour images, 50 000 train / 10 000 test, 10 classes."""
    sources = _sources()

    def build():
        blobs = _read_blobs(sources)
        parts = [batch_arrays(unpickle_batch(blobs[f"{MEMBER_DIR}/{b}"], b), b) for b in TRAIN_BATCHES]
        x_test, y_test = batch_arrays(unpickle_batch(blobs[f"{MEMBER_DIR}/test_batch"], "test_batch"), "test_batch")
        meta = unpickle_batch(blobs[f"{MEMBER_DIR}/batches.meta"], "batches.meta")
        names = np.array(label_names(meta), dtype=str)
        return {"x_train": np.concatenate([p[0] for p in parts]), "y_train": np.concatenate([p[1] for p in parts]),
                "x_test": x_test, "y_test": y_test, "classes": names}

    a = cached_arrays("cifar10", _FORMAT_VERSION, sources, {}, build)
    classes = tuple(a["classes"].tolist())
    if classes != CLASSES:
        raise DataFormatError(f"cifar10: batches.meta names classes {classes}, expected {CLASSES}")
    return Dataset("cifar10", Split(a["x_train"], a["y_train"]), Split(a["x_test"], a["y_test"]), classes,
                   {"files": [str(p) for p in sources]})
