"""Keys that are provenance, not settings, are marked once on the config schema, and the three places that
leave them out (a sweep's trial id, the legend of ``mllab runs compare``, a recipe's drift in ``mllab runs
published``) use exactly the marked set."""

import yaml

from mllab.core.config import flatten
from mllab.experiments.published_table import recipe_drift
from mllab.experiments.recipes import config_for
from mllab.report import compare
from mllab.runs.config import NOT_COMPUTED, NOT_SETTINGS, RunConfig
from mllab.sweep import plan

MARKED = {"description", "recipe", "overrides", "seeds", "seed", "output.root", "output.figures", "training.threads"}


def test_the_schema_marks_the_provenance_keys_and_each_is_a_config_key():
    assert MARKED <= set(NOT_SETTINGS)  # and whatever else a section marks (say, where a tracker logs)
    assert set(NOT_COMPUTED) == set(NOT_SETTINGS) - {"seed"}  # a trial's seed changes what it computes
    assert set(NOT_SETTINGS) <= set(flatten(RunConfig().model_dump(mode="json")))
    assert not {"training.epochs", "optimizer.lr", "data.name", "model.name", "experiment"} & set(NOT_SETTINGS)


def test_the_three_uses_are_the_marked_sets():
    assert compare.IGNORED == NOT_SETTINGS
    assert plan.NOT_HASHED == NOT_COMPUTED


def test_compare_labels_leave_every_marked_key_out():
    base = RunConfig().model_dump(mode="json")
    other = RunConfig(seed=3, description="x", recipe="demo", overrides=["a=1"], seeds=2,
                      output={"root": "elsewhere", "figures": False},
                      training={"threads": 2}).model_dump(mode="json")
    assert compare.config_differences([base, other]) == ["(same config)", "(same config)"]
    other["training"]["epochs"] = 3
    assert compare.config_differences([base, other]) == ["training.epochs=10", "training.epochs=3"]


def test_trial_id_ignores_provenance_but_not_the_seed():
    cfg = config_for("demo")
    same = cfg.model_copy(update={"description": "x", "recipe": "other", "seeds": 5,
                                  "output": cfg.output.model_copy(update={"root": "/elsewhere"})})
    assert plan.config_hash(cfg) == plan.config_hash(same)
    assert plan.config_hash(cfg) != plan.config_hash(cfg.model_copy(update={"seed": 1}))


def test_recipe_drift_is_every_changed_setting_and_no_marked_key():
    ran = yaml.safe_load(config_for("demo").to_yaml())
    ran.update(seed=7, description="edited", seeds=4)
    ran["output"]["root"], ran["training"]["threads"] = "/tmp/elsewhere", 3  # --out and --jobs set these
    assert recipe_drift(ran) == []
    ran["training"]["epochs"] = 1
    assert recipe_drift(ran) == ["training.epochs=1"]
