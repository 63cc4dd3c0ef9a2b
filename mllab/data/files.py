"""Where dataset files are found, how they are verified, where caches go.

Contract (DESIGN.md): ``MLLAB_DATA`` is a ``:``-separated list of read-only
folders holding dataset files under their original names; ``MLLAB_CACHE``
(default ``~/.cache/mllab``) receives downloads and prepared arrays.
Checksums are SHA-256 over the *decompressed* payload, so a re-packed but
identical ``.gz`` (Debian's Fashion-MNIST) still verifies.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from mllab.data.errors import ChecksumError, DataFormatError, MissingDataError  # noqa: F401 (re-exported)
from mllab.data.idx import declared_size
from mllab.data.inflate import Inflated, gunzip, output_cap

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset as upstream distributes it.

    ``sha256`` is over the decompressed payload (``None`` when no reference
    hash is known here). ``md5`` is the checksum upstream publishes for the
    file as downloaded: checked after a fetch, and on load when no ``sha256``
    is known; with neither, the file loads with a logged warning.
    """

    name: str
    sha256: str | None = None
    url: str | None = None
    md5: str | None = None


@dataclass(frozen=True)
class SearchDir:
    """One folder searched for dataset files, where it comes from, and whether it is there.

    ``source`` is ``"MLLAB_DATA"``, ``"MLLAB_CACHE"``, or ``"default cache"`` (``~/.cache/mllab``
    when ``MLLAB_CACHE`` is unset). ``exists`` is true for an existing folder only, not for a file.
    """

    path: Path
    source: str
    exists: bool


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("MLLAB_CACHE") or Path.home() / ".cache" / "mllab")


