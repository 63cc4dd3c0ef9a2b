"""The memory allocator mllab trains with: glibc's malloc told to keep the memory a training step frees.

Why. A training step allocates its activations, gradients and work buffers, frees them, and allocates them
again in the next step. glibc's malloc serves every block above ``M_MMAP_THRESHOLD`` (128 kB, rising to at
most 32 MB as it sees such blocks freed) with its own ``mmap`` and returns it with ``munmap`` when freed,
and gives the top of its heap back above ``M_TRIM_THRESHOLD``; the next step's blocks are then fresh pages
the kernel faults in and zeroes one by one. Measured (``bench/kernel_time.py``): a fifth to a third of a torch
step's CPU time was system time, 8 % of the NumPy engine's (a quarter before it reused its own buffers).

What. :func:`keep_memory` sets, once per process, ``M_MMAP_MAX = 0`` (no block gets its own mapping: blocks of
every size come from the heap, where a freed one is reused by the next step) and ``M_TRIM_THRESHOLD = -1`` (the
heap is never shrunk: the next epoch's evaluation, at ``eval_batch_size``, needs its gigabyte again), through
``mallopt`` via ctypes; :func:`give_back_memory` shrinks it when training is over in a process that goes on.
Measured against the alternatives (``bench/RESULTS.md``, "The training step's time in the kernel"): system time
0.1-1.8 % of a step's CPU time, from 23-37 % (torch) and 8 % (the NumPy engine's LeNet-5);
``MALLOC_MMAP_THRESHOLD_`` raised leaves 9-14 % (glibc caps the threshold at 32 MB, below one activation of a
CIFAR-10 batch of 256); jemalloc's default purging leaves 22-45 %; tcmalloc does as well with less peak memory
but needs a system package and ``LD_PRELOAD`` before the process starts. The price: a training process keeps
the peak of what it allocated, and the heap's free blocks of other sizes (NiN, batch 128: peak RSS 1.9 GB,
1.4 GB without).

Where. Every ``mllab`` command (the CLI's start-up callback, once ``--verbose`` has set the log level), the
workers of ``--jobs`` and of sweeps (local processes and Ray tasks) and the Python API's ``mllab.train`` call it
at start-up. Elsewhere than on glibc (macOS, musl) it does nothing and says so in a debug log;
``MLLAB_MALLOC=system`` leaves glibc's defaults too (to compare).

>>> keep_memory() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform

log = logging.getLogger(__name__)

# glibc's malloc.h parameter numbers
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
NEVER = -1  # mallopt(3): "Setting M_TRIM_THRESHOLD to -1 disables trimming completely"
ENV = "MLLAB_MALLOC"  # "system": leave the allocator as the process started with it
_done: bool | None = None


def keep_memory() -> bool:
    """Tell glibc's malloc to keep freed memory for the next training step (once per process; see the
    module docstring). True when the settings are in force, False where they do not apply."""
    global _done
    if _done is None:
        _done = _apply()
    return _done


def _libc_version() -> str:
    """``glibc 2.36`` on glibc, "" where the C library does not say (``platform.libc_ver`` reads the whole
    interpreter binary: too slow for every command's start)."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        return ""


def _apply() -> bool:
    if os.environ.get(ENV) == "system":
        log.debug("%s=system: the allocator's own settings are kept", ENV)
        return False
    libc = _libc_version()
    if not libc.startswith("glibc "):
        log.debug("not glibc (%s): the allocator is left as it is", libc or platform.system())
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError) as err:
        log.debug("glibc's mallopt not found (%s): the allocator is left as it is", err)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    done = mallopt(M_MMAP_MAX, 0) == 1 and mallopt(M_TRIM_THRESHOLD, NEVER) == 1
    log.debug("glibc malloc: M_MMAP_MAX=0, M_TRIM_THRESHOLD=-1 (never) %s", "set" if done else "refused")
    return done


def give_back_memory() -> None:
    """Return the free memory at the heap's top to the system (``malloc_trim``): after training, in a process
    that goes on (the Python API's ``mllab.train`` in a notebook). Nothing elsewhere than on glibc."""
    if keep_memory():
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc_trim.argtypes, libc.malloc_trim.restype = (ctypes.c_size_t,), ctypes.c_int
        libc.malloc_trim(0)
