"""``model.backend: numpy`` through the run system: same files, exact resume, clear refusals."""

import json

import numpy as np
import pytest

from mllab.experiments.trial import run_one
from mllab.runs.config import resolve_config
from mllab.runs.rundir import RunDir

BASE = {"experiment": "s", "model": {"name": "mlp", "backend": "numpy", "params": {"hidden": [16]}},
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
        "data": {"val_fraction": 0.1}, "training": {"epochs": 4, "batch_size": 64, "select": "val_accuracy"},
        "output": {"figures": False}}


def test_scratch_mlp_trains_and_resumes_exactly(tmp_path):
    full = run_one(resolve_config(BASE), RunDir(tmp_path / "full"), tmp_path)
    assert full["status"] == "completed" and full["backend"] == "numpy" and full["final"]["test_accuracy"] > 0.85

    part_dir = RunDir(tmp_path / "part")
    run_one(resolve_config(BASE, ["training.epochs=2"]), part_dir, tmp_path)  # stands in for a run killed after 2
    resumed = run_one(resolve_config(BASE), part_dir, tmp_path, resume=True)
    assert resumed["final"] == full["final"]
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("seconds", "images_per_s")} for r in rs]  # noqa
    assert strip(part_dir.read_metrics()) == strip(RunDir(tmp_path / "full").read_metrics())
    assert json.loads((tmp_path / "part" / "summary.json").read_text())["best_epoch"] == full["best_epoch"]


def test_eval_of_a_scratch_run_matches_its_summary(tmp_path):
    from mllab.experiments.evaluate import evaluate_run

    summary = run_one(resolve_config(BASE, ["training.epochs=1"]), RunDir(tmp_path / "r"), tmp_path)
    again = evaluate_run(tmp_path / "r", [])
    assert again["test_accuracy"] == pytest.approx(summary["final"]["test_accuracy"])


@pytest.mark.parametrize("override, message", [
    ("penalty.l2=0.001", "use optimizer.weight_decay"),
    ("optimizer.name=adamw", "use sgd or adam"),
    ("training.loss=nll", "not available with model.backend=numpy"),
    ("model.params.widths=[3]", r"takes no parameter \['widths'\]"),
])
def test_unsupported_settings_are_refused_with_the_fix(tmp_path, override, message):
    with pytest.raises(ValueError, match=message):
        run_one(resolve_config(BASE, [override]), RunDir(tmp_path / "r"), tmp_path)


def test_scratch_cnn_run_draws_filters_before_and_after_and_a_deconvolution(tmp_path):
    cfg = resolve_config({"experiment": "s", "model": {"name": "cnn004_a", "backend": "numpy"},
                          "data": {"classes": [3, 1], "train_subset": 40, "test_subset": 20},
                          "training": {"epochs": 1, "batch_size": 1, "loss": "half_sse"}})
    summary = run_one(cfg, RunDir(tmp_path / "r"), tmp_path)
    assert summary["status"] == "completed"
    with np.load(tmp_path / "r" / "predictions.npz") as z:  # the recorded accuracy is that of the saved predictions
        assert len(z["y_true"]) == 20 and summary["final"]["test_accuracy"] == np.mean(z["y_true"] == z["y_pred"])
    drawn = {p.name for p in (tmp_path / "r" / "figures").glob("*.png")}
    assert {"filters_init.png", "filters_trained.png", "deconvolution.png", "curves.png"} <= drawn
    assert "train_conv_delta" in RunDir(tmp_path / "r").read_metrics()[0]


def test_scratch_mlp_run_draws_first_layer_weights(tmp_path):
    run_one(resolve_config(BASE, ["training.epochs=1", "output.figures=true"]), RunDir(tmp_path / "r"), tmp_path)
    drawn = {p.name for p in (tmp_path / "r" / "figures").glob("*.png")}
    assert {"first_layer_init.png", "first_layer_trained.png"} <= drawn
