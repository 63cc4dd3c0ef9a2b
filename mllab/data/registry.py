"""The dataset registry. Loader modules register themselves on first use."""

from __future__ import annotations

import importlib

from mllab.core.registry import Registry

LOADER_MODULES = ("digits", "idx_datasets", "cifar10", "svhn", "nist36", "sst2", "flowers17", "flowers102",
                 "handwritten36")


def _import_loaders() -> None:
    for module in LOADER_MODULES:
        try:
            importlib.import_module(f"mllab.data.{module}")
        except ModuleNotFoundError as err:
            if err.name != f"mllab.data.{module}":
                raise


DATASETS = Registry("dataset", loader=_import_loaders, listing="mllab data list")
