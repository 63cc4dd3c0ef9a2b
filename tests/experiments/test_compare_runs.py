"""``mllab runs compare``: overlaid curves labelled by config differences."""

import pytest
from typer.testing import CliRunner

from mllab.cli.main import app
from mllab.experiments.runner import run_group
from mllab.report.compare import config_differences, run_folders
from mllab.runs.config import resolve_config


@pytest.fixture(scope="module")
def two_groups(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    groups = []
    for lr in (0.1, 0.01):
        cfg = resolve_config({"experiment": "c", "model": {"name": "mlp"},
                              "optimizer": {"lr": lr}, "training": {"epochs": 2, "batch_size": 128},
                              "output": {"figures": False}})
        groups.append(root / run_group(cfg, root=root, quiet=True)["runs"][0])
    return groups


def test_labels_name_only_the_keys_that_differ():
    a = {"seed": 0, "optimizer": {"lr": 0.1, "momentum": 0.9}, "model": {"name": "mlp"}}
    b = {"seed": 1, "optimizer": {"lr": 0.01, "momentum": 0.9}, "model": {"name": "mlp"}}
    assert config_differences([a, b]) == ["optimizer.lr=0.1", "optimizer.lr=0.01"]
    assert config_differences([a, a]) == ["(same config)", "(same config)"]


def test_compare_draws_one_figure_and_expands_groups(two_groups, tmp_path):
    assert run_folders([two_groups[0].parent]) == [two_groups[0]]  # a group folder gives its seed folders
    out = tmp_path / "cmp.png"
    result = CliRunner().invoke(app, ["runs", "compare", *map(str, two_groups), "-m", "train_loss",
                                      "-m", "train_accuracy", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000 and "figure:" in result.output


def test_compare_names_a_missing_metric_and_what_was_recorded(two_groups, tmp_path):
    result = CliRunner().invoke(app, ["runs", "compare", *map(str, two_groups), "-m", "val_psnr",
                                      "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "val_psnr" in result.output and "train_loss" in result.output


def test_recorded_overrides_do_not_repeat_the_keys_they_set_in_labels():
    configs = [{"recipe": "demo", "overrides": [f"training.epochs={e}"], "training": {"epochs": e}} for e in (1, 2)]
    assert config_differences(configs) == ["training.epochs=1", "training.epochs=2"]
