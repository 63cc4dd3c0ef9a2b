"""Executors for independent trials (one seed = one trial).

``local`` runs trials one after another in this process; ``processes`` runs
them in ``jobs`` worker processes (spawned, so each has its own torch
threads and RNG state), each limited to ``cpu_count // jobs`` threads.
Results come back in seed order either way.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Callable, Sequence

log = logging.getLogger(__name__)


def run_trials(fn: Callable[..., dict[str, Any]], trials: Sequence[tuple], jobs: int = 1) -> list[dict[str, Any]]:
    """``[fn(*t) for t in trials]``, in ``jobs`` processes when ``jobs > 1``; the first exception cancels the
    trials not started yet and is raised."""
    if jobs <= 1 or len(trials) <= 1:
        return [fn(*t) for t in trials]
    cores = os.cpu_count() or 1
    if jobs > cores:
        log.warning("--jobs %d on %d CPU cores: the jobs share the cores, each with 1 thread; every trial runs "
                    "slower and the total takes no less time. Use --jobs %d or fewer.", jobs, cores, cores)
    threads = max(1, cores // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                             initializer=_limit_threads, initargs=(threads,)) as pool:
        futures = [pool.submit(fn, *t) for t in trials]
        try:
            return [f.result() for f in futures]
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def _limit_threads(threads: int) -> None:
    """A worker's start-up: its torch threads, and the allocator mllab trains with."""
    import torch

    from mllab.core.allocator import keep_memory

    keep_memory()
    torch.set_num_threads(threads)
