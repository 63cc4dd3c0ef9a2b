"""Every registered dataset, by registry: metadata complete, and a clear error when its files are absent."""

import inspect

import pytest

from mllab.data import DATASETS, MissingDataError, load
from mllab.data.files import DataFile

NAMES = DATASETS.names()
WITH_FILES = [n for n in NAMES if DATASETS.entry(n).meta["files"]]


def test_expected_datasets_registered():
    expected = {"digits", "mnist", "fashion_mnist", "emnist", "cifar10", "svhn", "nist36", "sst2", "flowers17",
                "flowers102"}
    assert expected <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    entry = DATASETS.entry(name)
    meta = entry.meta
    assert meta["kind"] in ("image", "text") and entry.doc
    assert isinstance(meta["folders"], tuple) and isinstance(meta["files"], tuple)
    assert all(isinstance(f, DataFile) for f in meta["files"] + meta.get("alt_files", ()))
    assert all(f.md5 or f.sha256 for f in meta["files"] if f.url), "a downloadable file needs a checksum"
    if meta.get("archive") is not None:
        assert meta["archive"].url and any(f.url is None for f in meta["files"])
    params = inspect.signature(entry.factory).parameters.values()
    assert all(p.default is not p.empty for p in params), "load(name) must work without options"


@pytest.mark.parametrize("name", WITH_FILES)
def test_missing_files_name_the_file_and_the_fix(name, data_root):
    first = DATASETS.entry(name).meta["files"][0].name
    with pytest.raises(MissingDataError) as err:
        load(name)
    msg = str(err.value)
    assert first in msg and str(data_root) in msg and f"mllab data fetch {name}" in msg
