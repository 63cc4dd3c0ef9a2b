"""Shared test set-up: one torch thread per test process, caches in a temp folder."""

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never write to the user's ~/.cache/mllab from a test."""
    if not os.environ.get("MLLAB_CACHE_TESTS_SHARED"):
        monkeypatch.setenv("MLLAB_CACHE", str(tmp_path_factory.getbasetemp() / "mllab-cache"))
