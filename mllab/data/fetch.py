"""``mllab data fetch NAME``: download a dataset's files into ``MLLAB_CACHE/<folder>/``.

Each download goes to a temp file that is renamed into place only once its
checksums pass (upstream's MD5 of the file, the payload SHA-256 when known),
so an interrupted or corrupt download leaves nothing behind. Files that come
inside an archive (EMNIST's ``gzip.zip``, GLUE's ``SST-2.zip``, Flowers-17's
``.tgz``) are extracted by name, checked, and the archive is deleted.

>>> fetch("digits")  # bundled with scikit-learn: nothing to download
[]
"""

from __future__ import annotations

import hashlib
import logging
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Iterator

from mllab.core.files import atomic_path, atomic_write_bytes
from mllab.data.files import ChecksumError, DataFile, MissingDataError, cache_dir, check_sha256, find_file, read_payload
from mllab.data.inflate import gunzip, output_cap
from mllab.data.registry import DATASETS
from mllab.data.verify import dataset_files, present_files, verify

log = logging.getLogger(__name__)

TIMEOUT_S = 60
CHUNK = 1 << 20


class FetchError(MissingDataError):
    """A download failed: no network, an HTTP error, a timeout."""


def fetch(name: str) -> list[Path]:
    """Download whatever files of dataset ``name`` are missing; return the paths of all its files."""
    meta = DATASETS.entry(name).meta
    folders, files = meta["folders"], dataset_files(name)
    if not files:
        return []
    target = cache_dir() / folders[0]
    missing = [f for f in files if not present_files(folders, (f,))]
    for spec in missing:
        if spec.url:
            download(name, spec, target / spec.name)
    inside = [f for f in missing if not f.url]
    if inside:
        archive = meta.get("archive")
        if archive is None or archive.url is None:
            raise MissingDataError(f"{name}: no download address is known for {[f.name for f in inside]}. Copy them "
                                   f"into {target} (or a folder '{folders[0]}' under an MLLAB_DATA root).")
        _fetch_archive(name, archive, inside, target)
    return [find_file(name, folders, f.name) for f in files]


def download(dataset: str, spec: DataFile, target: Path) -> Path:
    """``spec.url`` -> ``target``, atomically, after its MD5 and payload SHA-256 (when known) check out."""
    log.info("%s: downloading %s -> %s", dataset, spec.url, target)
    with atomic_path(target, suffix=target.suffix) as tmp:  # same suffix: a .gz temp file is gunzipped to verify
        md5 = _stream(dataset, spec.url, tmp)
        if spec.md5 is not None and md5 != spec.md5:
            raise _mismatch(dataset, spec.url, "md5", spec.md5, md5)
        if spec.sha256 is not None:
            found = hashlib.sha256(read_payload(tmp)).hexdigest()
            if found != spec.sha256:
                raise _mismatch(dataset, spec.url, "payload sha256", spec.sha256, found)
    return target


def _mismatch(dataset: str, url: str, kind: str, expected: str, found: str) -> ChecksumError:
    return ChecksumError(f"{dataset}: {url} downloaded with {kind} {found}, expected {expected}. The download is "
                         f"corrupt or the file changed upstream; nothing was kept. Try again.")


def _stream(dataset: str, url: str, out: Path) -> str:
    """Copy ``url`` into ``out`` by chunks; return the MD5 of what arrived."""
    md5 = hashlib.md5()
    request = urllib.request.Request(url, headers={"User-Agent": "mllab-fetch"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, out.open("wb") as f:
            while chunk := response.read(CHUNK):
                f.write(chunk)
                md5.update(chunk)
    except urllib.error.HTTPError as err:
        raise FetchError(f"{dataset}: {url} answered HTTP {err.code} ({err.reason}). The address may have moved: "
                         f"download the file by hand and put it in {out.parent}.") from err
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        reason = getattr(err, "reason", err)
        raise FetchError(f"{dataset}: could not download {url} ({reason}). Check the network (or proxy settings), "
                         f"or download the file elsewhere and put it in {out.parent}.") from err
    return md5.hexdigest()


def _fetch_archive(dataset: str, archive: DataFile, wanted: list[DataFile], target: Path) -> None:
    path = download(dataset, archive, target / archive.name)
    written: list[Path] = []
    try:
        for spec, blob in _members(path, wanted):
            out = target / spec.name
            payload = read_payload_bytes(blob, out)
            if spec.sha256 is not None:
                check_sha256(dataset, out, payload, spec.sha256)
            atomic_write_bytes(out, blob)
            written.append(out)
        verify(dataset)  # the dataset's own final check (e.g. flowers17's per-image list)
    except BaseException:
        for out in written:  # a failed fetch leaves the cache as it found it
            out.unlink(missing_ok=True)
        raise
    finally:
        path.unlink(missing_ok=True)


def fetch_member(what: str, archive: DataFile, member: DataFile, target: Path) -> Path:
    """Download ``archive`` into folder ``target``, write its file ``member`` there (atomically) and delete the
    archive; return the member's path. For files that are not a dataset's (word vectors)."""
    path = download(what, archive, target / archive.name)
    try:
        for _, blob in _members(path, [member]):
            if member.sha256 is not None:
                check_sha256(what, target / member.name, blob, member.sha256)
            atomic_write_bytes(target / member.name, blob)
    finally:
        path.unlink(missing_ok=True)
    return target / member.name


def read_payload_bytes(blob: bytes, name: Path) -> bytes:
    """The payload of an extracted member (gunzipped for ``.gz`` names), as for files on disk."""
    return gunzip(blob, f"{name.name} (extracted member)").data if name.suffix == ".gz" else blob


def _matches(member: str, spec: DataFile) -> bool:
    """Archive paths carry a leading folder (``gzip/``, ``SST-2/``): match by path suffix."""
    return member == spec.name or member.endswith("/" + spec.name)


def _members(path: Path, wanted: list[DataFile]) -> Iterator[tuple[DataFile, bytes]]:
    """``(spec, bytes)`` for every wanted file inside a zip or tar archive (read in one pass)."""
    found: set[str] = set()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                spec = next((s for s in wanted if _matches(info.filename, s)), None)
                if spec and not info.is_dir() and spec.name not in found:
                    found.add(spec.name)
                    if info.file_size > output_cap(info.compress_size):  # zipfile stops reading at file_size
                        raise ChecksumError(f"{path.name}: member {info.filename} declares {info.file_size} bytes "
                                            f"from {info.compress_size} compressed, beyond any real file's ratio; "
                                            f"the archive is corrupt or hostile: delete it.")
                    yield spec, zf.read(info)
    else:
        try:
            with tarfile.open(path) as tar:
                for member in tar:  # sequential: random access in a .tgz re-reads it from the start
                    spec = next((s for s in wanted if _matches(member.name, s)), None)
                    if spec and member.isfile() and spec.name not in found:
                        found.add(spec.name)
                        yield spec, tar.extractfile(member).read()
        except tarfile.TarError as err:
            raise ChecksumError(f"{path}: neither a zip nor a readable tar archive ({err})") from err
    missing = [s.name for s in wanted if s.name not in found]
    if missing:
        raise ChecksumError(f"{path.name}: the archive lacks {missing[:5]}{' ...' if len(missing) > 5 else ''}; "
                            f"it is not the expected download.")
