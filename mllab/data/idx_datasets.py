"""The IDX-format digit and clothing sets: MNIST, Fashion-MNIST, EMNIST (balanced)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.files import DataFile, DataFormatError, candidate_paths, find_file, read_verified, require_files
from mllab.data.idx import idx_read
from mllab.data.registry import DATASETS

_FORMAT_VERSION = 1

MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"  # mirror of yann.lecun.com/exdb/mnist/
MNIST_FILES = (
    DataFile("train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
             MNIST_URL + "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    DataFile("train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
             MNIST_URL + "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    DataFile("t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
             MNIST_URL + "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    DataFile("t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
             MNIST_URL + "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
)

FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_FILES = (
    DataFile("train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
             FASHION_URL + "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    DataFile("train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
             FASHION_URL + "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
    DataFile("t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
             FASHION_URL + "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
    DataFile("t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
             FASHION_URL + "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
)
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# EMNIST ships as one zip of gzip IDX files; `mllab data fetch emnist` extracts the balanced ones.
# No reference payload hashes are known here, so these files load with a logged warning.
EMNIST_FOLDERS = ("emnist", "emnist/gzip")
EMNIST_ZIP = DataFile("gzip.zip", None, "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip",
                      "58c8d27c78d21e728a6bc7b3cc06412e")
# Upstream names the test files "...-test-..." (not MNIST's "t10k").
EMNIST_SPLITS = ("balanced", "byclass")


def emnist_files(split: str = "balanced") -> tuple[DataFile, ...]:
    return tuple(DataFile(f"emnist-{split}-{part}-{kind}")
                 for part in ("train", "test") for kind in ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"))


EMNIST_FILES = emnist_files("balanced")
# Class names by label when the mapping file (emnist-<split>-mapping.txt: "label ascii-code" lines) is absent.
EMNIST_CLASSES = tuple("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt")
EMNIST_SPLIT_CLASSES = {"balanced": EMNIST_CLASSES,
                        "byclass": tuple("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}


def _idx_dataset(name: str, folders: tuple[str, ...], files: tuple[DataFile, ...],
                 classes: tuple[str, ...], transposed: bool = False) -> Dataset:
    """``files`` in order: train images, train labels, test images, test labels."""

    def build():
        arrays = {}
        for split, pair in (("train", files[:2]), ("test", files[2:])):
            (img, img_path), (lab, lab_path) = (read_verified(name, folders, spec) for spec in pair)
            x, y = idx_pair(name, img, img_path.name, lab, lab_path.name, len(classes))
            if transposed:  # EMNIST stores each image column-major: flip back to upright
                x = x.transpose(0, 2, 1)
            arrays[f"x_{split}"] = x[:, None].copy()  # (N, 1, H, W)
            arrays[f"y_{split}"] = y
        return arrays

    sources = [find_file(name, folders, f.name) for f in files]
    a = cached_arrays(name, _FORMAT_VERSION, sources, {}, build)
    return Dataset(name, Split(a["x_train"], a["y_train"]), Split(a["x_test"], a["y_test"]), classes,
                   {"files": [str(p) for p in sources]})


def idx_pair(dataset: str, images: bytes, images_name: str, labels: bytes, labels_name: str,
             num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, H, W) uint8, y (N,) int64 in 0..num_classes-1)`` from an images and a labels IDX payload."""
    x = idx_read(images, f"{dataset}: {images_name}", ndim=3)
    y = idx_read(labels, f"{dataset}: {labels_name}", ndim=1)
    for what, arr, source in (("images", x, images_name), ("labels", y, labels_name)):
        if arr.dtype != np.uint8:
            raise DataFormatError(f"{dataset}: {source} holds {arr.dtype} {what}, expected uint8 (IDX type 0x08)")
    if len(x) != len(y):
        raise DataFormatError(f"{dataset}: {images_name} holds {len(x)} images but {labels_name} {len(y)} labels; "
                              f"the files do not belong together")
    if y.size and y.max() >= num_classes:
        raise DataFormatError(f"{dataset}: {labels_name} holds label {y.max()}, expected 0..{num_classes - 1}")
    return x, y.astype(np.int64)


