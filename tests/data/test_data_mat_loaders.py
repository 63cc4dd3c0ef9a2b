"""SVHN and NIST36 on small MATLAB v5 files with the official keys, shapes and layouts."""

import numpy as np
import pytest

import mllab.data.nist36 as nist36
import mllab.data.svhn as svhn
from data_formats import md5, pattern_images, write_nist36_mat, write_svhn_mat
from mllab.data import ChecksumError, load
from mllab.data.files import DataFile


@pytest.fixture
def svhn_files(data_root, patch_files):
    arrays = {"train": (pattern_images(12, 3, 32, seed=3), np.arange(12) % 10),
              "test": (pattern_images(6, 3, 32, seed=4), np.array([0, 0, 9, 1, 5, 0]))}
    specs = tuple(DataFile(f"{s}_32x32.mat", md5=md5(write_svhn_mat(data_root / "svhn" / f"{s}_32x32.mat", *arrays[s])))
                  for s in ("train", "test"))
    patch_files("svhn", svhn, "FILES", specs)
    return arrays


def test_svhn_round_trip(svhn_files):
    ds = load("svhn")
    (x_train, y_train), (x_test, y_test) = svhn_files["train"], svhn_files["test"]
    assert ds.train.x.shape == (12, 3, 32, 32) and ds.train.x.dtype == np.uint8 and ds.train.x.flags.c_contiguous
    assert np.array_equal(ds.train.x, x_train) and np.array_equal(ds.test.x, x_test)
    assert ds.test.y.tolist() == y_test.tolist() and ds.train.y.tolist() == y_train.tolist()


def test_svhn_file_stores_ten_for_zero(svhn_files, data_root):
    from scipy.io import loadmat

    mat = loadmat(data_root / "svhn" / "test_32x32.mat")
    assert mat["X"].shape == (32, 32, 3, 6) and mat["y"].shape == (6, 1) and mat["y"][:, 0].tolist()[:3] == [10, 10, 9]


def test_svhn_md5_mismatch(svhn_files, data_root, patch_files):
    path = data_root / "svhn" / "test_32x32.mat"
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    found = md5(bytes(data))
    with pytest.raises(ChecksumError, match=f"test_32x32.mat md5 mismatch \\(expected [0-9a-f]{{32}}, found {found}"):
        load("svhn")


def test_svhn_wrong_labels_named(tmp_path):
    from scipy.io import savemat

    savemat(tmp_path / "a.mat", {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[0], [11]], np.uint8)})
    with pytest.raises(ValueError, match=r"y has 2 labels in 0..11 for 2 images, expected one label in 1..10"):
        svhn.mat_arrays((tmp_path / "a.mat").read_bytes(), "a.mat")


@pytest.fixture
def nist_files(data_root, patch_files):
    arrays = {s: (pattern_images(n, 1, 32, seed=i), (np.arange(n) * 7) % 36)
              for i, (s, n) in enumerate((("train", 40), ("valid", 12), ("test", 8)))}
    for s, (x, y) in arrays.items():
        write_nist36_mat(data_root / "nist36" / f"nist36_{s}.mat", s, x, y)
    return arrays


def test_nist36_upright_and_labels(nist_files):
    ds = load("nist36")
    x, y = nist_files["train"]
    assert ds.train.x.shape == (40, 1, 32, 32) and ds.train.x.dtype == np.uint8
    assert np.array_equal(ds.train.x, x), "images must come out upright (the course stores them transposed)"
    assert ds.train.y.tolist() == y.tolist() and np.array_equal(ds.test.x, nist_files["test"][0])
    assert ds.classes[:3] == ("A", "B", "C") and ds.classes[26:] == tuple("0123456789") and ds.num_classes == 36
    assert ds.info["split_sizes"] == {"train": 40, "valid": 12, "test": 8} and ds.info["eval_split"] == "test"


def test_nist36_valid_split_option(nist_files):
    ds = load("nist36", eval_split="valid")
    assert np.array_equal(ds.test.x, nist_files["valid"][0]) and ds.test.y.tolist() == nist_files["valid"][1].tolist()
    with pytest.raises(ValueError, match="eval_split must be 'test' or 'valid'; got 'dev'"):
        load("nist36", eval_split="dev")


def test_nist36_rounds_to_uint8(tmp_path):
    from scipy.io import savemat

    data = np.full((1, 1024), 0.5)
    data[0, 1] = 1.0  # column-major: pixel (row 1, col 0)
    savemat(tmp_path / "t.mat", {"test_data": data, "test_labels": np.eye(36)[[35]]})
    x, y = nist36.mat_split((tmp_path / "t.mat").read_bytes(), "test")
    assert x[0, 0, 1, 0] == 255 and x[0, 0, 0, 1] == 128 and y.tolist() == [35]


def test_nist36_rejects_non_one_hot(tmp_path):
    from scipy.io import savemat

    savemat(tmp_path / "t.mat", {"test_data": np.zeros((2, 1024)), "test_labels": np.ones((2, 36))})
    with pytest.raises(ValueError, match=r"test_labels is \(2, 36\), expected one-hot rows"):
        nist36.mat_split((tmp_path / "t.mat").read_bytes(), "test")
