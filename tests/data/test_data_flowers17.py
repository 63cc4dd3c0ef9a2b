"""Flowers-17 on small JPEG fixtures (17 classes x 4 images), and on the real images when present."""

import hashlib

import numpy as np
import pytest

import mllab.data.flowers17 as flowers17
from conftest import require_real
from mllab.data import ChecksumError, load
from mllab.data.files import DataFile
from mllab.data.verify import verify

PER_CLASS = 4


@pytest.fixture
def jpgs(data_root, monkeypatch):
    """68 landscape JPEGs (48x32): red left half, blue right half, a class-dependent green level."""
    from PIL import Image

    folder = data_root / "flowers17" / "jpg"
    folder.mkdir(parents=True)
    files = tuple(DataFile(f"jpg/image_{n:04d}.jpg") for n in range(1, 17 * PER_CLASS + 1))
    hashes = {}
    for n, spec in enumerate(files):
        img = np.zeros((32, 48, 3), np.uint8)
        img[:, :24, 0], img[:, 24:, 2], img[..., 1] = 230, 230, 10 * (n // PER_CLASS)
        Image.fromarray(img).save(data_root / "flowers17" / spec.name, quality=95)
        hashes[spec.name] = hashlib.sha256((data_root / "flowers17" / spec.name).read_bytes()).hexdigest()
    sums = flowers17.manifest(hashes)
    monkeypatch.setattr(flowers17, "FILES", files)
    monkeypatch.setattr(flowers17, "PER_CLASS", PER_CLASS)
    monkeypatch.setattr(flowers17, "TRAIN_PER_CLASS", 3)
    monkeypatch.setattr(flowers17, "MANIFEST_SHA256", hashlib.sha256(sums).hexdigest())
    (data_root / "flowers17" / "SHA256SUMS").write_bytes(sums)
    return data_root / "flowers17"


def test_fixture_load_resizes_and_splits(jpgs):
    ds = load("flowers17", size=16)
    assert ds.train.x.shape == (51, 3, 16, 16) and ds.test.x.shape == (17, 3, 16, 16) and ds.train.x.dtype == np.uint8
    assert np.bincount(ds.train.y).tolist() == [3] * 17 and np.bincount(ds.test.y).tolist() == [1] * 17
    x = ds.train.x.astype(int)
    # shorter side 32 -> 16, width 48 -> 24, centre crop keeps columns 4..19: red left, blue right, channels in order
    assert (x[:, 0, :, :3] > 180).all() and (x[:, 2, :, :3] < 60).all()
    assert (x[:, 2, :, -3:] > 180).all() and (x[:, 0, :, -3:] < 60).all()
    green = x[:, 1, 8, 8]  # the class's green level survives: labels follow the file numbers
    assert np.all(np.abs(green - 10 * ds.train.y) < 12)
    assert ds.classes[0] == "Daffodil" and ds.classes[16] == "Pansy" and ds.info["size"] == 16


def test_split_is_fixed_and_disjoint(jpgs):
    y = np.arange(17 * PER_CLASS) // PER_CLASS
    train, test = flowers17.split_indices(y)
    again = flowers17.split_indices(y)
    assert np.array_equal(train, again[0]) and not set(train) & set(test) and len(train) + len(test) == len(y)
    assert not np.array_equal(train, flowers17.split_indices(y, seed=1)[0])


def test_cached_per_size(jpgs, monkeypatch):
    first = load("flowers17", size=16)
    calls = []
    monkeypatch.setattr(flowers17, "decode", lambda *a: calls.append(1) or np.zeros((3, 8, 8), np.uint8))
    assert np.array_equal(load("flowers17", size=16).train.x, first.train.x) and calls == []
    assert load("flowers17", size=8).train.x.shape == (51, 3, 8, 8) and len(calls) == 68


def test_changed_image_named_with_both_hashes(jpgs):
    path = jpgs / "jpg" / "image_0007.jpg"
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(path.read_bytes() + b"\0")
    found = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ChecksumError, match=f"image_0007.jpg sha256 mismatch \\(expected {expected}, found {found}\\)"):
        load("flowers17", size=16)
    with pytest.raises(ChecksumError, match="image_0007.jpg"):
        verify("flowers17")


def test_tampered_sums_file_is_refused(jpgs):
    sums = jpgs / "SHA256SUMS"
    sums.write_text(sums.read_text().replace("image_0001", "image_0002", 1))
    with pytest.raises(ChecksumError, match="SHA256SUMS lists other hashes"):
        load("flowers17", size=16)


def test_without_sums_file_the_hash_list_is_checked(jpgs):
    (jpgs / "SHA256SUMS").unlink()
    assert {s for _, _, s in verify("flowers17")} == {"list ok"}
    (jpgs / "jpg" / "image_0003.jpg").write_bytes(b"\xff\xd8 broken")
    with pytest.raises(ChecksumError, match="differ from the official set"):
        load("flowers17", size=16)


def test_size_option_is_checked(jpgs):
    with pytest.raises(ValueError, match="size must be between 8 and 1024 pixels; got 4"):
        load("flowers17", size=4)


@pytest.mark.parametrize("corrupt", [False, True])
def test_fetch_extracts_the_tgz(jpgs, tmp_path, monkeypatch, corrupt):
    import shutil
    import tarfile

    from mllab.data import DATASETS
    from mllab.data.fetch import fetch

    if corrupt:
        (jpgs / "jpg" / "image_0005.jpg").write_bytes(b"\xff\xd8 not the official bytes")
    tgz = tmp_path / "17flowers.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(jpgs / "jpg", arcname="jpg")
    shutil.rmtree(jpgs)
    meta = DATASETS.entry("flowers17").meta
    monkeypatch.setitem(meta, "archive", DataFile("17flowers.tgz", None, tgz.as_uri()))
    monkeypatch.setitem(meta, "files", flowers17.FILES)  # the fixture's 68 images
    cache = tmp_path / "cache" / "flowers17"
    if corrupt:  # the final check fails: nothing extracted stays
        with pytest.raises(ChecksumError, match="differ from the official set"):
            fetch("flowers17")
        assert not [p for p in cache.rglob("*") if p.is_file()]
        return
    assert fetch("flowers17") == [cache / f.name for f in flowers17.FILES] and not (cache / "17flowers.tgz").exists()
    assert load("flowers17", size=16).train.x.shape == (51, 3, 16, 16)


def test_real_flowers17():
    require_real("flowers17")
    ds = load("flowers17")
    assert ds.train.x.shape == (1020, 3, 64, 64) and ds.test.x.shape == (340, 3, 64, 64)
    assert np.bincount(ds.train.y).tolist() == [60] * 17
    centre = {c: ds.train.x[ds.train.y == i][:, :, 24:40, 24:40].mean(axis=(0, 2, 3)) for i, c in enumerate(ds.classes)}
    for yellow in ("Dandelion", "Buttercup", "Daffodil"):  # RGB order: yellow flowers are red+green, little blue
        assert centre[yellow][0] > 4 * centre[yellow][2]
    assert centre["Bluebell"][2] > centre["Bluebell"][0]
    assert {s for _, _, s in verify("flowers17")} == {"sha256 ok"}
