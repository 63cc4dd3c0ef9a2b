"""'mllab recipes list' reads recipes without validating them; it shows what their validated configs hold."""

import pytest

from mllab.experiments.recipes import LISTING_DEFAULTS, RECIPES, config_for, recipe_listing
from mllab.runs.config import RunConfig
from mllab.runs.spec import engine_of


def test_listing_defaults_are_the_config_defaults():
    cfg = RunConfig()
    assert LISTING_DEFAULTS == {"experiment": cfg.experiment, "seeds": cfg.seeds, "published": cfg.published,
                                "data": {"name": cfg.data.name},
                                "model": {"name": cfg.model.name, "backend": cfg.model.backend},
                                "training": {"epochs": cfg.training.epochs}}


@pytest.mark.parametrize("name", RECIPES.names())
def test_listing_row_is_the_validated_config(name):
    cfg, row = config_for(name), recipe_listing(name)
    assert (row.experiment, row.dataset, row.model, row.engine, row.epochs, row.seeds, row.published) == (
        cfg.experiment, cfg.data.name, cfg.model.name, engine_of(cfg.model), cfg.training.epochs, cfg.seeds,
        tuple(cfg.published))
