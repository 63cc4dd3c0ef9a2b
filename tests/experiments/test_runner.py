"""The runner end to end in-process, on the embedded digits (no files needed)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mllab.experiments.runner import run_group
from mllab.runs.config import resolve_config


def run(tmp_path, **sections):
    cfg = resolve_config({"experiment": "t", "training": {"epochs": 2, "batch_size": 64}, **sections})
    return run_group(cfg, root=tmp_path, quiet=True)


def test_vae_run_writes_samples_interpolation_and_psnr(tmp_path):
    result = run(tmp_path, model={"name": "vae", "params": {"latent": 4, "hidden": [32]}},
                 optimizer={"name": "adam", "lr": 0.003})
    seed = tmp_path / result["runs"][0]
    with np.load(seed / "generative.npz") as z:
        assert z["samples"].shape == (64, 1, 8, 8)
        assert z["interpolation"].shape == (9, 1, 8, 8)
        assert z["reconstructions"].shape == z["inputs"].shape
    summary = json.loads((seed / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["final"]["test_psnr"] > 5
    assert {"samples.png", "interpolation.png", "reconstructions.png"} <= {p.name for p in (seed / "figures").iterdir()}


def test_classifier_run_records_predictions_and_index(tmp_path):
    result = run(tmp_path, model={"name": "mlp", "params": {"widths": [32]}}, data={"transforms": ["scale", "flatten"]})
    seed = tmp_path / result["runs"][0]
    with np.load(seed / "predictions.npz") as z:
        acc = float(np.mean(z["y_true"] == z["y_pred"]))
    assert acc == pytest.approx(result["table"]["test_accuracy"]["mean"])
    from mllab.runs.index import list_runs

    rows = list_runs(tmp_path / "index.sqlite")
    assert rows[0]["status"] == "completed" and rows[0]["metrics"]["test_accuracy"] == pytest.approx(acc)


def test_unknown_model_param_names_the_allowed_ones(tmp_path):
    from mllab.models.registry import create_model

    with pytest.raises(ValueError, match=r"lenet5.*takes no parameter \['widht'\]; allowed"):
        create_model("lenet5", (1, 28, 28), 10, widht=3)


def test_raw_pixels_without_scale_are_refused_before_anything_is_written(tmp_path):
    from mllab.core.errors import MllabError

    with pytest.raises(MllabError, match="add 'scale' to data.transforms"):
        run(tmp_path, data={"transforms": []})
    assert not list(tmp_path.glob("*/*/seed*"))  # a data error leaves no run folder behind


def test_svm_on_network_features_from_a_trained_run(tmp_path):
    net = run(tmp_path, model={"name": "small_cnn", "params": {"channels": [16, 32], "hidden": 24}},
              optimizer={"name": "adam", "lr": 0.003}, training={"epochs": 3, "batch_size": 64})
    feats = run(tmp_path, model={"name": "svm", "params": {"kernel": "linear"}},
                data={"features_from": str(tmp_path / net["runs"][0])})
    summary = feats["summaries"][0]
    assert summary["status"] == "completed", summary.get("error")
    assert summary["final"]["test_accuracy"] > 0.8  # features of a network that learned something
    with pytest.raises(ValueError, match="Use the same data.name and data.transforms"):
        from mllab.experiments.features import prepare_data

        prepare_data(resolve_config({"data": {"transforms": ["scale", "flatten"],
                                              "features_from": str(tmp_path / net["runs"][0])}}).data)


def test_classical_run_draws_the_figures_that_apply(tmp_path):
    ridge = run(tmp_path, model={"name": "ridge", "params": {"alpha": 1.0}})
    spline = run(tmp_path, model={"name": "spline_regression", "params": {"n_knots": 2}})
    assert (tmp_path / ridge["runs"][0] / "figures" / "weight_maps.png").is_file()
    assert spline["summaries"][0]["status"] == "completed"  # hinge features: no per-pixel weight map
    assert not (tmp_path / spline["runs"][0] / "figures" / "weight_maps.png").exists()


def test_a_subset_fitted_svm_is_scored_on_the_rows_it_fitted(tmp_path, monkeypatch):
    from mllab.models.classical.svm import KernelSVM

    scored = []
    original = KernelSVM.score
    monkeypatch.setattr(KernelSVM, "score", lambda self, X, y: scored.append(len(X)) or original(self, X, y))
    result = run(tmp_path, model={"name": "svm", "params": {"kernel": "linear", "train_subset": 300}})
    assert result["summaries"][0]["status"] == "completed"
    assert scored == [300]


GROUP = {"experiment": "g", "seeds": 3, "model": {"name": "mlp", "params": {"widths": [32]}},
         "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9}, "training": {"epochs": 3, "batch_size": 64},
         "output": {"figures": False}}


def finals(result):
    return [s["final"] for s in result["summaries"]]


def test_a_killed_group_resumes_its_unfinished_seeds_and_ends_as_an_uninterrupted_one(tmp_path):
    from mllab.experiments.runner import resume_group, seed_config
    from mllab.experiments.trial import run_one
    from mllab.runs.rundir import RunDir

    full = run_group(resolve_config(GROUP), root=tmp_path / "full", quiet=True)
    killed = run_group(resolve_config(GROUP), root=tmp_path / "killed", quiet=True)
    group = Path(killed["group"])
    # as a kill during seed 1's third epoch leaves it: seed 0 done, seed 1 at its epoch-2 checkpoint, no seed 2
    (group / "aggregate.json").unlink()
    shutil.rmtree(group / "seed2")
    shutil.rmtree(group / "seed1")
    cfg1 = seed_config(resolve_config(GROUP, ["training.epochs=2"]), 1)
    seed1 = RunDir(group / "seed1")
    run_one(cfg1, seed1, tmp_path / "killed", quiet=True)
    killed_owner = {**seed1.read_summary()["owner"], "pid": -1}  # no such process: killed
    seed1.write_summary({**seed1.read_summary(), "status": "running", "owner": killed_owner})  # as a kill leaves it
    seed0_metrics = (group / "seed0" / "metrics.jsonl").stat().st_mtime_ns

    resumed = resume_group(group, quiet=True)
    assert finals(resumed) == finals(full) and resumed["seeds"] == [0, 1, 2]
    assert (group / "seed0" / "metrics.jsonl").stat().st_mtime_ns == seed0_metrics  # a completed seed is kept
    assert [json.loads(line)["epoch"] for line in (group / "seed1" / "metrics.jsonl").read_text().splitlines()] \
        == [1, 2, 3]
    assert json.loads((group / "aggregate.json").read_text())["table"]["test_accuracy"]["n"] == 3


def test_a_group_grows_to_more_seeds_as_if_trained_with_them_and_never_shrinks(tmp_path):
    from mllab.experiments.runner import resume_group
    from mllab.runs.group import GROUP_CONFIG, group_config

    full = run_group(resolve_config(GROUP), root=tmp_path / "full", quiet=True)
    group = Path(run_group(resolve_config(GROUP, ["seeds=2"]), root=tmp_path / "grown", quiet=True)["group"])
    seed0_metrics = (group / "seed0" / "metrics.jsonl").stat().st_mtime_ns

    grown = resume_group(group, quiet=True, seeds=3)
    assert finals(grown) == finals(full) and grown["seeds"] == [0, 1, 2]
    assert (group / "seed0" / "metrics.jsonl").stat().st_mtime_ns == seed0_metrics  # not retrained
    assert group_config(group).seeds == 3  # group.yaml says 3, so a kill while growing resumes to 3
    assert json.loads((group / "aggregate.json").read_text())["table"]["test_accuracy"]["n"] == 3
    before = (group / GROUP_CONFIG).read_text()
    with pytest.raises(ValueError, match="a group only grows: it has 3 seeds, --seeds asked for 2"):
        resume_group(group, quiet=True, seeds=2)
    assert (group / GROUP_CONFIG).read_text() == before


def test_a_group_without_group_yaml_resumes_the_seeds_it_has(tmp_path):
    from mllab.runs.group import GROUP_CONFIG, group_config

    group = Path(run_group(resolve_config(GROUP, ["seeds=2"]), root=tmp_path, quiet=True)["group"])
    (group / GROUP_CONFIG).unlink()  # written since 2026-11-23; older groups have only their seeds' configs
    assert (group_config(group).seed, group_config(group).seeds) == (0, 2)
    (group / "seed3").mkdir()
    (group / "seed3" / "config.yaml").write_text((group / "seed1" / "config.yaml").read_text())
    with pytest.raises(ValueError, match=r"seed folders \[0, 1, 3\] are not consecutive"):
        group_config(group)
    with pytest.raises(FileNotFoundError, match="neither group.yaml nor seed"):
        group_config(tmp_path)
