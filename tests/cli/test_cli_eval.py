"""`mllab eval` scores a run's checkpoint again and reproduces the test metrics it recorded."""

import json
from pathlib import Path

from cli_run import mllab
from mllab.runs.rundir import RunDir


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def test_eval_reproduces_the_recorded_metrics_of_a_label_smoothed_classifier_and_a_vae(tmp_path):
    """Bug: eval crashed on a VAE (a classifier's task on its output) and dropped label smoothing."""
    mllab("train", "demo", "training.epochs=2", "training.label_smoothing=0.1", "--out", str(tmp_path), "--quiet")
    mllab("train", "s001_vae_fashion", "data.name=digits", "training.epochs=2", "--out", str(tmp_path), "--quiet")
    for experiment in ("demo", "s001_vae_fashion"):
        run = next(tmp_path.glob(f"{experiment}/*/seed0"))
        out = mllab("eval", str(run)).stdout
        recorded = {k: v for k, v in summary(run)["final"].items() if k.startswith("test_")}
        assert len(recorded) >= 2, recorded
        for key, value in recorded.items():
            assert f"{key.replace('_', ' ')}: {value:.4f}" in out, (experiment, key, out)


def test_eval_of_a_weight_averaged_run_scores_the_average_it_recorded(tmp_path):
    """training.ema: the checkpoint eval reads holds the average the run's test metrics came from."""
    mllab("train", "demo", "training.epochs=2", "training.ema=0.9", "--out", str(tmp_path), "--quiet")
    run = next(tmp_path.glob("demo/*/seed0"))
    final = summary(run)["final"]
    assert "trained" in RunDir(run).load_checkpoint("last")  # the net's own weights, kept for a resume
    out = mllab("eval", str(run)).stdout
    assert out.split() == ["test", "loss:", f"{final['test_loss']:.4f}", "test", "accuracy:",
                           f"{final['test_accuracy']:.4f}"]


def test_eval_of_a_classical_run_reproduces_its_test_accuracy(tmp_path):
    """A fitted estimator is the run's checkpoint (last.npz + last.json, no pickle): eval refits nothing and scores
    it again."""
    mllab("train", "demo", "model.name=ridge", "model.params={alpha: 1.0}", "--out", str(tmp_path), "--quiet")
    run = next(tmp_path.glob("demo/*/seed0"))
    assert {p.name for p in (run / "checkpoints").iterdir()} == {"last.npz", "last.json"}
    out = mllab("eval", str(run)).stdout
    assert out.strip() == f"test accuracy: {summary(run)['final']['test_accuracy']:.4f}"
