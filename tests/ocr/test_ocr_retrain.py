"""Retraining the shipped classifier with the command in its PROVENANCE.md reaches its validation accuracy
within seed noise. About 9 CPU-minutes (2.6 to generate the dataset where MLLAB_CACHE lacks it, 6.2 to
train 10 epochs): marked retrain, run by
``make test-retrain`` (``pytest -m retrain``), not by ``make test``."""

import json
from pathlib import Path

import pytest

from mllab.ocr.classifier import BUNDLED

# Measured noise of the shipped configuration (bench/RESULTS.md, OCR): final val_accuracy of seeds 0, 1, 2 =
# 0.9244, 0.9241, 0.9252, sample standard deviation 0.00057. Three seeds pin a standard deviation down poorly:
# with 2 degrees of freedom its 95 % upper confidence bound is 4.4 times the estimate (chi-square), 0.0025.
# A retrain of seed 0 (the shipped run) may differ from it by float summation order on another machine, or by
# as much as another seed at worst: within 3 of those upper-bound standard deviations.
SEED_STD = 0.00057
SEED_STD_UPPER = 4.4 * SEED_STD
TOLERANCE = 3 * SEED_STD_UPPER  # 0.0075, about 40 of the 5400 validation images


@pytest.mark.retrain
def test_retraining_reaches_the_shipped_validation_accuracy(tmp_path, held_out):
    from tests.cli.cli_run import ENV, mllab

    env = {**ENV, "OMP_NUM_THREADS": "1"}
    mllab("train", "ocr_handwritten36", "training.threads=1", "--out", str(tmp_path), "-q", env=env)
    summary = json.loads(next(tmp_path.glob("ocr_handwritten36/*/seed0/summary.json")).read_text())
    shipped = json.loads((BUNDLED / "summary.json").read_text())
    assert summary["status"] == "completed"
    got, want = summary["final"]["val_accuracy"], shipped["final"]["val_accuracy"]
    assert abs(got - want) <= TOLERANCE, f"retrained val_accuracy {got:.4f}, shipped {want:.4f} (+- {TOLERANCE:.4f})"
    assert Path(summary["path"]).is_dir()
