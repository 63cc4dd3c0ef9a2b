"""verify(): re-hashes every file (no cache), names the file and both hashes on a mismatch."""

import gzip
import os

import numpy as np
import pytest

import mllab.data.idx_datasets as idx_datasets
import mllab.data.svhn as svhn
from data_formats import md5, pattern_images, sha256, write_idx_gz, write_svhn_mat
from mllab.data import ChecksumError, MissingDataError, load
from mllab.data.files import DataFile
from mllab.data.verify import verify


@pytest.fixture
def mnist_files(data_root, patch_files):
    arrays = (pattern_images(4, 1, 28)[:, 0], np.arange(4, dtype=np.uint8),
              pattern_images(2, 1, 28)[:, 0], np.arange(2, dtype=np.uint8))
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz")
    specs = tuple(DataFile(n, sha256(write_idx_gz(data_root / "mnist" / n, a))) for n, a in zip(names, arrays))
    patch_files("mnist", idx_datasets, "MNIST_FILES", specs)
    return data_root / "mnist", specs


def test_verify_lists_every_file(mnist_files):
    folder, specs = mnist_files
    assert verify("mnist") == [(folder / s.name, s.sha256, "sha256 ok") for s in specs]


def test_verify_ignores_the_cache(mnist_files):
    folder, specs = mnist_files
    path = folder / specs[2].name
    payload = bytearray(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(bytes(payload), compresslevel=0, mtime=0))  # stored blocks: size = f(len)
    first = load("mnist")
    st = path.stat()
    payload[50] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(payload), compresslevel=0, mtime=0))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size  # same size and mtime: load() is still served from the cache ...
    assert np.array_equal(load("mnist").test.x, first.test.x)
    with pytest.raises(ChecksumError) as err:  # ... but verify() reads the file again
        verify("mnist")
    msg = str(err.value)
    assert specs[2].sha256 in msg and sha256(bytes(payload)) in msg and specs[2].name in msg


def test_verify_md5_and_unchecked_statuses(data_root, patch_files):
    blobs = [write_svhn_mat(data_root / "svhn" / f"{s}_32x32.mat", pattern_images(2, 3, 32), np.array([1, 0]))
             for s in ("train", "test")]
    patch_files("svhn", svhn, "FILES", (DataFile("train_32x32.mat", md5=md5(blobs[0])), DataFile("test_32x32.mat")))
    assert [s for _, _, s in verify("svhn")] == ["md5 ok", "unchecked"]
    assert [d for _, d, _ in verify("svhn")] == [sha256(b) for b in blobs]


def test_verify_missing_file(data_root):
    with pytest.raises(MissingDataError, match="svhn: train_32x32.mat not found"):
        verify("svhn")


def test_verify_builtin():
    assert verify("digits") == []
