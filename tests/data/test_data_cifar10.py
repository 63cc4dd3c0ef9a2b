"""CIFAR-10 on small files in the official format: tar.gz of Python-2 pickled batches with bytes keys."""

import pickle
import tarfile

import numpy as np
import pytest
from data_formats import CIFAR_CLASSES, cifar_members, md5, pattern_images, py2_pickle, write_tar_gz

import mllab.data.cifar10 as cifar10
from mllab.data import ChecksumError, MissingDataError, load
from mllab.data.files import DataFile


@pytest.fixture
def arrays():
    x_train, x_test = pattern_images(25, 3, 32, seed=1), pattern_images(10, 3, 32, seed=2)
    return x_train, np.arange(25) % 10, x_test, (np.arange(10) * 3) % 10


def install(data_root, patch_files, arrays, members=None, as_folder=False):
    """Write the archive (or the extracted folder) and patch the expected MD5s to the fixture's own."""
    members = members or cifar_members(*arrays)
    specs = tuple(DataFile(f"cifar-10-batches-py/{n}", md5=md5(members[n])) for n in
                  ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch",
                   "batches.meta"))
    patch_files("cifar10", cifar10, "MEMBERS", specs, meta_key="alt_files")
    if as_folder:
        for name, blob in members.items():
            (data_root / "cifar10" / "cifar-10-batches-py").mkdir(parents=True, exist_ok=True)
            (data_root / "cifar10" / "cifar-10-batches-py" / name).write_bytes(blob)
        return
    raw = write_tar_gz(data_root / "cifar10" / "cifar-10-python.tar.gz", members)
    patch_archive(patch_files, md5(raw))


def patch_archive(patch_files, digest):
    spec = DataFile("cifar-10-python.tar.gz", md5=digest)
    patch_files("cifar10", cifar10, "ARCHIVE", spec, meta_key="files", meta_value=(spec,))


@pytest.mark.parametrize("as_folder", [False, True], ids=["tar.gz", "extracted folder"])
def test_cifar10_round_trip(data_root, patch_files, arrays, as_folder):
    install(data_root, patch_files, arrays, as_folder=as_folder)
    ds = load("cifar10")
    x_train, y_train, x_test, y_test = arrays
    assert ds.train.x.shape == (25, 3, 32, 32) and ds.train.x.dtype == np.uint8
    assert np.array_equal(ds.train.x, x_train) and np.array_equal(ds.test.x, x_test)  # order, channels, orientation
    assert ds.train.y.tolist() == y_train.tolist() and ds.test.y.tolist() == y_test.tolist()
    assert ds.classes == tuple(CIFAR_CLASSES) and ds.train.y.dtype == np.int64


def test_rows_are_red_green_blue_planes(data_root, patch_files, arrays):
    install(data_root, patch_files, arrays)
    x = load("cifar10").train.x
    # the marker row 5 is set only in the red plane: bytes 5*32 .. 6*32 of the 3072-byte row
    assert (x[:, 0, 5, :] == 255).all() and not (x[:, 1, 5, :] == 255).all()


def test_tampered_pickle_does_not_run(data_root, patch_files, arrays, tmp_path):
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Exploit(str(marker)), protocol=2)
    assert b"system" in evil
    members = {**cifar_members(*arrays), "data_batch_3": evil}
    install(data_root, patch_files, arrays, members=members)  # checksums patched to the tampered file's own
    with pytest.raises(cifar10.UnsafePickleError, match=r"data_batch_3 asks to load (posix|os|nt)\.system"):
        load("cifar10")
    assert not marker.exists()


@pytest.mark.parametrize("module,name", [("builtins", "eval"), ("subprocess", "Popen"), ("numpy", "load"),
                                         ("numpy.core.multiarray", "scalar"), ("_codecs", "encode")])
def test_unpickler_refuses_any_other_global(module, name):
    blob = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"."
    with pytest.raises(cifar10.UnsafePickleError, match=f"{module}.{name}"):
        cifar10.unpickle_batch(blob, "batch")


def test_official_py2_batch_keys_are_bytes():
    blob = py2_pickle({"data": np.zeros((2, 3072), np.uint8), "labels": [3, 4]})
    batch = cifar10.unpickle_batch(blob, "b")
    assert set(batch) == {b"data", b"labels"}
    x, y = cifar10.batch_arrays(batch, "b")
    assert x.shape == (2, 3, 32, 32) and y.tolist() == [3, 4]


def test_bad_batch_shape_is_named():
    batch = {b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}
    with pytest.raises(ValueError, match=r"data_batch_1 data is uint8 \(2, 3000\), expected uint8 \(N, 3072\)"):
        cifar10.batch_arrays(batch, "data_batch_1")


def test_archive_md5_mismatch(data_root, patch_files, arrays):
    install(data_root, patch_files, arrays)
    path = data_root / "cifar10" / "cifar-10-python.tar.gz"
    good = md5(path.read_bytes())
    patch_archive(patch_files, "f" * 32)
    with pytest.raises(ChecksumError, match=f"md5 mismatch \\(expected {'f' * 32}, found {good}\\)"):
        load("cifar10")


def test_missing_mentions_the_extracted_folder(data_root):
    with pytest.raises(MissingDataError, match="cifar-10-python.tar.gz not found(.|\n)*cifar-10-batches-py/"):
        load("cifar10")


def test_archive_without_a_batch(data_root, patch_files, arrays):
    members = cifar_members(*arrays)
    install(data_root, patch_files, arrays, members=members)
    del members["test_batch"]
    raw = write_tar_gz(data_root / "cifar10" / "cifar-10-python.tar.gz", members)
    patch_archive(patch_files, md5(raw))
    with pytest.raises(ValueError, match=r"lacks \['cifar-10-batches-py/test_batch'\]"):
        load("cifar10")
    assert tarfile.is_tarfile(data_root / "cifar10" / "cifar-10-python.tar.gz")


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("recipe", ["best_cifar10", "s003_lenet_cifar10_sched2"])
def test_cifar10_recipes_train_on_official_format_files(data_root, patch_files, recipe, tmp_path):
    """The CIFAR-10 recipes (3-channel input, standardization, crop/flip augmentation, one-cycle) run end to end
    on files in the official format: CIFAR-10 itself is not on these machines, so this is their only full-path test."""
    from mllab.experiments.recipes import load_recipe
    from mllab.experiments.runner import run_group
    from mllab.runs.config import resolve_config

    x_train, x_test = pattern_images(40, 3, 32, seed=3), pattern_images(20, 3, 32, seed=4)
    install(data_root, patch_files, (x_train, np.arange(40) % 10, x_test, np.arange(20) % 10))
    cfg = resolve_config(load_recipe(recipe), ["training.epochs=2", "seeds=1", "training.batch_size=16",
                                               "output.figures=false"])
    summary = run_group(cfg, root=tmp_path / "runs", quiet=True)["summaries"][0]
    assert summary["status"] == "completed", summary.get("error")
    assert summary["dataset"] == "cifar10" and summary["train_size"] <= 40
    assert summary["test_size"] == 20
    with np.load(tmp_path / "runs" / summary["run_id"] / "predictions.npz") as z:  # accuracy of what it predicted
        assert len(z["y_pred"]) == 20 and summary["final"]["test_accuracy"] == np.mean(z["y_pred"] == z["y_true"])