@DATASETS.register("mnist", kind="image", folders=("mnist",), files=MNIST_FILES)
def mnist() -> Dataset:
    """MNIST handwritten digits: 28x28 grey, 60 000 train / 10 000 test, 10 classes."""
    return _idx_dataset("mnist", ("mnist",), MNIST_FILES, tuple("0123456789"))


@DATASETS.register("fashion_mnist", kind="image", folders=("fashion-mnist", "fashion_mnist"), files=FASHION_FILES)
def fashion_mnist() -> Dataset:
    """Fashion-MNIST (Zalando): 28x28 grey clothing, 60 000 / 10 000, 10 classes."""
    return _idx_dataset("fashion_mnist", ("fashion-mnist", "fashion_mnist"), FASHION_FILES, FASHION_CLASSES)


@DATASETS.register("emnist", kind="image", folders=EMNIST_FOLDERS, files=EMNIST_FILES, archive=EMNIST_ZIP)
def emnist(split: str = "balanced") -> Dataset:
    """EMNIST (official gzip IDX files): 28x28 grey handwritten characters. ``split``: ``"balanced"`` (112 800 /
    18 800, 47 classes) or ``"byclass"`` (697 932 / 116 323, 62 classes: digits, upper and lower case). Class
    names come from ``emnist-<split>-mapping.txt`` when it sits beside the images."""
    if split not in EMNIST_SPLITS:
        raise ValueError(f"emnist: split must be one of {EMNIST_SPLITS}; got {split!r}")
    files = EMNIST_FILES if split == "balanced" else emnist_files(split)
    require_files("emnist", EMNIST_FOLDERS, [f.name for f in files],
                  f"the official {EMNIST_ZIP.url} holds them under gzip/ ('mllab data fetch emnist' extracts the "
                  "balanced ones)")
    ds = _idx_dataset("emnist", EMNIST_FOLDERS, files, EMNIST_SPLIT_CLASSES[split], transposed=True)
    mapping = [p for p in candidate_paths(EMNIST_FOLDERS, f"emnist-{split}-mapping.txt") if p.is_file()]
    classes = emnist_mapping(read_mapping(mapping[0]), mapping[0], ds.num_classes) if mapping else ds.classes
    return replace(ds, classes=classes, info={**ds.info, "split": split,
                                              "mapping": str(mapping[0]) if mapping else None})


MAX_MAPPING_BYTES = 1 << 16  # 62 lines of "label code" are under 1 kB


def read_mapping(path: Path) -> str:
    """The text of an EMNIST mapping file, refused in one line if it is too long or not ASCII."""
    with path.open("rb") as f:
        raw = f.read(MAX_MAPPING_BYTES + 1)
    if len(raw) > MAX_MAPPING_BYTES or not raw.isascii():
        raise DataFormatError(f"emnist: {path} is not an EMNIST mapping file (expected under {MAX_MAPPING_BYTES} "
                              f"bytes of ASCII 'label ascii-code' lines); delete it or fetch it again")
    return raw.decode("ascii")


def emnist_mapping(text: str, source: Path | str = "mapping", num_classes: int | None = None) -> tuple[str, ...]:
    """Class names by label from an EMNIST mapping file ("label ascii-code" per line, labels 0..K-1, printable
    characters; K = ``num_classes`` when given).

    >>> emnist_mapping("0 48\\n1 65\\n2 97\\n")
    ('0', 'A', 'a')
    """
    try:
        pairs = sorted((int(a), int(b)) for a, b in (ln.split() for ln in text.splitlines() if ln.strip()))
    except ValueError as err:
        raise DataFormatError(f"emnist: {source} is not an EMNIST mapping file ('label ascii-code' per line): "
                              f"{err}") from None
    if [label for label, _ in pairs] != list(range(len(pairs))):
        raise DataFormatError(f"emnist: {source} labels are not 0..{len(pairs) - 1}, each once")
    if num_classes is not None and len(pairs) != num_classes:
        raise DataFormatError(f"emnist: {source} names {len(pairs)} classes, expected {num_classes}")
    bad = next((code for _, code in pairs if not 32 < code < 127), None)
    if bad is not None:
        raise DataFormatError(f"emnist: {source} maps a label to character code {bad}, expected a printable "
                              f"ASCII code (33..126)")
    return tuple(chr(code) for _, code in pairs)
