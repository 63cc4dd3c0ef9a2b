"""EMNIST on transposed IDX fixtures; MNIST and Fashion-MNIST on the real files when MLLAB_DATA has them."""

import numpy as np
import pytest

import mllab.data.idx_datasets as idx_datasets
from conftest import require_real
from data_formats import pattern_images, sha256, write_emnist
from mllab.data import load
from mllab.data.files import DataFile


def test_emnist_upright_from_transposed_files(data_root, patch_files):
    x_train, x_test = pattern_images(30, 1, 28, seed=5), pattern_images(9, 1, 28, seed=6)
    y_train, y_test = np.arange(30) % 47, np.array([46, 0, 36, 10, 1, 2, 3, 4, 5])
    payloads = write_emnist(data_root / "emnist" / "gzip", x_train, y_train, x_test, y_test)
    assert [f.name for f in idx_datasets.EMNIST_FILES] == list(payloads)  # upstream names, upstream order
    patch_files("emnist", idx_datasets, "EMNIST_FILES", tuple(DataFile(n, sha256(p)) for n, p in payloads.items()))
    ds = load("emnist")
    assert np.array_equal(ds.train.x, x_train) and np.array_equal(ds.test.x, x_test)
    assert ds.test.y.tolist() == y_test.tolist() and ds.num_classes == 47
    assert [ds.classes[i] for i in (36, 46, 10)] == ["a", "t", "A"]


def test_mnist_real():
    require_real("mnist")
    ds = load("mnist")
    assert ds.train.x.shape == (60000, 1, 28, 28) and ds.test.x.shape == (10000, 1, 28, 28)
    # counts published in the data's SOURCE.md
    assert np.bincount(ds.test.y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    x = ds.train.x[:, 0].astype(np.float64)
    assert x[:, :2].mean() < 1 and x.max() == 255  # background is 0, ink is bright
    ones, sevens = x[ds.train.y == 1].mean(axis=0), x[ds.train.y == 7].mean(axis=0)
    assert ones.mean(axis=0).max() > 3 * ones.mean(axis=1).max()  # a "1" is a vertical stroke: not transposed
    assert sevens[7:10].mean() > 2 * sevens[18:23].mean()  # a "7" has its bar at the top: not flipped


def test_fashion_mnist_real():
    require_real("fashion_mnist")
    ds = load("fashion_mnist")
    assert ds.train.x.shape == (60000, 1, 28, 28) and np.bincount(ds.train.y).tolist() == [6000] * 10
    assert ds.classes[9] == "Ankle boot"
    x = ds.train.x[:, 0].astype(np.float64)
    trousers, boots = x[ds.train.y == 1].mean(axis=0), x[ds.train.y == 9].mean(axis=0)
    assert trousers[22:27, 14].mean() < trousers[22:27, 11].mean() / 4  # the legs' gap: bottom rows, middle column
    assert boots[18:21].mean() > 2 * boots[3:6].mean()  # the sole is at the bottom


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_real_files_verify(name):
    require_real(name)
    from mllab.data.verify import verify

    assert {status for _, _, status in verify(name)} == {"sha256 ok"}
