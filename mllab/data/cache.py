"""Prepared arrays cached as ``.npz`` in ``MLLAB_CACHE/prepared``.

The cache key covers the dataset name, the loader's format version, the
options and each source file's identity (path, size, mtime), so a changed or
replaced source file is re-read and re-verified. Writes are atomic: a killed
or failing build leaves no half-written cache behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mllab.core.files import atomic_path
from mllab.data.files import cache_dir, file_stamp

log = logging.getLogger(__name__)

Arrays = dict[str, np.ndarray]


def cache_key(name: str, version: int, sources: list[Path], options: dict[str, Any]) -> str:
    ident = json.dumps(
        {"name": name, "version": version, "sources": [file_stamp(p) for p in sources], "options": options},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def cached_arrays(
    name: str, version: int, sources: list[Path], options: dict[str, Any], build: Callable[[], Arrays]
) -> Arrays:
    """Arrays from the cache if the same sources were prepared before, else ``build()`` and store them."""
    target = cache_dir() / "prepared" / f"{name}-{cache_key(name, version, sources, options)}.npz"
    if target.is_file():
        try:
            with np.load(target, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError) as err:  # a damaged cache file is rebuilt, not trusted
            log.warning("%s: ignoring unreadable cache %s (%s)", name, target, err)
    arrays = build()
    try:
        with atomic_path(target, suffix=".npz") as tmp:
            np.savez(tmp, **arrays)
    except OSError as err:  # a read-only cache only costs speed
        log.warning("%s: could not write cache %s (%s)", name, target, err)
    return arrays
