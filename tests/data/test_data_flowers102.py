"""Flowers-102 on small files in the official formats (18 JPEGs in a .tgz, two MATLAB files), and the real set."""

import io

import numpy as np
import pytest
from conftest import require_real
from data_formats import md5, write_flowers102

import mllab.data.flowers102 as flowers102
from mllab.data import ChecksumError, MissingDataError, load
from mllab.data.files import DataFile
from mllab.data.verify import verify

N = 18
# Upstream labels are 1..102: both ends appear, so an off-by-one in the 0-based mapping shows.
LABELS = np.array([1, 102, 50, 7] * 4 + [1, 102])
# 1-based image numbers, deliberately unsorted and interleaved, as in the official setid.mat.
SETID = {"trnid": np.array([5, 2, 17, 11]), "valid": np.array([8, 1, 14, 3]),
         "tstid": np.array([18, 4, 6, 7, 9, 10, 12, 13, 15, 16])}
STEP = 12  # image n is a flat colour with red = STEP * n: the decoded red level names the image


def jpeg(n: int) -> bytes:
    """Image ``n``: 40x30 (odd n) or 30x40 (even n), red STEP * n, a little green and blue."""
    from PIL import Image

    size = (40, 30) if n % 2 else (30, 40)
    buf = io.BytesIO()
    Image.new("RGB", size, (STEP * n, 60, 250 - STEP * n)).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def image_numbers(x: np.ndarray) -> list[int]:
    """Which fixture image each row of ``x`` is, from its mean red level."""
    return np.round(x[:, 0].mean(axis=(1, 2)) / STEP).astype(int).tolist()


@pytest.fixture
def write(data_root, monkeypatch, patch_files):
    """Write the three files (defaults: all 18 images, LABELS, SETID) and point the loader at them and their MD5s."""
    monkeypatch.setattr(flowers102, "NUM_IMAGES", N)
    monkeypatch.setattr(flowers102, "SPLIT_SIZES", {k: len(v) for k, v in SETID.items()})

    def write_files(images=range(1, N + 1), labels=LABELS, setid=SETID, dtype=np.uint16):
        files = write_flowers102(data_root / "flowers102", {n: jpeg(n) for n in images}, labels, setid, dtype)
        patch_files("flowers102", flowers102, "FILES", tuple(DataFile(name, md5=md5(blob))
                                                             for name, blob in files.items()))
        return data_root / "flowers102"

    return write_files


@pytest.fixture
def folder(write):
    return write()


def test_shapes_labels_and_official_split(folder):
    ds = load("flowers102", size=16)
    assert ds.train.x.shape == (4, 3, 16, 16) and ds.test.x.shape == (10, 3, 16, 16) and ds.train.x.dtype == np.uint8
    assert image_numbers(ds.train.x) == SETID["trnid"].tolist()  # trnid's images, in setid.mat's order
    assert image_numbers(ds.test.x) == SETID["tstid"].tolist()
    assert ds.train.y.tolist() == (LABELS[SETID["trnid"] - 1] - 1).tolist() == [0, 101, 0, 49]
    assert ds.test.y.tolist() == (LABELS[SETID["tstid"] - 1] - 1).tolist()
    assert ds.num_classes == 102 and ds.classes[0] == "class_1" and ds.classes[101] == "class_102"
    assert ds.info["train_split"] == "train" and ds.info["train_ids"].tolist() == SETID["trnid"].tolist()
    assert ds.summary()["train_size"] == 4 and "train_ids" not in ds.summary()  # long id lists stay out of records


def test_train_plus_val_appends_the_official_validation_images(folder):
    ds = load("flowers102", size=16, train_split="train+val")
    expected = SETID["trnid"].tolist() + SETID["valid"].tolist()
    assert image_numbers(ds.train.x) == expected
    assert ds.train.y.tolist() == (LABELS[np.array(expected) - 1] - 1).tolist()
    assert image_numbers(ds.test.x) == SETID["tstid"].tolist()
    assert ds.info["split"] == "official setid.mat: train = trnid + valid (8), test = tstid (10)"


def test_unknown_train_split_is_refused(folder):
    with pytest.raises(ValueError, match=r"train_split must be one of \['train', 'train\+val'\]; got 'val'"):
        load("flowers102", train_split="val")


def test_matlab_doubles_load_the_same(write):
    write(dtype=np.float64)  # MATLAB's default storage
    ds = load("flowers102", size=16)
    assert image_numbers(ds.train.x) == SETID["trnid"].tolist() and ds.train.y.tolist() == [0, 101, 0, 49]


def test_cached_per_size_not_per_split(folder, monkeypatch):
    first = load("flowers102", size=16)
    calls = []
    monkeypatch.setattr(flowers102, "decode_square", lambda *a: calls.append(1) or np.zeros((3, 8, 8), np.uint8))
    assert np.array_equal(load("flowers102", size=16).train.x, first.train.x) and calls == []
    assert len(load("flowers102", size=16, train_split="train+val").train) == 8 and calls == []
    assert load("flowers102", size=8).train.x.shape == (4, 3, 8, 8) and len(calls) == N


@pytest.mark.parametrize("name", ["102flowers.tgz", "imagelabels.mat", "setid.mat"])
def test_missing_file_says_where_to_put_it(folder, data_root, name):
    (folder / name).unlink()
    with pytest.raises(MissingDataError) as err:
        load("flowers102")
    assert name in str(err.value) and str(data_root / "flowers102") in str(err.value)
    assert "mllab data fetch flowers102" in str(err.value)


