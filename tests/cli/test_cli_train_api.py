"""``mllab train`` trains through the Python API (``mllab.train``, :func:`mllab.experiments.api.train`): the
command passes what it was given, prints the group the API returns, and names the folder the API announced
when it is interrupted. (Real training through the command: tests/cli/test_cli.py, test_cli_train.py.)"""

from pathlib import Path

from typer.testing import CliRunner

import mllab
from mllab.cli.main import app
from mllab.experiments import api


def fake_train(calls, group, stop=False):
    def train(recipe, overrides=(), seeds=None, out=None, quiet=True, jobs=1, *, announce=None):
        calls.append((recipe, list(overrides), seeds, out, quiet, jobs))
        announce(group)
        if stop:
            raise KeyboardInterrupt
        record = {"group": str(group), "runs": [str(group / "seed0"), str(group / "seed1")], "model": "small_cnn",
                  "dataset": "digits", "published_vs_measured": [], "summaries": [{"status": "completed"}] * 2,
                  "table": {"test_accuracy": {"mean": 0.91234, "std": 0.01, "max": 0.92, "n": 2}}}
        return api.Group(group, record["table"], [], record)

    return train


def test_mllab_train_is_the_api_train_with_the_commands_arguments(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(api, "train", fake_train(calls, tmp_path / "g"))
    result = CliRunner().invoke(app, ["train", "demo", "training.epochs=1", "--seeds", "2", "--jobs", "2",
                                      "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert calls == [("demo", ["training.epochs=1"], 2, tmp_path, True, 2)]
    assert "test accuracy: 0.9123 (std 0.0100, max 0.9200, 2 seeds)" in result.stdout
    assert f"table: {tmp_path / 'g' / 'table.md'}" in result.stdout


def test_an_interrupted_api_train_names_the_group_it_announced(monkeypatch, tmp_path):
    (tmp_path / "g").mkdir()
    monkeypatch.setattr(api, "train", fake_train([], tmp_path / "g", stop=True))
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 130
    assert f"interrupted; finished epochs are kept. Resume with: mllab train --resume {tmp_path / 'g'}" \
        in result.stderr


def test_mllab_train_is_the_api_function_and_its_group_loads_runs_when_asked(monkeypatch):
    assert mllab.train is api.train
    loaded = []
    monkeypatch.setattr(api, "load_run", lambda p: loaded.append(p) or Path(p))
    group = api.Group(Path("g"), {}, [], {"runs": ["g/seed0", "g/seed1"]})
    assert loaded == []  # mllab train prints the table without loading any run back
    assert group.runs == [Path("g/seed0"), Path("g/seed1")] and loaded == ["g/seed0", "g/seed1"]
