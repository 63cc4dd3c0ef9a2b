import pytest

from mllab.core.config import parse_override
from mllab.core.errors import ConfigError
from mllab.experiments.recipes import RECIPES, load_recipe, merge
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
