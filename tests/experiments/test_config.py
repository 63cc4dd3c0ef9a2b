import re
from pathlib import Path

import pytest

from mllab.core.config import parse_override
from mllab.core.errors import ConfigError
from mllab.core.names import name_problem, under
from mllab.experiments.recipes import RECIPES, config_for, load_recipe, merge
from mllab.runs.config import RunConfig, resolve_config


def test_defaults_file_and_overrides_merge():
    cfg = resolve_config({"training": {"epochs": 7, "batch_size": 32}}, ["training.epochs=3", "optimizer.lr=0.5"])
    assert (cfg.training.epochs, cfg.training.batch_size, cfg.optimizer.lr) == (3, 32, 0.5)
    assert cfg.schedule.name == "constant"


def test_override_values_are_yaml():
    assert parse_override("schedule.milestones=[30, 40]") == (["schedule", "milestones"], [30, 40])
    assert parse_override("schedule.phases={120: 0.5}")[1] == {120: 0.5}
    assert parse_override("model.params.widths=[8,8]")[0] == ["model", "params", "widths"]


@pytest.mark.parametrize("override, message", [
    ("training.epoch=3", "training.epoch: unknown key; allowed here: epochs, batch_size"),
    ("bogus=1", "bogus: unknown key; allowed here: experiment"),
    ("training.epochs=abc", "training.epochs: Input should be a valid integer"),
    ("optimizer.name=rmsprop", "optimizer.name: Value error, unknown optimizer 'rmsprop'; choose one of adam, adamw"),
    ("training.augment.flip=maybe", "training.augment.flip"),
    ("noequals", "expected key=value"),
    ("optimizer.lr=0", "optimizer.lr: Input should be greater than 0"),
    ("published=[s000-mlp, s999-nope]",
     "published: Value error, published ids ['s999-nope'] are not in published.yaml"),
    ("training.select=test_accuracy", "training.select: Value error, test_accuracy is a test metric: choose on "
                                      "validation"),
    ("training.early_stopping.metric=test_loss", "training.early_stopping.metric: Value error, test_loss is a test"),
])
def test_bad_keys_and_types_name_the_path(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        resolve_config({}, [override])


def test_nesterov_without_momentum_is_rejected():
    with pytest.raises(ConfigError, match="nesterov"):
        resolve_config({"optimizer": {"nesterov": True}})


def test_resolved_config_round_trips_through_yaml():
    import yaml

    cfg = resolve_config({"schedule": {"name": "piecewise", "phases": {120: 0.5, 140: 0.1}}})
    again = RunConfig.model_validate(yaml.safe_load(cfg.to_yaml()))
    assert again == cfg


def test_recipe_extends_merges_sections(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text("training: {epochs: 5, batch_size: 16}\noptimizer: {lr: 0.1}\n")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {base}\ntraining: {{epochs: 9}}\n")
    tree = load_recipe(str(child))
    assert tree == {"training": {"epochs": 9, "batch_size": 16}, "optimizer": {"lr": 0.1}}
    assert merge({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}) == {"a": {"b": 3, "c": 2}}


def test_extends_with_another_model_drops_the_base_models_params(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text("model: {name: logistic, params: {form: ovr}}\ndata: {name: mnist}\n")
    same = tmp_path / "same.yaml"
    same.write_text(f"extends: {base}\nmodel: {{params: {{epochs: 3}}}}\n")
    other = tmp_path / "other.yaml"
    other.write_text(f"extends: {base}\nmodel: {{name: ridge, params: {{alpha: 1.0}}}}\n")
    assert load_recipe(str(same))["model"]["params"] == {"form": "ovr", "epochs": 3}
    assert load_recipe(str(other)) == {"model": {"name": "ridge", "params": {"alpha": 1.0}}, "data": {"name": "mnist"}}


def test_every_packaged_recipe_validates():
    for name in RECIPES.names():
        resolve_config(load_recipe(name))


def test_unknown_keys_and_names_suggest_the_closest():
    with pytest.raises(ConfigError, match=r"training.epoch: unknown key; allowed here: .*; did you mean training.epochs\?$"):
        resolve_config({}, ["training.epoch=3"])
    with pytest.raises(ConfigError, match=r"unknown optimizer 'adm'; choose one of .*; did you mean adam or adamw\?"):
        resolve_config({}, ["optimizer.name=adm"])


def test_every_problem_of_a_config_is_on_one_line():
    with pytest.raises(ConfigError) as err:
        resolve_config({"training": {"epochs": 0, "batch_size": "x"}, "bogus\nkey": 1})
    message = str(err.value)
    assert "\n" not in message and message.count(" | ") == 2 and "bogus\\nkey: unknown key" in message


@pytest.mark.parametrize("item, expected", [
    ("description=a\x01b", "override 'description=a\\x01b', value:1:2: not valid YAML: character '\\x01'"),
    ("a..b=1", "override 'a..b=1': the key must be dot-separated names"),
    ("a\x07.b=1", "the key must be dot-separated names of printable characters"),
    (".".join("k" * 20) + "=1", "at most 16 deep"),
    ("x=!!python/name:os.system", "explicit YAML tag '!!python/name:os.system' refused"),
    ("x=" + "[" * 100 + "]" * 100, "nested deeper than 64 levels"),
])
def test_odd_overrides_are_one_line(item, expected):
    with pytest.raises(ConfigError) as err:
        parse_override(item)
    assert expected in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "..", ".", "a/b", "a\\b", "", " ", "a\x00b", "new\nline",
                                  "x" * 300])
def test_names_that_would_leave_the_runs_root_are_refused(name):
    assert name_problem(name)
    with pytest.raises(ConfigError, match=r"experiment: Value error, not one folder name"):
        resolve_config({"experiment": name})
    with pytest.raises(ConfigError, match=r"model.name: Value error, not one folder name"):
        resolve_config({"model": {"name": name}})
    with pytest.raises(ConfigError, match=r"folder name .*: not one folder name"):
        under("runs", "demo", name)


def test_plain_names_are_folders_under_the_root():
    assert [name_problem(n) for n in ("demo", "s003_lenet-mnist.v2", "étude")] == [None] * 3
    assert under("runs", "demo", "g1") == Path("runs/demo/g1")


def test_a_config_that_is_not_a_mapping_or_extends_a_non_name_is_one_line(tmp_path):
    cases = {"extends: 5\n": "'extends' must name a recipe or a YAML file, found 5 (int)",
             "extends: [demo]\n": "found ['demo'] (list)",
             "": "is empty: a config is a YAML mapping",
             "- a\n": "a config must be a YAML mapping (key: value lines), found a list",
             "extends: demo\nmodel: 5\n": "'model' must be a section",
             "overrides: 5\n": "'overrides' must be a list of key=value texts"}
    for text, expected in cases.items():
        (tmp_path / "c.yaml").write_text(text)
        with pytest.raises(ConfigError, match=re.escape(expected)):
            config_for(str(tmp_path / "c.yaml"))
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(f"extends: {cycle}\n")
    with pytest.raises(ConfigError, match="'extends' cycle"):
        load_recipe(str(cycle))
    with pytest.raises(ConfigError, match="is a folder, not a config file or a recipe"):
        load_recipe(str(tmp_path))
