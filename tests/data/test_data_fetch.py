"""fetch(): downloads from a local HTTP server on 127.0.0.1 (never the internet), checks, extracts."""

import functools
import gzip
import http.server
import io
import threading
import zipfile

import numpy as np
import pytest

import mllab.data.fetch as fetch_mod
import mllab.data.idx_datasets as idx_datasets
import mllab.data.sst2 as sst2
from data_formats import md5, pattern_images, sha256, write_emnist, write_idx_gz
from mllab.data import ChecksumError, MissingDataError, load
from mllab.data.fetch import FetchError, fetch
from mllab.data.files import DataFile, DataFormatError


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 (a free port) for the test's duration; yields (folder, base url)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def mnist_upstream(www, url):
    """Gzipped IDX files on the server, and DataFiles with their md5 (as stored) and payload sha256."""
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte.gz": np.arange(10, dtype=np.uint8),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte.gz": np.arange(5, dtype=np.uint8)}
    specs = []
    for name, arr in arrays.items():
        payload = write_idx_gz(www / name, arr)
        specs.append(DataFile(name, sha256(payload), url + name, md5((www / name).read_bytes())))
    return tuple(specs), arrays


def test_fetch_downloads_verifies_and_loads(data_root, server, patch_files, tmp_path):
    www, url = server
    specs, arrays = mnist_upstream(www, url)
    patch_files("mnist", idx_datasets, "MNIST_FILES", specs)
    paths = fetch("mnist")
    assert paths == [tmp_path / "cache" / "mnist" / s.name for s in specs]
    assert all(p.read_bytes() == (www / p.name).read_bytes() for p in paths)
    assert np.array_equal(load("mnist").train.x[:, 0], arrays["train-images-idx3-ubyte.gz"])
    assert fetch("mnist") == paths  # present: nothing downloaded again
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == sorted(s.name for s in specs)


def test_flipped_byte_download_leaves_nothing(data_root, server, patch_files, tmp_path):
    www, url = server
    specs, _ = mnist_upstream(www, url)
    patch_files("mnist", idx_datasets, "MNIST_FILES", specs)
    raw = bytearray((www / specs[1].name).read_bytes())
    raw[-9] ^= 0x01  # one flipped byte; the file still downloads in full
    (www / specs[1].name).write_bytes(bytes(raw))
    with pytest.raises(ChecksumError) as err:
        fetch("mnist")
    assert specs[1].md5 in str(err.value) and md5(bytes(raw)) in str(err.value)
    folder = tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == [specs[0].name]  # the first, good file only; no temp file


def test_payload_sha256_checked_after_download(data_root, server, patch_files, tmp_path):
    www, url = server
    specs, _ = mnist_upstream(www, url)
    bad = specs[0].__class__(specs[0].name, "0" * 64, specs[0].url, specs[0].md5)
    patch_files("mnist", idx_datasets, "MNIST_FILES", (bad,) + specs[1:])
    with pytest.raises(ChecksumError, match=f"payload sha256 {specs[0].sha256}, expected {'0' * 64}.*nothing was kept"):
        fetch("mnist")
    assert not (tmp_path / "cache" / "mnist").exists() or not list((tmp_path / "cache" / "mnist").iterdir())


def test_http_error_is_clear(data_root, server, patch_files):
    _, url = server
    patch_files("mnist", idx_datasets, "MNIST_FILES", (DataFile("train-images-idx3-ubyte.gz", None, url + "nope.gz"),))
    with pytest.raises(FetchError, match=r"nope.gz answered HTTP 404 .* put it in .*mnist"):
        fetch("mnist")


def test_unreachable_host_is_clear(data_root, patch_files):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/train-images-idx3-ubyte.gz"
    patch_files("mnist", idx_datasets, "MNIST_FILES", (DataFile("train-images-idx3-ubyte.gz", None, url),))
    with pytest.raises(FetchError, match=f"could not download {url} .*Check the network"):
        fetch("mnist")