def data_roots(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The ``MLLAB_DATA`` entries, in order (empty entries skipped)."""
    env = os.environ if environ is None else environ
    return [Path(p) for p in env.get("MLLAB_DATA", "").split(":") if p]


def search_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Folders searched for dataset files: ``MLLAB_DATA`` entries, then the cache."""
    return data_roots(environ) + [cache_dir(environ)]


def describe_search(environ: Mapping[str, str] | None = None) -> list[SearchDir]:
    """The folders :func:`find_file` searches, in its order, each with its source and whether it exists.

    ``environ`` defaults to ``os.environ``. A missing folder is listed, not dropped: a typo in
    ``MLLAB_DATA`` shows as a folder that does not exist.

    >>> env = {"MLLAB_DATA": "/nonexistent/data::/", "MLLAB_CACHE": "/nonexistent/cache"}
    >>> for d in describe_search(env):
    ...     print(d.source, d.path, d.exists)
    MLLAB_DATA /nonexistent/data False
    MLLAB_DATA / True
    MLLAB_CACHE /nonexistent/cache False
    >>> describe_search({})[-1].source
    'default cache'
    """
    env = os.environ if environ is None else environ
    cache_source = "MLLAB_CACHE" if env.get("MLLAB_CACHE") else "default cache"
    sources = ["MLLAB_DATA"] * len(data_roots(env)) + [cache_source]
    return [SearchDir(path, source, path.is_dir()) for path, source in zip(search_dirs(env), sources, strict=True)]


def candidate_paths(folders: tuple[str, ...], filename: str) -> list[Path]:
    return [root / folder / filename for root in search_dirs() for folder in folders]


def find_file(dataset: str, folders: tuple[str, ...], filename: str) -> Path:
    """First existing ``<root>/<folder>/<filename>``; a helpful error otherwise."""
    candidates = candidate_paths(folders, filename)
    for path in candidates:
        if path.is_file():
            return path
    searched = "\n  ".join(str(p.parent) for p in candidates)
    raise MissingDataError(
        f"{dataset}: {filename} not found. Searched:\n  {searched}\n"
        f"Put the file in one of these folders (MLLAB_DATA is a ':'-separated list of data roots), "
        f"or run 'mllab data fetch {dataset}' where a network is available."
    )


def require_files(dataset: str, folders: tuple[str, ...], names: list[str], source: str) -> None:
    """Raise :class:`MissingDataError` naming every one of ``names`` that no data folder holds, where it looked
    and ``source`` (where to get them)."""
    missing = [n for n in names if not any(p.is_file() for p in candidate_paths(folders, n))]
    if missing:
        searched = ", ".join(dict.fromkeys(str(p.parent) for p in candidate_paths(folders, missing[0])))
        raise MissingDataError(f"{dataset}: {len(missing)} of its {len(names)} files not found: {', '.join(missing)}; "
                               f"looked in {searched} (MLLAB_DATA roots x folders {', '.join(folders)}). Get "
                               f"them: {source}; put them in one of those folders or add their root to MLLAB_DATA")


def read_inflated(path: Path, dataset: str | None = None, keep: bool = True) -> Inflated:
    """A file's payload (gunzipped by streaming, under a cap, when the name ends in ``.gz``), its SHA-256 and
    the MD5 of the file as stored. An IDX file's decompression stops at the size its header declares.
    A damaged ``.gz`` raises :class:`DataFormatError` naming ``dataset`` and the file."""
    if path.suffix != ".gz":
        data = path.read_bytes()
        return Inflated(data if keep else b"", hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest())
    fix = f"delete it and run 'mllab data fetch {dataset}'" if dataset else "delete it and fetch it again"
    hint = declared_size if "-idx" in path.name else None
    with path.open("rb") as f:
        return gunzip(f, f"{dataset}: {path}" if dataset else str(path), cap=output_cap(path.stat().st_size),
                      hint=hint, keep=keep, fix=fix)


def read_payload(path: Path, dataset: str | None = None) -> bytes:
    """File content, gunzipped (bounded, see :func:`read_inflated`) when the name ends in ``.gz``."""
    return read_inflated(path, dataset).data


def check_sha256(dataset: str, path: Path, payload: bytes, expected: str | None) -> str:
    """Return the payload's SHA-256; raise :class:`ChecksumError` if it differs from ``expected``."""
    found = hashlib.sha256(payload).hexdigest()
    if expected is None:
        log.warning("%s: no reference checksum for %s; its payload sha256 is %s", dataset, path.name, found)
    else:
        _compare(dataset, path, "sha256", expected, found)
    return found


def verify_payload(dataset: str, path: Path, spec: DataFile, keep: bool = True) -> tuple[bytes, str, str]:
    """Read and check one file: ``(payload, payload sha256, status)``; hashes are taken while it streams.

    The payload SHA-256 is checked when known (status ``"sha256 ok"``); else
    upstream's MD5 of the file as stored (``"md5 ok"``: CIFAR-10 and SVHN
    publish only that); else nothing can be checked (``"unchecked"``, logged).
    ``keep=False`` only checks (the payload returned is empty).
    """
    got = read_inflated(path, dataset, keep)
    if spec.sha256 is None and spec.md5 is not None:
        _compare(dataset, path, "md5", spec.md5, got.raw_md5)
        return got.data, got.sha256, "md5 ok"
    if spec.sha256 is None:
        log.warning("%s: no reference checksum for %s; its payload sha256 is %s", dataset, path.name, got.sha256)
        return got.data, got.sha256, "unchecked"
    _compare(dataset, path, "sha256", spec.sha256, got.sha256)
    return got.data, got.sha256, "sha256 ok"


def _compare(dataset: str, path: Path, kind: str, expected: str, found: str) -> None:
    if found != expected:
        raise ChecksumError(
            f"{dataset}: {path} {kind} mismatch (expected {expected}, found {found}). "
            f"The file is corrupt or not the official one: delete it and run 'mllab data fetch {dataset}'."
        )


def read_verified(dataset: str, folders: tuple[str, ...], spec: DataFile) -> tuple[bytes, Path]:
    """Find ``spec``'s file, decompress it and verify its checksum."""
    path = find_file(dataset, folders, spec.name)
    payload, _, _ = verify_payload(dataset, path, spec)
    return payload, path


def file_stamp(path: Path) -> str:
    """Identity of a source file for cache keys: path, size and mtime."""
    st = path.stat()
    return f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"
