"""Finding, verifying and caching files: errors name the file, the folders, both hashes and the fix."""

import gzip

import numpy as np
import pytest

import mllab.data.cache as cache_mod
import mllab.data.idx_datasets as idx_datasets
from data_formats import md5, sha256, write_idx_gz
from mllab.data import ChecksumError, DataFormatError, MissingDataError, load
from mllab.data.files import DataFile, find_file, verify_payload

NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")


def write_mnist(folder, n_train=20, n_test=10):
    """Tiny MNIST-format files; returns DataFiles carrying their own payload sha256s."""
    rng = np.random.default_rng(0)
    arrays = (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), np.arange(n_train, dtype=np.uint8) % 10,
              rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), np.arange(n_test, dtype=np.uint8) % 10)
    return tuple(DataFile(n, sha256(write_idx_gz(folder / n, a))) for n, a in zip(NAMES, arrays)), arrays


@pytest.fixture
def mnist_fixture(data_root, patch_files):
    files, arrays = write_mnist(data_root / "mnist")
    patch_files("mnist", idx_datasets, "MNIST_FILES", files)
    return data_root / "mnist", arrays


def test_fixture_mnist_loads_exactly(mnist_fixture):
    _, (xtr, ytr, xte, yte) = mnist_fixture
    ds = load("mnist")
    assert ds.train.x.shape == (20, 1, 28, 28) and ds.train.x.dtype == np.uint8
    assert np.array_equal(ds.train.x[:, 0], xtr) and np.array_equal(ds.test.y, yte.astype(np.int64))


def test_missing_file_names_file_folders_and_fix(data_root, tmp_path):
    with pytest.raises(MissingDataError) as err:
        find_file("svhn", ("svhn", "SVHN"), "train_32x32.mat")
    msg = str(err.value)
    assert "train_32x32.mat not found" in msg
    assert str(data_root / "svhn") in msg and str(data_root / "SVHN") in msg and str(tmp_path / "cache" / "svhn") in msg
    assert "MLLAB_DATA" in msg and "mllab data fetch svhn" in msg


def test_flipped_byte_names_both_hashes_and_caches_nothing(mnist_fixture, tmp_path):
    folder, _ = mnist_fixture
    path = folder / NAMES[0]
    payload = bytearray(gzip.decompress(path.read_bytes()))
    expected = sha256(bytes(payload))
    payload[100] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(payload)))
    with pytest.raises(ChecksumError) as err:
        load("mnist")
    msg = str(err.value)
    assert expected in msg and sha256(bytes(payload)) in msg and NAMES[0] in msg and "mllab data fetch mnist" in msg
    assert not list((tmp_path / "cache").rglob("*.npz"))


def test_truncated_gzip_is_a_clear_error(mnist_fixture):
    folder, _ = mnist_fixture
    path = folder / NAMES[2]
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte.gz: not a readable gzip file .*truncated"):
        load("mnist")


def test_md5_checked_when_no_sha256(tmp_path):
    path = tmp_path / "train_32x32.mat"
    path.write_bytes(b"0123456789")
    assert verify_payload("svhn", path, DataFile(path.name, md5=md5(b"0123456789")))[2] == "md5 ok"
    with pytest.raises(ChecksumError, match=f"md5 mismatch \\(expected {'0' * 32}, found {md5(b'0123456789')}\\)"):
        verify_payload("svhn", path, DataFile(path.name, md5="0" * 32))


def test_md5_of_gz_is_over_the_file_as_stored(tmp_path):
    raw = gzip.compress(b"payload", mtime=0)
    path = tmp_path / "a.gz"
    path.write_bytes(raw)
    payload, digest, status = verify_payload("x", path, DataFile("a.gz", md5=md5(raw)))
    assert (payload, digest, status) == (b"payload", sha256(b"payload"), "md5 ok")


def test_second_load_hits_the_cache(mnist_fixture, monkeypatch):
    first = load("mnist")
    monkeypatch.setattr(idx_datasets, "read_verified", _forbidden)  # the build step must not run again
    second = load("mnist")
    assert np.array_equal(first.train.x, second.train.x) and np.array_equal(first.test.y, second.test.y)


def test_changed_source_is_rebuilt_and_reverified(mnist_fixture):
    folder, _ = mnist_fixture
    load("mnist")
    path = folder / NAMES[1]
    labels = bytearray(gzip.decompress(path.read_bytes()))
    labels[-1] = 3
    path.write_bytes(gzip.compress(bytes(labels)))  # new size/mtime: the cache key changes
    with pytest.raises(ChecksumError):
        load("mnist")


def test_damaged_cache_file_is_rebuilt(mnist_fixture, tmp_path):
    load("mnist")
    (cached,) = (tmp_path / "cache" / "prepared").glob("mnist-*.npz")
    cached.write_bytes(b"not an npz")
    assert load("mnist").train.x.shape == (20, 1, 28, 28)
    assert cached.stat().st_size > 100


def test_cached_arrays_calls_build_once(data_root):
    calls = []

    def build():
        calls.append(1)
        return {"a": np.arange(3)}

    for _ in range(2):
        out = cache_mod.cached_arrays("t", 1, [], {"k": 1}, build)
    assert calls == [1] and out["a"].tolist() == [0, 1, 2]
    cache_mod.cached_arrays("t", 1, [], {"k": 2}, build)  # other options: another entry
    assert calls == [1, 1]


def _forbidden(*args, **kwargs):
    raise AssertionError("the cache should have served this load")
