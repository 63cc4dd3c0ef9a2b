"""What mllab export and training.log say when they cannot do it: one line each."""

import json
import sys

import pytest

from mllab.runs.export import figures, run_folders
from mllab.runs.rundir import RunDir
from mllab.trackers.content import epoch_scalars, hyperparameters, name
from tests.trackers.conftest import cli


def test_a_missing_extra_says_how_to_install_it(tmp_path, monkeypatch):
    run = tmp_path / "runs" / "e" / "g" / "seed0"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("experiment: e\n")
    for extra, package in (("tensorboard", "tensorboard"), ("mlflow", "mlflow-skinny")):
        monkeypatch.setitem(sys.modules, extra, None)  # import fails as if not installed
        result = cli("export", run, "--to", extra, "--out", tmp_path / "out")
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [f"error: {extra} needs the '{package}' package, which is not "
                                                      f"installed: install with pip install 'mllab[{extra}]'"]


def test_not_a_run_an_unknown_tracker_and_a_misspelt_log_are_one_line(tmp_path):
    result = cli("export", tmp_path, "--to", "tensorboard", "--out", tmp_path / "tb")
    assert result.exit_code == 2 and "no run folder here" in result.output and len(result.output.splitlines()) == 1
    (tmp_path / "config.yaml").write_text("experiment: e\n")
    result = cli("export", tmp_path, "--to", "wandb", "--out", tmp_path / "tb")
    assert result.exit_code == 2 and "mlflow" in result.output and "tensorboard" in result.output
    result = cli("train", "demo", "training.log=[tensorbord]", "--out", tmp_path)
    assert result.exit_code == 2 and "did you mean tensorboard" in result.output


def test_hostile_run_files_are_bounded_or_left_out(tmp_path):
    run = RunDir(tmp_path / "e" / "g" / "seed0").create()
    (run.figures / "real.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
    (run.figures / "link.png").symlink_to("/etc/passwd")
    (run.figures / "folder.png").mkdir()
    assert [n for n, _ in figures(run)] == ["real"]
    (tmp_path / "loop").symlink_to(tmp_path)  # os.walk does not follow it
    (run.path / "config.yaml").write_text("experiment: e\n")
    assert run_folders([tmp_path]) == [run.path]
    assert epoch_scalars({"epoch": 1, "a": float("nan"), "b": True, "c": 1}) == {"c": 1.0}
    assert name("x" * 300 + "<>") == "x" * 250 and name("a*b") == "a_b"
    assert len(hyperparameters({"a": ["x" * 7000]})["a"]) == 6000


def test_a_damaged_metrics_file_is_one_line_naming_it(tmp_path):
    pytest.importorskip("tensorboard")  # an optional extra: `make test` on a fresh machine has not got it
    run = RunDir(tmp_path / "e" / "g" / "seed0").create()
    result = cli("recipes", "show", "demo")
    (run.path / "config.yaml").write_text(result.output)
    (run.path / "metrics.jsonl").write_text(json.dumps({"epoch": "one"}) + "\n{}\n")
    result = cli("export", run.path, "--to", "tensorboard", "--out", tmp_path / "tb")
    assert result.exit_code == 2 and "metrics.jsonl: line 1" in result.output and len(result.output.splitlines()) == 1
