"""The classifier shipped in the package: its checkpoint is the one recorded, and it still scores what its
run recorded on the regenerated held-out test split (so the generator and the glyph normalization have not
drifted from what it was trained on)."""

import hashlib

import numpy as np
import pytest

from mllab.ocr.classifier import BUNDLED, BUNDLED_CHECKPOINT, BUNDLED_SHA256, Classifier, bundled_run

PER_CLASS = 10  # the first 10 test images of each class: the very images of the full test split


def test_checksum_matches_and_a_changed_file_is_refused(tmp_path, monkeypatch):
    assert hashlib.sha256((BUNDLED / BUNDLED_CHECKPOINT).read_bytes()).hexdigest() == BUNDLED_SHA256
    assert bundled_run() == BUNDLED
    monkeypatch.setattr("mllab.ocr.classifier.BUNDLED_SHA256", "0" * 64)
    with pytest.raises(Exception, match="sha256"):
        bundled_run()


def test_shipped_accuracy_reproduces_on_regenerated_test_images(held_out):
    from mllab.data.handwritten36 import font_families, generate

    classifier = Classifier(bundled_run())
    split = generate(font_families()[1], held_out[1], PER_CLASS, seed=0, split=1)
    accuracy = float((classifier.probabilities(split.x).argmax(1) == split.y).mean())
    recorded = classifier.run.summary["final"]["test_accuracy"]
    # 360 images: binomial standard error about 0.015 at 0.9; allow 4 of them
    assert abs(accuracy - recorded) < 4 * np.sqrt(recorded * (1 - recorded) / len(split.y)) + 0.01


def test_nothing_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    # a copied runs/ tree holding a newer run of the recipe does not decide what reads a page (mllab.ocr.read
    # and mllab ocr both choose through choose_run)
    import inspect
    import shutil

    import mllab.ocr
    from mllab.ocr.classifier import choose_run

    planted = tmp_path / "runs" / "ocr_handwritten36" / "20990101-000000-x-0000" / "seed0"
    shutil.copytree(BUNDLED, planted)
    monkeypatch.chdir(tmp_path)
    assert choose_run() == BUNDLED and choose_run(planted) == planted
    assert "runs_root" not in inspect.signature(mllab.ocr.read).parameters
