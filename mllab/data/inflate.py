"""Bounded decompression of untrusted gzip and zlib streams.

A 2 MB gzip file can expand to 2 GiB. Every stream here is inflated by chunks under a cap on its output
(:func:`output_cap`: a multiple of the compressed size, or the exact size a format header declares), and the
payload is hashed while it streams, so neither a bomb nor a flipped byte costs more than the cap.

>>> import gzip
>>> gunzip(gzip.compress(b"abc" * 4), "demo.gz").data
b'abcabcabcabc'
>>> gunzip(gzip.compress(bytes(10**6)), "bomb.gz", cap=1000)
Traceback (most recent call last):
...
mllab.data.errors.DataFormatError: bomb.gz: expands to more than 1000 bytes ...
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Callable

from mllab.data.errors import DataFormatError

CHUNK = 1 << 20
# No dataset file expands more than ~10x (MNIST images: 4.8x); deflate's own limit is ~1032x, where bombs live.
MAX_RATIO = 64
MIN_CAP = 1 << 26  # 64 MiB: small files may expand up to this whatever their ratio
GZIP_MAGIC = b"\x1f\x8b"
FIX = "delete it and fetch it again"

SizeHint = Callable[[bytes], "int | None"]  # the payload's prefix -> the exact payload size it declares, if any


def output_cap(compressed_size: int) -> int:
    """The most bytes a stream of ``compressed_size`` bytes may inflate to."""
    return max(MIN_CAP, MAX_RATIO * compressed_size)


@dataclass(frozen=True)
class Inflated:
    """A decompressed payload, its SHA-256, and the MD5 of the compressed bytes as stored."""

    data: bytes
    sha256: str
    raw_md5: str


def _chunks(source: bytes | BinaryIO):
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
    else:
        while chunk := source.read(CHUNK):
            yield chunk


class _Sink:
    """Collects inflated bytes under a cap, hashing them; ``hint`` may tighten the cap from the payload's head."""

    def __init__(self, name: str, cap: int, hint: SizeHint | None, keep: bool, fix: str, kind: str):
        self.name, self.cap, self.hint, self.keep, self.fix, self.kind = name, cap, hint, keep, fix, kind
        self.size, self.head, self.parts, self.sha = 0, b"", [], hashlib.sha256()

    def room(self) -> int:
        return self.cap - self.size + 1  # one byte more than allowed: enough to see the cap is passed

    def add(self, data: bytes) -> None:
        if self.hint is not None and len(self.head) < 4096:
            self.head += data[:4096]
            declared = self.hint(self.head)
            if declared is not None:
                self.hint = None
                if declared > self.cap:
                    raise DataFormatError(f"{self.name}: its header declares a {declared}-byte payload, more "
                                          f"than the {self.cap} bytes this file may expand to; it is corrupt: "
                                          f"{self.fix}")
                self.cap = declared
        self.size += len(data)
        if self.size > self.cap:
            raise DataFormatError(f"{self.name}: expands to more than {self.cap} bytes (a corrupt file or a "
                                  f"decompression bomb): {self.fix}")
        self.sha.update(data)
        if self.keep:
            self.parts.append(data)


def gunzip(source: bytes | BinaryIO, name: str, *, cap: int | None = None, hint: SizeHint | None = None,
           keep: bool = True, fix: str = FIX) -> Inflated:
    """Inflate a (possibly multi-member) gzip stream under ``cap`` bytes (default :func:`output_cap` of a
    ``bytes`` source; required for a file object). A :class:`DataFormatError` naming ``name`` for anything
    that is not a complete, intact gzip stream (``fix`` ends its message: what to do). ``keep=False`` only
    hashes (``data`` is empty)."""
    if cap is None:
        if not isinstance(source, (bytes, bytearray)):
            raise TypeError("gunzip: a file object needs an explicit cap")
        cap = output_cap(len(source))
    sink, md5 = _Sink(name, cap, hint, keep, fix, "gzip file"), hashlib.md5()
    d, pending, started = None, b"", False
    for chunk in _chunks(source):
        md5.update(chunk)
        pending += chunk
        while pending:
            if d is None:  # the start of a member: gzip magic, or only zero padding up to the end
                if len(pending) < 2:
                    break
                if pending[:2] != GZIP_MAGIC:
                    if started and not pending.strip(b"\0"):
                        pending = b""
                        break
                    raise _corrupt(sink, "no gzip header" if not started else "trailing bytes after the data")
                d, started = zlib.decompressobj(16 + zlib.MAX_WBITS), True
            pending = _feed(d, pending, sink)
            if not d.eof:
                break
            pending, d = d.unused_data, None
    if d is not None or not started:
        raise _corrupt(sink, "the file ends inside the compressed data (truncated)" if started else "empty")
    return Inflated(b"".join(sink.parts), sink.sha.hexdigest(), md5.hexdigest())


def inflate(data: bytes | memoryview, name: str, cap: int, fix: str = FIX) -> bytes:
    """A complete zlib stream (a MATLAB ``miCOMPRESSED`` element) inflated under ``cap`` bytes."""
    sink, d = _Sink(name, cap, None, True, fix, "zlib stream"), zlib.decompressobj()
    rest = _feed(d, data, sink)
    if not d.eof:
        raise _corrupt(sink, "the compressed data ends early (truncated)")
    if bytes(rest).strip(b"\0"):
        raise _corrupt(sink, "trailing bytes after the compressed data")
    return b"".join(sink.parts)


def _feed(d, data: bytes, sink: "_Sink") -> bytes:
    """Inflate ``data`` into ``sink`` chunk by chunk; return what follows the end of the stream (if it ended)."""
    try:
        while data and not d.eof:
            sink.add(d.decompress(data, sink.room()))
            data = d.unconsumed_tail
    except zlib.error as err:
        raise _corrupt(sink, str(err)) from None
    return d.unused_data if d.eof else b""


def _corrupt(sink: _Sink, what: str) -> DataFormatError:
    return DataFormatError(f"{sink.name}: not a readable {sink.kind} ({what}); it is truncated or corrupt: "
                           f"{sink.fix}")