def test_setid_referring_to_an_unlabelled_image_is_named(write):
    write(setid={**SETID, "tstid": np.array([18, 4, 6, 7, 9, 10, 12, 13, 15, 19])})
    with pytest.raises(ValueError, match=r"setid.mat tstid refers to image 19 \(jpg/image_00019.jpg\), but "
                                         r"imagelabels.mat labels images 1..18 only"):
        load("flowers102", size=16)


def test_image_absent_from_the_archive_is_named(write):
    write(images=[n for n in range(1, N + 1) if n != 6])
    with pytest.raises(ChecksumError, match=r"102flowers.tgz lacks \['jpg/image_00006.jpg'\] \(1 of the 18 images"):
        load("flowers102", size=16)


@pytest.mark.parametrize("setid, message", [
    ({**SETID, "valid": np.array([8, 1, 14, 5])}, "lists some images twice"),
    ({**SETID, "trnid": np.array([5, 2, 17])}, "setid.mat trnid lists 3 images, expected 4"),
    ({k: v for k, v in SETID.items() if k != "valid"}, r"setid.mat lacks variable\(s\) \['valid'\]"),
])
def test_inconsistent_setid_is_refused(write, setid, message):
    write(setid=setid)
    with pytest.raises(ValueError, match=message):
        load("flowers102", size=16)


@pytest.mark.parametrize("labels, message", [
    (np.where(LABELS == 102, 103, LABELS), r"labels has 18 values in 1..103, expected 18 values in 1..102"),
    (LABELS[:-1], r"labels has 17 values in 1..102, expected 18 values"),
])
def test_wrong_labels_are_refused(write, labels, message):
    write(labels=labels)
    with pytest.raises(ValueError, match=f"imagelabels.mat {message}"):
        load("flowers102", size=16)


def test_md5_mismatch_names_the_file(folder):
    path = folder / "setid.mat"
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    found = md5(bytes(data))
    with pytest.raises(ChecksumError, match=f"setid.mat md5 mismatch \\(expected [0-9a-f]{{32}}, found {found}"):
        load("flowers102", size=16)


def test_unreadable_archive_is_named(folder, patch_files):
    (folder / "102flowers.tgz").write_bytes(b"\x1f\x8b not really gzip")
    specs = (DataFile("102flowers.tgz", md5=md5((folder / "102flowers.tgz").read_bytes())),) + flowers102.FILES[1:]
    patch_files("flowers102", flowers102, "FILES", specs)
    with pytest.raises(ChecksumError, match="102flowers.tgz is not a readable tar.gz archive"):
        load("flowers102", size=16)


def test_verify_checks_every_md5(folder):
    assert [(p.name, status) for p, _, status in verify("flowers102")] == [
        ("102flowers.tgz", "md5 ok"), ("imagelabels.mat", "md5 ok"), ("setid.mat", "md5 ok")]


def test_fetch_downloads_the_three_files(folder, tmp_path, monkeypatch):
    import shutil

    from mllab.data import DATASETS
    from mllab.data.fetch import fetch

    upstream = tmp_path / "upstream"
    shutil.move(folder, upstream)
    specs = tuple(DataFile(f.name, None, (upstream / f.name).as_uri(), f.md5) for f in flowers102.FILES)
    monkeypatch.setattr(flowers102, "FILES", specs)
    monkeypatch.setitem(DATASETS.entry("flowers102").meta, "files", specs)
    cache = tmp_path / "cache" / "flowers102"
    assert fetch("flowers102") == [cache / f.name for f in specs]
    assert image_numbers(load("flowers102", size=16).test.x) == SETID["tstid"].tolist()


@pytest.mark.parametrize("recipe, size", [("s002_flowers102_small_cnn", 64), ("s002_flowers102_squeezenet", 128)])
def test_recipes_load_the_official_train_and_val(folder, recipe, size):
    from mllab.experiments.features import prepare_data
    from mllab.experiments.recipes import load_recipe
    from mllab.runs.config import resolve_config

    cfg = resolve_config(load_recipe(recipe))
    splits = prepare_data(cfg.data)
    assert splits.dataset.num_classes == 102 and splits.train.x.shape[1:] == (3, size, size)
    used = image_numbers(splits.train.x * 255) + image_numbers(splits.val.x * 255)  # scaled to 0..1 by the recipe
    assert sorted(used) == sorted(SETID["trnid"].tolist() + SETID["valid"].tolist())
    assert len(splits.test) == len(SETID["tstid"])


def test_small_cnn_recipe_trains_on_the_fixture(folder, tmp_path):
    from mllab.experiments.recipes import load_recipe
    from mllab.experiments.runner import run_group
    from mllab.runs.config import resolve_config

    cfg = resolve_config(load_recipe("s002_flowers102_small_cnn"),
                         ["training.epochs=1", "seeds=1", "output.figures=false"])
    summary = run_group(cfg, root=tmp_path / "runs", quiet=True)["summaries"][0]
    assert summary["status"] == "completed", summary.get("error")
    assert summary["final"] and summary["params"] > 0


def test_real_flowers102():
    require_real("flowers102")
    ds = load("flowers102")
    assert ds.train.x.shape == (1020, 3, 64, 64) and ds.test.x.shape == (6149, 3, 64, 64)
    assert np.bincount(ds.train.y, minlength=102).tolist() == [10] * 102
    assert len(load("flowers102", train_split="train+val").train) == 2040
    assert np.bincount(ds.test.y, minlength=102).min() >= 20
    assert {s for _, _, s in verify("flowers102")} == {"md5 ok"}
