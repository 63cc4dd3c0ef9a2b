"""Shared set-up of tests/ and of the docstring examples under mllab/ (collected by pytest's --doctest-modules,
pyproject's [tool.pytest.ini_options]): one torch thread per test process, caches in a temp folder, and each
example run in an empty folder of its own, so that what it writes (``runs/``) lands where a user's would."""

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


@pytest.fixture(autouse=True)
def _examples_in_an_empty_folder(request, tmp_path, monkeypatch):
    """A docstring example (a DoctestItem: it has ``dtest``) runs in its own empty current folder."""
    if hasattr(request.node, "dtest"):
        monkeypatch.chdir(tmp_path)
