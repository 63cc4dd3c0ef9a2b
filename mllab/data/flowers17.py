"""Oxford Flowers-17: 1 360 JPEGs ``jpg/image_0001.jpg .. image_1360.jpg``, 80 per class.

Labels are implicit: ``image_n`` has class ``(n - 1) // 80``. The official
split file (``datasplits.mat``) is not available here, so the split is a
FIXED seeded stratified one: 60 train / 20 test images per class (seed 0),
the same for every run; carve validation out of train if needed.

Images are resized on load (shorter side to ``size``, then a centre crop to
``size x size``) and cached as ``uint8`` ``(N, 3, size, size)`` per size.
Every image is checked against a per-image SHA-256 list: the folder's
``SHA256SUMS`` when present (it must itself match the list this module
knows), else the digest of the images' own hash list.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.files import ChecksumError, DataFile, find_file
from mllab.data.jpeg import decode_square
from mllab.data.registry import DATASETS

log = logging.getLogger(__name__)

_FORMAT_VERSION = 1
FOLDERS = ("flowers17", "17flowers", "flowers-17")
PER_CLASS, TRAIN_PER_CLASS = 80, 60
SPLIT_SEED = 0
CLASSES = ("Daffodil", "Snowdrop", "LilyValley", "Bluebell", "Crocus", "Iris", "Tigerlily", "Tulip", "Fritillary",
           "Sunflower", "Daisy", "ColtsFoot", "Dandelion", "Cowslip", "Buttercup", "Windflower", "Pansy")
FILES = tuple(DataFile(f"jpg/image_{n:04d}.jpg") for n in range(1, len(CLASSES) * PER_CLASS + 1))
ARCHIVE = DataFile("17flowers.tgz", None, "https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz")
SUMS_NAME = "SHA256SUMS"
# SHA-256 of the canonical list "<sha256>  jpg/image_NNNN.jpg\n" of all 1360 images, sorted by name
# (equal to the sha256 of the SHA256SUMS file that comes with the images in shared/data/flowers17).
MANIFEST_SHA256 = "fe585a7f39843f415c72badb85e46b8cfb697a26f08f4aef6868e92cd891ef66"


def manifest(hashes: dict[str, str]) -> bytes:
    """The canonical ``sha256sum``-style list of ``{name: sha256}``, sorted by name."""
    return "".join(f"{hashes[name]}  {name}\n" for name in sorted(hashes)).encode()


def _reference(root: Path) -> dict[str, str] | None:
    """Per-image hashes from ``root/SHA256SUMS`` (checked against MANIFEST_SHA256), or None if absent."""
    sums = root / SUMS_NAME
    if not sums.is_file():
        return None
    hashes = parse_sums(sums.read_bytes(), sums)
    found = hashlib.sha256(manifest(hashes)).hexdigest()
    if found != MANIFEST_SHA256:
        raise ChecksumError(f"flowers17: {sums} lists other hashes than the known image set (list sha256 expected "
                            f"{MANIFEST_SHA256}, found {found}). Restore the original file or delete it.")
    return hashes


def parse_sums(blob: bytes, source: Path | str) -> dict[str, str]:
    """``{name: sha256}`` from a ``sha256sum``-style list (``<hex digest>  [*]<name>`` per line)."""
    hashes = {}
    for number, line in enumerate(blob.splitlines(), 1):
        parts = line.split(None, 1)
        if not line.strip():
            continue
        if len(parts) != 2 or not parts[1].strip().isascii():
            raise ChecksumError(f"flowers17: {source} line {number} is not '<sha256>  <file name>'; restore the "
                                f"original file or delete it.")
        hashes[parts[1].strip().lstrip(b"*").decode("ascii")] = parts[0].decode("ascii", "replace")
    return hashes


def verify_images(paths: list[Path], blobs: list[bytes]) -> list[str]:
    """SHA-256 of every image; :class:`ChecksumError` naming the first file that differs."""
    hashes = {spec.name: hashlib.sha256(blob).hexdigest() for spec, blob in zip(FILES, blobs)}
    reference = _reference(paths[0].parents[1])
    if reference is not None:
        for spec, path in zip(FILES, paths):
            if hashes[spec.name] != reference.get(spec.name):
                raise ChecksumError(f"flowers17: {path} sha256 mismatch (expected {reference.get(spec.name)}, found "
                                    f"{hashes[spec.name]}). Delete it and run 'mllab data fetch flowers17'.")
    else:
        found = hashlib.sha256(manifest(hashes)).hexdigest()
        if found != MANIFEST_SHA256:
            raise ChecksumError(f"flowers17: the images in {paths[0].parent} differ from the official set (hash-list "
                                f"sha256 expected {MANIFEST_SHA256}, found {found}); put {SUMS_NAME} beside jpg/ to "
                                f"see which file, or fetch them again.")
    return [hashes[spec.name] for spec in FILES]


def verify_files() -> list[tuple[Path, str, str]]:
    """``mllab data verify flowers17``: re-hash every image (no cache)."""
    sources = [find_file("flowers17", FOLDERS, f.name) for f in FILES]
    status = "sha256 ok" if (sources[0].parents[1] / SUMS_NAME).is_file() else "list ok"
    return [(p, h, status) for p, h in zip(sources, verify_images(sources, [p.read_bytes() for p in sources]))]


def decode(blob: bytes, size: int, source: str) -> np.ndarray:
    """One JPEG -> ``(3, size, size)`` uint8: shorter side to ``size``, centre crop."""
    return decode_square(blob, size, "flowers17", source)


def split_indices(y: np.ndarray, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Fixed stratified split: ``TRAIN_PER_CLASS`` train images per class, the rest test (sorted indices)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        train.append(idx[:TRAIN_PER_CLASS])
        test.append(idx[TRAIN_PER_CLASS:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


@DATASETS.register("flowers17", kind="image", folders=FOLDERS, files=FILES, archive=ARCHIVE, verify=verify_files)
def flowers17(size: int = 64) -> Dataset:
    """Oxford Flowers-17: colour photos resized to size x size (default 64), 1 020 train / 340 test, 17 classes.

    ``size``: side of the square images (shorter side resized to it, centre crop); one cache file per size.
    """
    if not 8 <= size <= 1024:
        raise ValueError(f"flowers17: size must be between 8 and 1024 pixels; got {size}")
    sources = [find_file("flowers17", FOLDERS, f.name) for f in FILES]

    def build():
        blobs = [p.read_bytes() for p in sources]
        verify_images(sources, blobs)
        log.info("flowers17: decoding %d JPEGs at %dx%d (cached afterwards)", len(blobs), size, size)
        return {"x": np.stack([decode(b, size, p.name) for b, p in zip(blobs, sources)])}

    x = cached_arrays("flowers17", _FORMAT_VERSION, sources, {"size": size}, build)["x"]
    y = np.arange(len(FILES), dtype=np.int64) // PER_CLASS
    train, test = split_indices(y)
    info = {"files": f"{sources[0].parent}/image_0001..{len(FILES):04d}.jpg", "size": size, "split_seed": SPLIT_SEED,
            "split": f"fixed stratified {TRAIN_PER_CLASS} train / {PER_CLASS - TRAIN_PER_CLASS} test per class "
                     f"(the official datasplits.mat is not used)", "resize": "shorter side to size, centre crop"}
    return Dataset("flowers17", Split(x[train], y[train]), Split(x[test], y[test]), CLASSES, info)
