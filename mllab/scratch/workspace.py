"""Work arrays reused from one training step to the next instead of allocated anew.

A step of a convolutional network allocates the same large temporaries every time (im2col columns, the
products of their backward, col2im canvases: tens of MB for LeNet-5 at batch 128). glibc's malloc gives
blocks that large their own memory mapping and returns it when they are freed, so every step the kernel
faults the pages in again and zeroes them: measured, a tenth of a step's CPU time in system time.
:func:`empty` hands out an array kept in a small pool per (name, shape, dtype) instead, and reuses one
only when nothing else refers to it any more (its reference count): a graph still alive (the previous
step's, held until the next loss replaces it, or one a user keeps) never sees its arrays overwritten.

>>> a = empty("doc", (2, 3), np.float32)
>>> b = empty("doc", (2, 3), np.float32)  # a is still referenced: a second array
>>> a is b
False
>>> del a
>>> empty("doc", (2, 3), np.float32) is not b  # the first one is free again and comes back
True
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from mllab.scratch import tensor

KEEP = 3  # arrays kept per (name, shape, dtype): the step in flight, the previous one, one to spare
_pool: dict[tuple, list[np.ndarray]] = {}
_lock = threading.Lock()  # two threads must not both take the same free array


def empty(name: str, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape``, reused when a pooled one is free. Without
    gradients (evaluation, often in larger batches) nothing is pooled: no graph keeps the array."""
    if not tensor._GRAD_ENABLED:
        return np.empty(shape, dtype)
    key = (name, tuple(shape), np.dtype(dtype))
    with _lock:
        arrays = _pool.setdefault(key, [])
        for a in arrays:
            if sys.getrefcount(a) == 3:  # only the pool's list, this loop and getrefcount refer to it
                return a
        a = np.empty(shape, dtype)
        if len(arrays) < KEEP:
            arrays.append(a)
        return a


def zeros(name: str, shape: tuple, dtype) -> np.ndarray:
    """Like :func:`empty`, filled with zeros."""
    a = empty(name, shape, dtype)
    a.fill(0)
    return a


def clear() -> None:
    """Drop every pooled array (their memory goes back when no graph refers to them)."""
    with _lock:
        _pool.clear()
