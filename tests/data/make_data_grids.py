"""Write docs/data-grids/*.png: sample grids of every loader, to check orientation and labels by eye.

Real data for digits, mnist, fashion_mnist, flowers17 (from MLLAB_DATA). CIFAR-10, SVHN, NIST36 and
EMNIST are not on these machines: real MNIST digits (label k = digit k; for NIST36 label 26 + k, whose
class name is the digit) are written in their official file formats and read back through the loaders,
so a transposed or flipped loader shows as a transposed or flipped digit.

    MLLAB_DATA=../shared/data:/usr/share/datasets .venv/bin/python tests/data/make_data_grids.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from data_formats import (cifar_members, md5, sha256, write_emnist, write_nist36_mat,  # noqa: E402
                          write_svhn_mat, write_tar_gz)

OUT = Path(__file__).resolve().parents[2] / "docs" / "data-grids"


def digits_32(ds, n: int, split: str = "train"):
    """The first n MNIST digits of a split, padded to 32x32, with their labels."""
    part = getattr(ds, split)
    return np.pad(part.x[:n], ((0, 0), (0, 0), (2, 2), (2, 2))), part.y[:n]


def tinted(x: np.ndarray) -> np.ndarray:
    """Grey (N, 1, H, W) -> orange-on-blue RGB: a red/blue channel swap would show as blue-on-orange."""
    g = x.astype(np.float32) / 255
    rgb = np.concatenate([g * 255, g * 140 + 20, (1 - g) * 160], axis=1)
    return rgb.round().astype(np.uint8)


def main() -> None:
    from mllab.data import DATASETS, load
    from mllab.data import cifar10, idx_datasets, svhn
    from mllab.data.files import DataFile
    from mllab.data.grid import save_sample_grid

    for name in ("digits", "mnist", "fashion_mnist"):
        save_sample_grid(load(name), OUT / f"{name}.png", n=20)
    save_sample_grid(load("flowers17"), OUT / "flowers17.png", n=17, cols=9)
    mnist = load("mnist")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["MLLAB_DATA"], os.environ["MLLAB_CACHE"] = str(root / "data"), str(root / "cache")
        (x, y), (xt, yt) = digits_32(mnist, 500), digits_32(mnist, 100, "test")
        members = cifar_members(tinted(x), y, tinted(xt), yt)
        raw = write_tar_gz(root / "data" / "cifar10" / "cifar-10-python.tar.gz", members)
        cifar10.ARCHIVE = DataFile("cifar-10-python.tar.gz", md5=md5(raw))
        cifar10.MEMBERS = tuple(DataFile(f"cifar-10-batches-py/{n}", md5=md5(b)) for n, b in members.items())
        svhn.FILES = tuple(DataFile(f"{s}_32x32.mat", md5=md5(write_svhn_mat(root / "data" / "svhn" / f"{s}_32x32.mat",
                                                                              tinted(a), b)))
                           for s, a, b in (("train", x, y), ("test", xt, yt)))
        for split, (a, b) in (("train", (x, y)), ("valid", (xt, yt)), ("test", (xt, yt))):
            write_nist36_mat(root / "data" / "nist36" / f"nist36_{split}.mat", split, 255 - a, b + 26)
        m28 = (mnist.train.x[:500], mnist.train.y[:500], mnist.test.x[:100], mnist.test.y[:100])
        payloads = write_emnist(root / "data" / "emnist", *m28)
        idx_datasets.EMNIST_FILES = tuple(DataFile(n, sha256(p)) for n, p in payloads.items())
        for name in ("cifar10", "svhn", "nist36", "emnist"):
            assert name in DATASETS
            save_sample_grid(load(name), OUT / f"{name}-fixture.png", n=20)
    for path in sorted(OUT.glob("*.png")):
        shrink(path)
        print(f"{path.stat().st_size:7d}  {path}")


def shrink(path: Path) -> None:
    """A 128-colour palette PNG: a fraction of the size, still plenty to judge orientation and colour."""
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=128)
    small.save(path, optimize=True)


if __name__ == "__main__":
    main()
