"""A run's data: the dataset's splits, or a trained run's network features as inputs.

Report 000 fits SVMs and a Gaussian mixture on the 1024-d penultimate-layer
features of a trained network (Table II). ``data.features_from: RUN`` replaces
every split's inputs with those features: the input of the run's
``classifier`` layer (every registered torch classifier names its final layer
so), from its ``best`` checkpoint if it selected one, else ``last``. A recipe
that only makes sense on such features says ``features_from: required``: it
refuses to run (one line, before any folder is made) until a run is given,
rather than fit the raw pixels under a features-study's name.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mllab.core.errors import ConfigError
from mllab.data.splits import Splits, prepare_splits
from mllab.runs.load import load_run

REQUIRED = "required"  # data.features_from in a recipe that must be given a network's run


def check_features_given(cfg) -> None:
    """ConfigError when ``cfg`` (a DataConfig) still says ``features_from: required``."""
    if cfg.features_from == REQUIRED:
        raise ConfigError("data.features_from: this recipe fits on a trained network's penultimate features; give "
                          "that network's run, trained on the same data and transforms: "
                          "data.features_from=runs/<experiment>/<group>/seed0")


def prepare_data(cfg) -> Splits:
    """The splits of ``cfg`` (a DataConfig), with ``features_from`` applied."""
    check_features_given(cfg)
    splits = prepare_splits(cfg)
    if cfg.features_from:
        splits = network_features(cfg.features_from, splits)
    return splits


def network_features(run_path: str | Path, splits: Splits) -> Splits:
    """``splits`` with ``x`` replaced by the run's penultimate features (float32, (N, d))."""
    run = load_run(run_path)
    cfg = run.config
    if cfg.data.name != splits.dataset.name or cfg.data.transforms != splits.dataset.info.get("transforms"):
        raise ConfigError(f"data.features_from={run_path}: that run was trained on {cfg.data.name} with transforms "
                          f"{cfg.data.transforms}; this config loads {splits.dataset.name} with "
                          f"{splits.dataset.info.get('transforms')}. Use the same data.name and data.transforms.")

    def features(split):
        return None if split is None else replace(split, x=run.penultimate(split.x))

    return replace(splits, train=features(splits.train), val=features(splits.val), test=features(splits.test))
