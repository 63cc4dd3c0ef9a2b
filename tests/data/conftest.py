"""Fixtures of the data tests: a private data root, checksum patching, real-data skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mllab.data import DATASETS
from mllab.data.verify import dataset_files, present_files


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    """An empty MLLAB_DATA root and a fresh MLLAB_CACHE, both under tmp_path."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("MLLAB_DATA", str(root))
    monkeypatch.setenv("MLLAB_CACHE", str(tmp_path / "cache"))
    return root


@pytest.fixture
def patch_files(monkeypatch):
    """Point a loader's file list (module constant and registry meta) at fixture files with their own checksums."""

    def patch(name: str, module, attr: str, value, meta_key: str = "files", meta_value=None) -> None:
        monkeypatch.setattr(module, attr, value)
        monkeypatch.setitem(DATASETS.entry(name).meta, meta_key, value if meta_value is None else meta_value)

    return patch


def require_real(name: str) -> None:
    """Skip unless the real files of dataset ``name`` are on MLLAB_DATA."""
    meta = DATASETS.entry(name).meta
    if not present_files(meta["folders"], dataset_files(name)):
        pytest.skip(f"{name}: real files not found under MLLAB_DATA={os.environ.get('MLLAB_DATA', '')!r} "
                    f"(folders {meta['folders']}); set MLLAB_DATA to run this test")
