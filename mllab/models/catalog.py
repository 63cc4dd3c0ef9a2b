"""What a listing needs of every registered model (name, kind, task, first doc line) without importing torch
or scikit-learn: ``mllab models list`` and ``mllab recipes list`` answer in a blink from it.

The rows are written from :data:`~mllab.models.registry.MODELS` itself into the packaged ``catalog.json``,
with a digest of the model modules' sources. A catalog whose digest is not the sources' (a model module
edited since it was written) is not trusted: the registry is imported and read instead, which is slower
but never wrong. ``tests/models/test_catalog.py`` fails until it is written again with::

    python -m mllab.models.catalog

>>> [row["kind"] for row in model_rows() if row["name"] == "lenet5"]
['torch']
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CATALOG = Path(__file__).with_name("catalog.json")
FAMILY_FOLDERS = ("classical", "nets")  # the packages of mllab.models.registry.FAMILY_PACKAGES
COLUMNS = ("name", "kind", "task", "doc")


def sources_digest() -> str:
    """sha256 over the model modules' file names and bytes (what decides what the registry holds)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted(p for folder in FAMILY_FOLDERS for p in (here / folder).glob("*.py")):
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def model_rows() -> tuple[dict[str, Any], ...]:
    """One row per registered model, sorted by name: ``{"name", "kind", "task", "doc"}``."""
    try:
        catalog = json.loads(CATALOG.read_text())
        if catalog.get("digest") == sources_digest():
            return tuple(catalog["models"])
        log.debug("%s was written from other model sources: reading the registry", CATALOG)
    except (OSError, ValueError, AttributeError) as err:
        log.debug("%s unreadable (%s): reading the registry", CATALOG, err)
    return registry_rows()


def registry_rows() -> tuple[dict[str, Any], ...]:
    """The rows read from the registry (imports every model module: torch, scikit-learn)."""
    from mllab.models.registry import MODELS

    return tuple({"name": e.name, "kind": e.meta.get("kind", ""), "task": e.meta.get("task", ""), "doc": e.doc}
                 for e in MODELS)


def kind_of(name: str) -> str | None:
    """The registered kind of model ``name`` (``torch``, ``classical``), None for a name not registered."""
    return next((row["kind"] for row in model_rows() if row["name"] == name), None)


def write_catalog(path: Path = CATALOG) -> Path:
    """Write the catalog of the registry as it is now, with the digest of the sources it was read from."""
    text = json.dumps({"written_by": "python -m mllab.models.catalog", "digest": sources_digest(),
                       "models": list(registry_rows())}, indent=1)
    from mllab.core.files import atomic_write_text

    atomic_write_text(path, text + "\n")
    return path


if __name__ == "__main__":
    print(f"wrote {write_catalog()}")
