"""From a ``data`` config section to the splits a run trains and tests on.

>>> from mllab.data.config import DataConfig
>>> s = prepare_splits(DataConfig(name="digits", val_fraction=0.1))
>>> len(s.train) + len(s.val) == len(s.dataset.train), s.train.x.dtype.name
(True, 'float32')
"""

from __future__ import annotations

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


def prepare_splits(cfg) -> Splits:
    """Load, transform, subset and split the data named by ``cfg`` (a DataConfig).

    ``cfg.features_from`` (a trained run's features as inputs) is applied above this layer
    (:func:`mllab.experiments.features.prepare_data`); here the inputs are the dataset's own.
    """
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
    return Splits(ds, train, val, test)
