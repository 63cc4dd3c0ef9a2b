"""`mllab train`: config errors in one line, model switches, interruptions and resume, divergence, --jobs."""

import json
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
from cli_run import ENV, MLLAB, mllab

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


def test_a_config_error_stops_the_group_in_one_line_and_leaves_no_run_folder(tmp_path):
    proc = mllab("train", "demo", "model.params.chanels=[8,16]", "--seeds", "2", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "report:" not in proc.stdout
    assert proc.stderr.strip() == ("error: model.params: model 'small_cnn' takes no parameter ['chanels']; allowed: "
                                   "['channels', 'hidden', 'activation', 'dropout', 'fc_dropout', 'pool']; "
                                   "did you mean model.params.channels?")
    assert not list(tmp_path.glob("demo/*/seed*"))
    assert "Traceback" in mllab("--verbose", "train", "demo", "model.params.chanels=[8]", "--out", str(tmp_path),
                                check=False).stderr  # asked for


def test_progressive_resize_to_the_images_own_size_is_one_line_and_leaves_no_run_folder(tmp_path):
    proc = mllab("train", "demo", "training.progressive_resize.min_size=8", "--seeds", "2", "--out", str(tmp_path),
                 check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("error: training.progressive_resize.min_size: expected an image side below the "
                                   "data's (8 pixels, shape (1, 8, 8)), found 8; lower it, or set it to 0 to train "
                                   "at full size throughout")
    assert not list(tmp_path.glob("demo/*/seed*"))


def test_another_model_drops_the_recipe_model_params_and_says_so(tmp_path):
    proc = mllab("train", "demo", "model.name=mlp", "training.epochs=1", "--out", str(tmp_path), "--quiet")
    assert "model.name=mlp replaces small_cnn: its params ['channels', 'dropout'] are dropped" in proc.stderr
    assert "test accuracy:" in proc.stdout


def test_params_set_with_another_model_are_the_new_models_alone():
    """Bug: model.name=mlp model.params.widths=[16] kept small_cnn's channels and failed on them."""
    from mllab.experiments.recipes import config_for

    cfg = config_for("demo", ["model.name=mlp", "model.params.widths=[16]"])
    assert (cfg.model.name, cfg.model.params) == ("mlp", {"widths": [16]})


def test_sigterm_says_the_run_was_interrupted_and_how_to_resume(tmp_path):
    proc = subprocess.Popen(MLLAB + ["train", "demo", "--out", str(tmp_path), "--quiet"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1200):  # up to 2 minutes for the first epoch
        found = list(tmp_path.glob("demo/*/seed0/metrics.jsonl"))
        if (found and found[0].read_text().strip()) or proc.poll() is not None:  # a first epoch is done
            break
        subprocess.run(["sleep", "0.1"])
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    group = next(tmp_path.glob("demo/*"))
    assert proc.returncode == 130 and f"Resume with: mllab train --resume {group}" in err, err


def test_more_jobs_than_cores_warns(tmp_path):
    jobs = (os.cpu_count() or 1) + 1
    proc = mllab("train", "demo", "training.epochs=1", "--seeds", "2", "--jobs", str(jobs), "--out", str(tmp_path),
                 "--quiet")
    assert f"{jobs} trials at a time x 1 torch threads on {os.cpu_count()} CPU cores" in proc.stderr


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
