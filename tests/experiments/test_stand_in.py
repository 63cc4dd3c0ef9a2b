"""Stand-in datasets: an absent dataset is replaced by the first present stand-in, and every output says so."""

import json
import logging

import pytest
import yaml

from mllab.data.files import MissingDataError
from mllab.data.verify import is_present
from mllab.experiments.runner import run_group
from mllab.experiments.stand_in import apply_stand_in
from mllab.runs.config import resolve_config
from mllab.runs.published import dataset_note


@pytest.fixture(autouse=True)
def empty_data(tmp_path, monkeypatch):
    """No dataset files anywhere: only the built-in digits are present."""
    monkeypatch.setenv("MLLAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("MLLAB_CACHE", str(tmp_path / "cache"))


def config(name, stand_in, *overrides):
    return resolve_config({"experiment": "t", "data": {"name": name, "stand_in": stand_in,
                                                        "transforms": ["scale", "flatten"]}}, list(overrides))


def test_presence_of_builtin_and_absent_datasets():
    assert is_present("digits")
    assert not is_present("svhn") and not is_present("fashion_mnist")


def test_present_dataset_keeps_its_config():
    cfg = config("digits", ["mnist"])
    assert apply_stand_in(cfg) is cfg


def test_absent_dataset_runs_on_first_present_stand_in(caplog):
    with caplog.at_level(logging.WARNING):
        cfg = apply_stand_in(config("svhn", ["fashion_mnist", "digits"]))
    assert (cfg.data.name, cfg.data.stands_in_for, cfg.data.stand_in) == ("digits", "svhn", [])
    assert "svhn: files not found" in caplog.text and "stand-in digits" in caplog.text
    assert apply_stand_in(cfg) is cfg, "applying twice changes nothing"


def test_no_present_stand_in_names_all_and_the_fix():
    with pytest.raises(MissingDataError) as err:
        apply_stand_in(config("svhn", ["fashion_mnist", "mnist"]))
    msg = str(err.value)
    assert "svhn" in msg and "fashion_mnist, mnist" in msg and "mllab data fetch svhn" in msg


def test_unknown_stand_in_is_an_error_naming_it():
    with pytest.raises(KeyError, match="no_such_set"):
        apply_stand_in(config("svhn", ["no_such_set"]))


def test_dataset_note():
    assert dataset_note("svhn", ["svhn"]) == ""
    assert dataset_note("mnist", ["svhn"]) == ("This run is on mnist: published values on another dataset "
                                               "are not comparable.")
    assert "standing in for svhn" in dataset_note("digits", ["svhn"], "svhn")


def test_run_on_a_stand_in_records_it_everywhere(tmp_path):
    cfg = config("svhn", ["digits"], "published=[s000-mlp]", "model.name=mlp", "model.params={widths: [16]}",
                 "training.epochs=1", "seeds=2")
    result = run_group(cfg, root=tmp_path / "runs", quiet=True)
    seed = tmp_path / "runs" / result["runs"][0]
    summary = json.loads((seed / "summary.json").read_text())
    assert (summary["dataset"], summary["stands_in_for"], summary["status"]) == ("digits", "svhn", "completed")
    assert summary["published_values"] == [{"id": "s000-mlp", "model": "mlp", "dataset": "svhn",
                                            "metric": "test_accuracy", "value": 0.7825, "std": None}]
    saved = yaml.safe_load((seed / "config.yaml").read_text())["data"]
    assert (saved["name"], saved["stands_in_for"]) == ("digits", "svhn")
    assert (result["dataset"], result["stands_in_for"]) == ("digits", "svhn")
    table = (tmp_path / "runs" / result["group"] / "table.md").read_text()
    assert "standing in for svhn" in table and "| s000-mlp | mlp | svhn |" in table
    assert "standing in for svhn" in (seed / "report.html").read_text()
    assert "standing in for svhn" in (tmp_path / "runs" / result["group"] / "report.html").read_text()
