"""mllab's processes keep the memory a training step frees (mllab.core.allocator)."""

import logging
import subprocess
import sys

import pytest

import mllab.core.allocator as allocator
from tests.cli.cli_run import ENV, mllab

# A fresh process frees a 64 MB block (an activation of a CIFAR-10 batch) and allocates it again: the minor page
# faults of the second allocation.
REFAULTS = """
import ctypes, ctypes.util, resource
from mllab.core.allocator import keep_memory
print(keep_memory())
libc, size = ctypes.CDLL(ctypes.util.find_library("c")), 64 << 20
libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
block = libc.malloc(size); ctypes.memset(block, 1, size); libc.free(block)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = libc.malloc(size); ctypes.memset(block, 1, size)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
glibc = pytest.mark.skipif(not allocator._libc_version().startswith("glibc "), reason="glibc's malloc only")


def refaults(**env) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", REFAULTS], env={**ENV, **env}, capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


@glibc
def test_a_freed_block_is_reused_not_faulted_in_again():
    kept, kept_faults = refaults()
    system, system_faults = refaults(MLLAB_MALLOC="system")
    assert (kept, system) == ("True", "False")
    assert system_faults > 10_000 > 1_000 > kept_faults  # 64 MB = 16 384 pages of 4 kB


@glibc
def test_the_cli_sets_it_and_says_so_with_verbose():
    assert "M_MMAP_MAX=0, M_TRIM_THRESHOLD=-1 (never) set" in mllab("-v", "data", "where").stderr


def test_elsewhere_than_glibc_nothing_is_changed(monkeypatch, caplog):
    monkeypatch.setattr(allocator, "_done", None)
    monkeypatch.setattr(allocator, "_libc_version", lambda: "")
    monkeypatch.delenv(allocator.ENV, raising=False)
    with caplog.at_level(logging.DEBUG, logger="mllab.core.allocator"):
        assert allocator.keep_memory() is False and allocator.keep_memory() is False
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["not glibc (Linux)"]
