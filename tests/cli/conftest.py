"""Fixtures of the CLI tests: one trained seed group shared by the tests that read runs or explain them."""

from pathlib import Path

import pytest
from cli_run import mllab


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory) -> Path:
    """A runs root holding one demo group trained once per test process through the command (2 epochs, seeds 0
    and 1): ``demo/<group>/seed0``, ``seed1``. Tests may add explanations, reports and figures beside the runs,
    not change or remove what training wrote."""
    root = tmp_path_factory.mktemp("demo") / "runs"
    mllab("train", "demo", "training.epochs=2", "training.threads=1", "--seeds", "2", "--out", str(root), "--quiet")
    return root
