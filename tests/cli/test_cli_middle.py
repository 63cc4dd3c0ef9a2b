"""Regression tests, through the ``mllab`` command, of the bugs the runs/backends reshaping fixed."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
from cli_run import ENV, mllab
from mllab.runs.rundir import RunDir

NUMPY_MLP = ["demo", "model.backend=numpy", "model.name=mlp", "model.params={hidden: [32]}", "optimizer.name=sgd",
             "optimizer.lr=0.1", "optimizer.momentum=0.9", "schedule.name=constant", "training.augment={}",
             "--quiet"]


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def epochs(run: Path) -> list[int]:
    return [json.loads(line)["epoch"] for line in (run / "metrics.jsonl").read_text().splitlines()]


def as_killed(run: Path, epochs_planned: int) -> None:
    """Leave ``run`` as a kill after its last epoch leaves it: the config plans more epochs, the summary says
    running and names a process that no longer exists."""
    config = (run / "config.yaml").read_text()
    (run / "config.yaml").write_text(config.replace("epochs: 3\n", f"epochs: {epochs_planned}\n", 1))
    s = summary(run)
    (run / "summary.json").write_text(json.dumps({**s, "status": "running", "owner": {**s["owner"], "pid": -1}}))


def test_resume_of_a_numpy_engine_run_continues_from_its_checkpoint(tmp_path):
    """Bug: --resume restarted a numpy run at epoch 1 and appended to metrics.jsonl (it looked for last.pt)."""
    mllab("train", *NUMPY_MLP, "training.epochs=6", "--out", str(tmp_path / "full"))
    mllab("train", *NUMPY_MLP, "training.epochs=3", "--out", str(tmp_path / "killed"))
    full, run = (next((tmp_path / d).glob("demo/*/seed0")) for d in ("full", "killed"))
    as_killed(run, 6)
    assert (run / "checkpoints" / "last.npz").is_file() and not (run / "checkpoints" / "last.pt").exists()
    before = summary(run)
    mllab("train", "--resume", str(run), "--quiet")
    assert epochs(run) == [1, 2, 3, 4, 5, 6]
    for cost in ("wall_seconds", "cpu_seconds"):  # the resumed part adds to what the first part cost
        assert summary(run)[cost] > before[cost] > 0, cost
    assert summary(run)["final"] == summary(full)["final"] and summary(run)["status"] == "completed"


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


def test_a_numpy_run_whose_loss_blows_up_is_recorded_as_diverged(tmp_path):
    """Bug: the runner compared the torch error's class name, so a numpy run that diverged showed as failed."""
    proc = mllab("train", *NUMPY_MLP, "optimizer.lr=1e12", "training.epochs=2", "--out", str(tmp_path),
                 check=False)
    assert proc.returncode == 1 and "seed 0 diverged" in proc.stderr
    run = next(tmp_path.glob("demo/*/seed0"))
    assert summary(run)["status"] == "diverged" and "NonFiniteLossError" in summary(run)["error"]


def test_a_numpy_mlp_on_rgb_images_draws_its_first_layer_weights(tmp_path):
    """Bug: the first-layer weight figure reshaped RGB weights to one channel and failed before epoch 1."""
    if "flowers17" not in os.environ.get("MLLAB_DATA", "") and not any(
            (Path(p) / "flowers17").is_dir() for p in os.environ.get("MLLAB_DATA", "").split(":") if p):
        pytest.skip("Flowers-17 (RGB) is not on MLLAB_DATA")
    mllab("train", *NUMPY_MLP, "data.name=flowers17", "data.options={size: 16}", "data.train_subset=170",
          "data.test_subset=68", "data.val_fraction=0", "training.select=null", "training.epochs=1",
          "--out", str(tmp_path))
    run = next(tmp_path.glob("demo/*/seed0"))
    assert summary(run)["status"] == "completed"
    from PIL import Image

    image = np.asarray(Image.open(run / "figures" / "first_layer_trained.png").convert("RGB"))
    assert np.ptp(image[..., 0].astype(int) - image[..., 2].astype(int)) > 0  # the weights are drawn in colour


def test_runs_published_rebuilds_a_stand_in_group_with_a_command_that_runs(tmp_path):
    """Bug: the command for a stand-in group ended in data.stand_in=[], which then asked for the absent data."""
    env = {**ENV, "MLLAB_DATA": str(tmp_path / "empty"), "MLLAB_CACHE": str(tmp_path / "cache")}
    mllab("train", "demo", "data.name=svhn", "data.stand_in=[digits]", "training.epochs=1", "published=[s000-mlp]",
          "--out", str(tmp_path / "first"), "--quiet", env=env)
    table = mllab("runs", "published", "--root", str(tmp_path / "first"), env=env).stdout
    command = table.split("`")[1]
    assert "stand_in=[]" not in command and "data.name=svhn" in command
    rebuilt = mllab(*command.split()[1:], "--out", str(tmp_path / "second"), "--quiet", env=env)
    assert "dataset: digits, standing in for svhn" in rebuilt.stdout


def test_eval_of_a_classical_run_reproduces_its_test_accuracy(tmp_path):
    """A fitted estimator is the run's checkpoint (last.npz + last.json, no pickle): eval refits nothing and scores
    it again."""
    mllab("train", "demo", "model.name=ridge", "model.params={alpha: 1.0}", "--out", str(tmp_path), "--quiet")
    run = next(tmp_path.glob("demo/*/seed0"))
    assert {p.name for p in (run / "checkpoints").iterdir()} == {"last.npz", "last.json"}
    out = mllab("eval", str(run)).stdout
    assert out.strip() == f"test accuracy: {summary(run)['final']['test_accuracy']:.4f}"
