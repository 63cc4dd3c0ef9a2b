"""From config sections to the things a run trains: data splits and models."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from mllab.data import Dataset, Split, load
from mllab.data.subsets import first_per_class, keep_classes, stratified_subset, train_val_split
from mllab.data.transforms import apply_transforms


@dataclass
class Splits:
    dataset: Dataset
    train: Split
    val: Split | None
    test: Split


def prepare_data(cfg) -> Splits:
    """Load, transform, subset and split the data named by ``cfg`` (a DataConfig)."""
    ds = load(cfg.name, **cfg.options)
    if cfg.classes:
        ds = keep_classes(ds, cfg.classes)
    ds = apply_transforms(ds, cfg.transforms)
    train = ds.train
    if cfg.first_per_class:
        train = first_per_class(train, cfg.first_per_class)
    if cfg.train_subset:
        train = stratified_subset(train, cfg.train_subset, cfg.split_seed)
    val = None
    if cfg.val_fraction:
        train, val = train_val_split(train, cfg.val_fraction, cfg.split_seed)
    test = ds.test
    if cfg.test_subset:
        test = stratified_subset(test, cfg.test_subset, cfg.split_seed)
    if cfg.test_transforms:
        test = apply_transforms(ds.with_splits(train=test, test=test), cfg.test_transforms).test
    splits = Splits(ds, train, val, test)
    if cfg.features_from:
        from mllab.experiments.features import network_features

        splits = network_features(cfg.features_from, splits)
    return splits


def check_params(kind: str, name: str, factory, params: dict) -> None:
    """Reject parameters the factory does not take, naming the allowed ones."""
    sig = inspect.signature(factory)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    allowed = [p for p in sig.parameters if p not in ("input_shape", "num_classes")]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"model.params: {kind} {name!r} takes no parameter {unknown}; allowed: {allowed}")


def build_model(cfg, splits: Splits, seed: int = 0):
    """Instantiate the registered model named by ``cfg`` (a ModelConfig) for these data.

    A classical estimator with a ``random_state`` gets the run's seed unless the params set one.
    """
    from mllab.models.registry import MODELS

    entry = MODELS.entry(cfg.name)
    check_params("model", cfg.name, entry.factory, cfg.params)
    if entry.meta.get("kind") == "classical":
        params = dict(cfg.params)
        if "random_state" in inspect.signature(entry.factory).parameters:
            params.setdefault("random_state", seed)
        return entry, entry.factory(**params)
    params = dict(cfg.params)
    takes = inspect.signature(entry.factory).parameters
    for key in ("vocab_size", "vocab", "known_words"):  # what a text dataset tells its models
        if splits.dataset.info.get(key) is not None and key in takes:
            params.setdefault(key, splits.dataset.info[key])
    model = entry.factory(tuple(splits.train.x.shape[1:]), splits.dataset.num_classes, **params)
    return entry, model
