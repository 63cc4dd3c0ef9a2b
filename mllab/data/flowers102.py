"""Oxford Flowers-102: 8 189 photos of 102 flower categories, with the official train / val / test split.

Three upstream files (https://www.robots.ox.ac.uk/~vgg/data/flowers/102/):

- ``102flowers.tgz``: the JPEGs as members ``jpg/image_00001.jpg .. jpg/image_08189.jpg``. They are read
  straight out of the archive (nothing is extracted to disk).
- ``imagelabels.mat``: ``labels``, shape ``(1, 8189)``, the class 1..102 of image ``n`` at column ``n - 1``.
  Labels here are 0..101 (upstream label ``k`` is class ``k - 1``).
- ``setid.mat``: ``trnid``, ``valid``, ``tstid``, the 1-based image numbers of the official train (1 020,
  10 per class), validation (1 020) and test (6 149) splits.

Train is ``trnid`` (``train_split="train"``, the default) or ``trnid`` followed by ``valid``
(``train_split="train+val"``); test is always ``tstid``, in ``setid.mat``'s order. Images are resized on load
(shorter side to ``size``, then a centre crop) and cached as ``uint8`` ``(N, 3, size, size)`` per size.

Upstream publishes neither checksums nor class names. The MD5s below are those torchvision checks for the
three files; the classes are named ``class_1 .. class_102`` after upstream's 1-based label numbers (the
name lists in circulation are community-made and disagree with each other).
"""

from __future__ import annotations

import io
import logging
import struct
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.files import ChecksumError, DataFile, DataFormatError, find_file, read_verified
from mllab.data.jpeg import decode_square
from mllab.data.inflate import output_cap
from mllab.data.matfile import load_mat
from mllab.data.registry import DATASETS

log = logging.getLogger(__name__)

_FORMAT_VERSION = 1
FOLDERS = ("flowers102", "flowers-102", "102flowers")
URL = "https://www.robots.ox.ac.uk/~vgg/data/flowers/102/"
# MD5 of each file as downloaded (upstream publishes none; these are the ones torchvision checks).
FILES = (
    DataFile("102flowers.tgz", None, URL + "102flowers.tgz", "52808999861908f626f3c1f4e79d11fa"),
    DataFile("imagelabels.mat", None, URL + "imagelabels.mat", "e0620be6f572b9609742df49c70aed4d"),
    DataFile("setid.mat", None, URL + "setid.mat", "a5357ecc9cb78c4bef273ce3793fc85c"),
)
NUM_IMAGES = 8189
SPLIT_SIZES = {"trnid": 1020, "valid": 1020, "tstid": 6149}
TRAIN_SPLITS = {"train": ("trnid",), "train+val": ("trnid", "valid")}
CLASSES = tuple(f"class_{k}" for k in range(1, 103))
MEMBER = "jpg/image_{:05d}.jpg"


def read_mat(payload: bytes, source: str, names: list[str]) -> dict[str, np.ndarray]:
    """Variables ``names`` of a MATLAB v5 payload (checked first: :func:`~mllab.data.matfile.load_mat`), each
    flattened to int64; errors name ``source``."""
    out = {}
    for name, value in load_mat(payload, "flowers102", source, names).items():
        values = value.reshape(-1).astype(np.float64)
        if not np.all(np.isfinite(values)) or not np.array_equal(values, np.round(values)) \
                or values.size and not -2**31 <= values.min() <= values.max() < 2**31:
            raise DataFormatError(f"flowers102: {source} {name} holds values other than whole numbers (expected "
                                  f"image numbers or labels); delete it and run 'mllab data fetch flowers102'")
        out[name] = values.astype(np.int64)
    return out


def image_labels(payload: bytes, source: str) -> np.ndarray:
    """``imagelabels.mat`` -> labels ``(NUM_IMAGES,)`` int64 in 0..101 (image ``n`` at row ``n - 1``)."""
    labels = read_mat(payload, source, ["labels"])["labels"]
    if len(labels) != NUM_IMAGES or not np.all((labels >= 1) & (labels <= len(CLASSES))):
        found = f"{labels.min()}..{labels.max()}" if labels.size else "-"
        raise DataFormatError(f"flowers102: {source} labels has {len(labels)} values in {found}, expected "
                         f"{NUM_IMAGES} values in 1..{len(CLASSES)} (shape (1, {NUM_IMAGES}))")
    return labels - 1


def split_ids(payload: bytes, source: str, num_images: int) -> dict[str, np.ndarray]:
    """``setid.mat`` -> ``{"trnid", "valid", "tstid"}``: 1-based image numbers, checked against the label count."""
    ids = read_mat(payload, source, list(SPLIT_SIZES))
    for name, expected in SPLIT_SIZES.items():
        if len(ids[name]) != expected:
            raise DataFormatError(f"flowers102: {source} {name} lists {len(ids[name])} images, expected {expected}")
        outside = ids[name][(ids[name] < 1) | (ids[name] > num_images)]
        if outside.size:
            raise DataFormatError(f"flowers102: {source} {name} refers to image {outside[0]} ({MEMBER.format(outside[0])}"
                             f"), but imagelabels.mat labels images 1..{num_images} only. The files do not belong "
                             f"together: delete them and run 'mllab data fetch flowers102'.")
    every = np.concatenate(list(ids.values()))
    if len(np.unique(every)) != len(every):
        raise DataFormatError(f"flowers102: {source} lists some images twice (within or across trnid, valid, tstid)")
    return ids


