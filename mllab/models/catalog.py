"""What a listing needs of every registered model (name, kind, task, first doc line), and the names a run
config's validation checks (optimizers, schedules, losses, inits), without importing torch or scikit-learn:
``mllab models list``, ``mllab recipes list`` and ``mllab recipes show`` answer in a blink from it.

The rows and names are written from the registries themselves (:data:`~mllab.models.registry.MODELS`,
:data:`NAMED`) into the packaged ``catalog.json``, with a digest of the modules that fill them. A catalog whose
digest is not the sources' (a model or training module edited since it was written) is not trusted: the
registries are imported and read instead, which is slower but never wrong. ``tests/models/test_catalog.py``
fails until it is written again with::

    python -m mllab.models.catalog

>>> [row["kind"] for row in model_rows() if row["name"] == "lenet5"]
['torch']
>>> "sgd" in registry_names("optimizer"), registry_names("init").kind
(True, 'init')
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CATALOG = Path(__file__).with_name("catalog.json")
FAMILY_FOLDERS = ("classical", "nets")  # the packages of mllab.models.registry.FAMILY_PACKAGES
COLUMNS = ("name", "kind", "task", "doc")
# The registries whose names config validation checks (mllab.training.config, mllab.models.config): kind ->
# (module, attribute). Their modules import torch; the catalog keeps their names so a config validates without it.
NAMED = {"optimizer": ("mllab.training.optim", "OPTIMIZERS"), "schedule": ("mllab.training.schedules", "SCHEDULES"),
         "loss": ("mllab.training.losses", "LOSSES"), "init": ("mllab.training.init", "INITS")}


def _sources() -> list[Path]:
    package = Path(__file__).parents[1]  # mllab/
    models = sorted(p for folder in FAMILY_FOLDERS for p in (package / "models" / folder).glob("*.py"))
    return models + [package.joinpath(*module.split(".")[1:]).with_suffix(".py") for module, _ in NAMED.values()]


def sources_digest() -> str:
    """sha256 over the file names and bytes of the modules that fill the registries the catalog lists."""
    digest = hashlib.sha256()
    for path in _sources():
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def trusted_catalog() -> dict[str, Any] | None:
    """The packaged catalog when it was written from the sources as they are now, else None."""
    try:
        catalog = json.loads(CATALOG.read_text())
        if catalog.get("digest") == sources_digest():
            return catalog
        log.debug("%s was written from other sources: reading the registries", CATALOG)
    except (OSError, ValueError, AttributeError) as err:
        log.debug("%s unreadable (%s): reading the registries", CATALOG, err)
    return None


def model_rows() -> tuple[dict[str, Any], ...]:
    """One row per registered model, sorted by name: ``{"name", "kind", "task", "doc"}``."""
    catalog = trusted_catalog()
    return tuple(catalog["models"]) if catalog else registry_rows()


def registry_rows() -> tuple[dict[str, Any], ...]:
    """The rows read from the registry (imports every model module: torch, scikit-learn)."""
    from mllab.models.registry import MODELS

    return tuple({"name": e.name, "kind": e.meta.get("kind", ""), "task": e.meta.get("task", ""), "doc": e.doc}
                 for e in MODELS)


@dataclass(frozen=True)
class CatalogNames:
    """A registry's names as the catalog lists them: what a name check asks of a registry."""

    kind: str
    listed: tuple[str, ...]

    def names(self, pattern: str = "*") -> list[str]:
        return sorted(n for n in self.listed if fnmatch.fnmatchcase(n, pattern))

    def __contains__(self, name: object) -> bool:
        return name in self.listed


def registry_names(kind: str):
    """The registry of ``kind`` (a key of :data:`NAMED`) for checking a name: its names from the catalog while
    the catalog is the sources', else the registry itself (importing its module)."""
    catalog = trusted_catalog()
    if catalog and kind in catalog.get("names", {}):
        return CatalogNames(kind, tuple(catalog["names"][kind]))
    return named_registry(kind)


def named_registry(kind: str):
    module, attribute = NAMED[kind]
    return getattr(importlib.import_module(module), attribute)


def kind_of(name: str) -> str | None:
    """The registered kind of model ``name`` (``torch``, ``classical``), None for a name not registered."""
    return next((row["kind"] for row in model_rows() if row["name"] == name), None)


def write_catalog(path: Path = CATALOG) -> Path:
    """Write the catalog of the registry as it is now, with the digest of the sources it was read from."""
    names = {kind: named_registry(kind).names() for kind in NAMED}
    text = json.dumps({"written_by": "python -m mllab.models.catalog", "digest": sources_digest(),
                       "models": list(registry_rows()), "names": names}, indent=1)
    from mllab.core.files import atomic_write_text

    atomic_write_text(path, text + "\n")
    return path


if __name__ == "__main__":
    print(f"wrote {write_catalog()}")
