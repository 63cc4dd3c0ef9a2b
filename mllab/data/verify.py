"""``mllab data verify NAME``: re-hash every file of a dataset, caches ignored.

>>> verify("digits")  # bundled with scikit-learn: no files to check
[]
"""

from __future__ import annotations

import os
from pathlib import Path

from mllab.data.files import DataFile, find_file, search_dirs, verify_payload
from mllab.data.registry import DATASETS


def present_files(folders: tuple[str, ...], files: tuple[DataFile, ...]) -> bool:
    """Whether each of ``files`` is in one of the :func:`~mllab.data.files.candidate_paths` folders. The
    folders are found once and the paths joined as text: flowers17's 1 360 images in milliseconds."""
    places = [str(root / folder) for root in search_dirs() for folder in folders]
    return all(any(os.path.isfile(os.path.join(place, f.name)) for place in places) for f in files)


def is_present(name: str) -> bool:
    """Whether every file dataset ``name`` loads from is on the search path (built-in datasets always are)."""
    files = dataset_files(name)
    return not files or present_files(DATASETS.entry(name).meta["folders"], files)


def dataset_files(name: str) -> tuple[DataFile, ...]:
    """The files a dataset loads from: its ``files``, or its ``alt_files`` when only those are present."""
    meta = DATASETS.entry(name).meta
    files, alternative = meta.get("files", ()), meta.get("alt_files")
    if alternative and not present_files(meta["folders"], files) and present_files(meta["folders"], alternative):
        return alternative
    return files


def verify(name: str) -> list[tuple[Path, str, str]]:
    """``(path, payload sha256, status)`` for every file of dataset ``name``.

    Every file is read and hashed again (nothing is taken from a cache).
    ``status`` is ``"sha256 ok"``, ``"md5 ok"`` (only upstream's MD5 is
    known) or ``"unchecked"`` (no reference checksum is known here). A
    mismatch raises :class:`~mllab.data.files.ChecksumError` naming the file
    and both hashes; a missing file raises
    :class:`~mllab.data.files.MissingDataError`.
    """
    entry = DATASETS.entry(name)
    if "verify" in entry.meta:  # a dataset with its own reference list (flowers17's per-image SHA256SUMS)
        return entry.meta["verify"]()
    folders = entry.meta["folders"]
    results = []
    for spec in dataset_files(name):
        path = find_file(name, folders, spec.name)
        _, digest, status = verify_payload(name, path, spec, keep=False)  # hashed as it streams
        results.append((path, digest, status))
    return results