MAX_MEMBER = 1 << 26  # 64 MiB: the official JPEGs are under 1 MB each


def _members(payload: bytes, source: str, wanted: set[str]) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of the archive's regular files named in ``wanted`` (a leading ``./`` ignored), in order.

    Each member's declared size and the archive's decompressed extent are checked against caps before its data
    is read or skipped, so a decompression bomb costs at most :func:`~mllab.data.inflate.output_cap` bytes."""
    limit = output_cap(len(payload))
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:*") as tar:
            for member in tar:  # sequential: random access in a .tgz re-reads it from the start
                if member.size > MAX_MEMBER or member.offset_data + member.size > limit:
                    raise DataFormatError(f"flowers102: {source} member {member.name[:80]!r} declares {member.size} "
                                          f"bytes at offset {member.offset_data}, beyond the archive's limits "
                                          f"({MAX_MEMBER} per file, {limit} in all); it is corrupt: delete it and "
                                          f"run 'mllab data fetch flowers102'.")
                name = member.name.removeprefix("./")
                if member.isfile() and name in wanted:
                    yield name, tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError, struct.error) as err:
        if isinstance(err, DataFormatError):
            raise
        raise ChecksumError(f"flowers102: {source} is not a readable tar.gz archive ({err}); delete it and run "
                            f"'mllab data fetch flowers102'.") from err


def read_images(payload: bytes, source: str, count: int, size: int) -> np.ndarray:
    """Images ``1..count`` of the archive decoded at ``size``: ``(count, 3, size, size)`` uint8, image n at n - 1."""
    row = {MEMBER.format(n): n - 1 for n in range(1, count + 1)}
    x = np.zeros((count, 3, size, size), np.uint8)
    found = np.zeros(count, dtype=bool)
    for name, blob in _members(payload, source, set(row)):
        if not found[row[name]]:
            x[row[name]] = decode_square(blob, size, "flowers102", f"{source}:{name}")
            found[row[name]] = True
    missing = [MEMBER.format(i + 1) for i in np.flatnonzero(~found)]
    if missing:
        raise ChecksumError(f"flowers102: {source} lacks {missing[:3]}{' ...' if len(missing) > 3 else ''} "
                            f"({len(missing)} of the {count} images imagelabels.mat labels); it is incomplete or "
                            f"not the official archive: delete it and run 'mllab data fetch flowers102'.")
    return x


def _images(sources: list[Path], count: int, size: int) -> np.ndarray:
    """All ``count`` images at ``size``, from the cache or decoded out of the verified archive."""

    def build():
        payload, path = read_verified("flowers102", FOLDERS, FILES[0])
        log.info("flowers102: decoding %d JPEGs from %s at %dx%d (cached afterwards)", count, path.name, size, size)
        return {"x": read_images(payload, path.name, count, size)}

    return cached_arrays("flowers102", _FORMAT_VERSION, sources[:1], {"size": size, "count": count}, build)["x"]


@DATASETS.register("flowers102", kind="image", folders=FOLDERS, files=FILES)
def flowers102(size: int = 64, train_split: str = "train") -> Dataset:
    """Oxford Flowers-102: colour photos resized to size x size (default 64), official splits, 102 classes.

    ``size``: side of the square images (shorter side resized to it, centre crop); one cache file per size.
    ``train_split``: ``"train"`` (``trnid``, 1 020 images, the default) or ``"train+val"`` (``trnid`` then
    ``valid``, 2 040). Test is ``tstid`` (6 149 images) either way.
    """
    if not 8 <= size <= 1024:
        raise ValueError(f"flowers102: size must be between 8 and 1024 pixels; got {size}")
    if train_split not in TRAIN_SPLITS:
        raise ValueError(f"flowers102: train_split must be one of {sorted(TRAIN_SPLITS)}; got {train_split!r}")
    sources = [find_file("flowers102", FOLDERS, f.name) for f in FILES]
    label_bytes, label_path = read_verified("flowers102", FOLDERS, FILES[1])
    y = image_labels(label_bytes, label_path.name)
    setid_bytes, setid_path = read_verified("flowers102", FOLDERS, FILES[2])
    ids = split_ids(setid_bytes, setid_path.name, len(y))
    x = _images(sources, len(y), size)
    train_ids = np.concatenate([ids[name] for name in TRAIN_SPLITS[train_split]])
    train, test = train_ids - 1, ids["tstid"] - 1  # 1-based image numbers -> rows
    info = {"files": [str(p) for p in sources], "size": size, "train_split": train_split,
            "split": f"official setid.mat: train = {' + '.join(TRAIN_SPLITS[train_split])} ({len(train)}), "
                     f"test = tstid ({len(test)})",
            "train_ids": train_ids, "test_ids": ids["tstid"], "resize": "shorter side to size, centre crop",
            "class_names": "class_k is upstream label k (imagelabels.mat); upstream publishes no names"}
    return Dataset("flowers102", Split(x[train], y[train]), Split(x[test], y[test]), CLASSES, info)