def test_file_url_works(data_root, tmp_path, patch_files):
    (tmp_path / "dev.tsv").write_text("sentence\tlabel\nok \t1\n")
    spec = DataFile("dev.tsv", sha256(b"sentence\tlabel\nok \t1\n"), (tmp_path / "dev.tsv").as_uri())
    patch_files("sst2", sst2, "FILES", (spec,))
    assert fetch("sst2") == [tmp_path / "cache" / "sst2" / "dev.tsv"]


def test_emnist_zip_is_extracted(data_root, server, patch_files, tmp_path):
    www, url = server
    stage = tmp_path / "stage"
    x_train, x_test = pattern_images(6, 1, 28), pattern_images(3, 1, 28, seed=9)
    payloads = write_emnist(stage, x_train, np.arange(6), x_test, np.arange(3))
    with zipfile.ZipFile(www / "gzip.zip", "w") as zf:
        zf.writestr("gzip/emnist-digits-train-images-idx3-ubyte.gz", b"other split, not wanted")
        for name in payloads:
            zf.write(stage / name, f"gzip/{name}")
    specs = tuple(DataFile(n, sha256(p)) for n, p in payloads.items())
    patch_files("emnist", idx_datasets, "EMNIST_FILES", specs)
    zip_spec = DataFile("gzip.zip", None, url + "gzip.zip", md5((www / "gzip.zip").read_bytes()))
    patch_files("emnist", idx_datasets, "EMNIST_ZIP", zip_spec, meta_key="archive")
    fetch("emnist")
    folder = tmp_path / "cache" / "emnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(payloads)  # the zip itself is deleted
    assert np.array_equal(load("emnist").test.x, x_test)


def test_archive_member_with_wrong_hash_is_not_kept(data_root, server, patch_files, tmp_path):
    www, url = server
    with zipfile.ZipFile(www / "SST-2.zip", "w") as zf:
        zf.writestr("SST-2/train.tsv", "sentence\tlabel\na \t1\n")
        zf.writestr("SST-2/dev.tsv", "sentence\tlabel\nb \t0\n")
    patch_files("sst2", sst2, "FILES", (DataFile("train.tsv", sha256(b"sentence\tlabel\na \t1\n")),
                                        DataFile("dev.tsv", "1" * 64)))
    patch_files("sst2", sst2, "ARCHIVE", DataFile("SST-2.zip", None, url + "SST-2.zip"), meta_key="archive")
    with pytest.raises(ChecksumError, match="dev.tsv sha256 mismatch"):
        fetch("sst2")
    assert not list((tmp_path / "cache" / "sst2").iterdir())  # neither member nor zip left behind


def test_tgz_archive_extraction(tmp_path):
    import tarfile

    path = tmp_path / "17flowers.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("jpg/files.txt", b"x"), ("jpg/image_0002.jpg", b"two"), ("jpg/image_0001.jpg", b"one")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    wanted = [DataFile("jpg/image_0001.jpg"), DataFile("jpg/image_0002.jpg")]
    assert {s.name: b for s, b in fetch_mod._members(path, wanted)} == {"jpg/image_0001.jpg": b"one",
                                                                         "jpg/image_0002.jpg": b"two"}
    with pytest.raises(ChecksumError, match=r"lacks \['jpg/image_0003.jpg'\]"):
        list(fetch_mod._members(path, wanted + [DataFile("jpg/image_0003.jpg")]))


def test_no_address_known(data_root, monkeypatch):
    import mllab.data.nist36 as nist36
    from mllab.data import DATASETS

    monkeypatch.setitem(DATASETS.entry("nist36").meta, "archive", None)
    with pytest.raises(MissingDataError, match=r"no download address is known for \['nist36_train.mat'"):
        fetch("nist36")
    assert nist36.ARCHIVE.url.endswith("data.zip")


def test_builtin_dataset_needs_nothing():
    assert fetch("digits") == []


def test_gz_payload_of_member():
    assert fetch_mod.read_payload_bytes(gzip.compress(b"abc"), fetch_mod.Path("x.gz")) == b"abc"
    with pytest.raises(DataFormatError, match="x.gz .*not a readable gzip"):
        fetch_mod.read_payload_bytes(b"abc", fetch_mod.Path("x.gz"))
