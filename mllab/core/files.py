"""Atomic file writes: a reader (or a killed writer) never sees half a file; a write that the disk refuses
(full, read-only, no permission) is one :class:`StorageError` that names the file.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> atomic_write_text(target, "hello")
>>> target.read_text()
'hello'
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from mllab.core.errors import MllabError

# what the disk (not the program) refuses, in words a user acts on
_REASONS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
            errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
            errno.EPERM: "operation not permitted", errno.EFBIG: "file too large for this file system"}


class StorageError(MllabError):
    """A file could not be written because of where it lives (full or read-only disk, permissions).

    ``path`` is the file (or folder) being written, ``errno`` the system's reason; ``says_what_to_do``: the
    message already tells the user what to do (else the caller adds it)."""

    def __init__(self, message: str, path: Path | str | None = None, code: int | None = None,
                 says_what_to_do: bool = False):
        super().__init__(message)
        self.path, self.errno, self.says_what_to_do = path, code, says_what_to_do

    @property
    def disk_full(self) -> bool:
        return self.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def storage_error(err: BaseException, path: Path | str | None = None) -> StorageError | None:
    """``err`` as a :class:`StorageError` naming ``path`` (else the file the system named), or None when
    ``err`` is not the disk refusing a write."""
    if isinstance(err, StorageError):
        return err
    if not isinstance(err, OSError) or err.errno not in _REASONS:
        return None
    where = path if path is not None else (err.filename or "a file")
    return StorageError(f"cannot write {where}: {_REASONS[err.errno]}", where, err.errno)


@contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Turn the disk refusing a write inside the block into a :class:`StorageError` that names ``path``."""
    try:
        yield
    except OSError as err:
        if (converted := storage_error(err, path)) is None:
            raise
        raise converted from err


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed and check a file can be made in it (a read-only mount, a full disk or a
    folder of someone else's are told before any work starts)."""
    folder = Path(folder)
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test.")
        os.close(fd)
        os.unlink(probe)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path beside ``target``; rename it onto ``target`` only on success.

    A crash or an exception leaves ``target`` as it was and no partial file behind. The file gets the
    mode an ordinary ``open()`` would give it (0666 minus the umask), not the temp file's 0600. The disk
    refusing the write raises :class:`StorageError` naming ``target`` (not the temp file).
    """
    target = Path(target)
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix or ".tmp")
        os.close(fd)
    tmp_path = Path(tmp)
    try:
        with writing(target):
            yield tmp_path
            os.chmod(tmp_path, 0o666 & ~_umask())
            os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode())


def overwrite_in_place(target: Path, data: bytes) -> None:
    """Rewrite an existing file's bytes in its own blocks: the last resort on a full disk, where a new
    (temp) file cannot be made but a file no longer than before still fits. Not atomic."""
    with writing(target), open(target, "r+b") as f:
        f.write(data)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())
