"""Where independent trials run (the seeds of ``mllab train --jobs``, the trials of ``mllab sweep --workers``).

An executor is registered in :data:`EXECUTORS` (``local``: this process, or spawned worker processes; ``ray``:
Ray tasks, ``pip install 'mllab[ray]'``) and built by :func:`executor_for`. Its ``run(fn, trials, on_done)``
calls ``fn(*trial)`` for every trial and ``on_done(i, result)`` in the driver as each one ends, so the driver
alone can write what is shared (a sweep's index: SQLite in WAL mode is not safe over a network filesystem).

Every worker starts the same way (:func:`start_worker`): the allocator mllab trains with, and
:func:`threads_per_worker` torch threads, so that workers x threads <= cores (Ray sets ``OMP_NUM_THREADS=1``
in its workers, and a process pool's workers would each take every core).

Interrupted (Ctrl-C, SIGTERM, or a trial's configuration error), every executor stops the same way: trials
not started are cancelled, running ones are asked to stop as Ctrl-C stops a training (each marks its run
``interrupted`` and keeps its last checkpoint), those that finish meanwhile are still reported, and
:class:`TrialsInterrupted` says how many finished; running the same command again resumes the rest.

>>> results = {}
>>> executor_for("local").run(pow, [(2, 3), (3, 2)], results.__setitem__)
>>> results
{0: 8, 1: 9}
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any

from mllab.core.errors import ConfigError
from mllab.core.registry import Registry

log = logging.getLogger(__name__)
Done = Callable[[int, Any], None]
STOP_GRACE_S = 60  # how long running trials get to write their summary once asked to stop


def _load() -> None:
    importlib.import_module(f"{__package__}.ray_executor")  # registers "ray" (and imports Ray only when it runs)


EXECUTORS = Registry("executor", loader=_load)


class TrialsInterrupted(KeyboardInterrupt):
    """Trials stopped by Ctrl-C or SIGTERM: ``finished`` of ``total`` had ended (and were reported)."""

    def __init__(self, finished: int, total: int):
        super().__init__(finished, total)
        self.finished, self.total = finished, total

    def __str__(self) -> str:
        return (f"interrupted: {self.finished} of {self.total} trials finished and are kept; the others stopped "
                f"at their last checkpoint")


def threads_per_worker(workers: int, asked: int | None = None, cores: int | None = None) -> int:
    """Torch threads for each of ``workers`` so that workers x threads <= cores; a warning when asked for more.

    >>> threads_per_worker(2, cores=8)
    4
    """
    cores = cores or os.cpu_count() or 1
    threads = asked or max(1, cores // workers)
    if workers * threads > cores:
        log.warning("%d trials at a time x %d torch threads on %d CPU cores: they share the cores and every trial "
                    "runs slower, the total no faster; run %d at a time or fewer (--jobs / --workers), or set "
                    "training.threads=%d", workers, threads, cores, max(1, cores // threads),
                    max(1, cores // workers))
    return threads


def check_executor(name: str, address: str | None = None) -> None:
    """A clear error for an unknown executor, or a cluster address given to one that does not join clusters."""
    if name not in EXECUTORS:
        raise ConfigError(f"--executor {name!r}: expected one of {', '.join(EXECUTORS.names())}")
    if address and not EXECUTORS.entry(name).meta.get("cluster"):
        raise ConfigError(f"--address {address} names a Ray cluster: give it with --executor ray")


def executor_for(name: str = "local", workers: int = 1, threads: int | None = None, address: str | None = None):
    """The registered executor ``name`` running ``workers`` trials at a time with ``threads`` torch threads each
    (default: :func:`threads_per_worker`)."""
    check_executor(name, address)
    threads = threads or threads_per_worker(workers)
    factory = EXECUTORS.get(name)
    return factory(workers, threads, address) if EXECUTORS.entry(name).meta.get("cluster") else factory(workers, threads)


def run_trials(fn: Callable[..., Any], trials: Sequence[tuple], jobs: int = 1) -> list[Any]:
    """``[fn(*t) for t in trials]``, ``jobs`` at a time on the local executor, in the trials' order."""
    results: dict[int, Any] = {}
    executor_for("local", jobs, threads_per_worker(jobs) if jobs > 1 else None).run(fn, trials, results.__setitem__)
    return [results[i] for i in range(len(trials))]


# --- a worker's life: start-up, one trial at a time, stopping when asked ------------------------------------
_stopping = False  # set in a worker by SIGINT/SIGTERM: the trial running stops, none starts after
_in_trial = False


def start_worker(threads: int) -> None:
    """A worker's start-up: the allocator, ``threads`` torch threads, and Ctrl-C / SIGTERM that stop the running
    trial as Ctrl-C stops a training (and start no other) instead of killing the worker between trials."""
    import torch

    from mllab.core.allocator import keep_memory

    keep_memory()
    torch.set_num_threads(threads)
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _stop)


def _stop(signum, frame) -> None:
    """The first Ctrl-C / SIGTERM stops the running trial as Ctrl-C stops a training, or ends an idle worker (it
    holds nothing); a later one (the pool ending its workers) does not cut the trial's own record short."""
    global _stopping
    if _stopping:
        return
    _stopping = True
    if not _in_trial:
        os._exit(0)
    raise KeyboardInterrupt


def in_worker(fn: Callable[..., Any], args: tuple) -> Any:
    """``fn(*args)`` in a worker, unless it was asked to stop (then :class:`KeyboardInterrupt`, nothing started)."""
    global _in_trial
    if _stopping:
        raise KeyboardInterrupt
    _in_trial = True
    try:
        return fn(*args)
    finally:
        _in_trial = False


@EXECUTORS.register("local", help="processes on this machine")
class LocalExecutor:
    """Trials in this process one after another (``workers`` 1), or in ``workers`` spawned processes."""

    def __init__(self, workers: int = 1, threads: int | None = None):
        self.workers, self.threads = workers, threads or threads_per_worker(workers)

    def run(self, fn: Callable[..., Any], trials: Sequence[tuple], on_done: Done) -> None:
        if self.workers <= 1 or len(trials) <= 1:
            return self._in_process(fn, trials, on_done)
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                   initializer=start_worker, initargs=(self.threads,))
        futures = {pool.submit(in_worker, fn, t): i for i, t in enumerate(trials)}
        pending, reported = set(futures), 0
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in sorted(done, key=futures.get):
                    result = f.result()
                    reported += 1
                    on_done(futures[f], result)
        except BaseException as err:
            reported += _stop_pool(pool, futures, pending, on_done)
            if isinstance(err, KeyboardInterrupt):
                raise TrialsInterrupted(reported, len(trials)) from None
            raise
        pool.shutdown()

    def _in_process(self, fn: Callable[..., Any], trials: Sequence[tuple], on_done: Done) -> None:
        finished = 0
        try:
            for i, trial in enumerate(trials):
                result = fn(*trial)
                finished += 1
                on_done(i, result)
        except KeyboardInterrupt:
            raise TrialsInterrupted(finished, len(trials)) from None


def _stop_pool(pool: ProcessPoolExecutor, futures: dict, pending: set, on_done: Done) -> int:
    """Cancel the trials not started, ask the running ones to stop (SIGTERM: they record ``interrupted``), wait
    up to :data:`STOP_GRACE_S` for them, kill what is left; report the trials that completed meanwhile."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("worker %d did not stop within %d s; killed (its trial resumes from its last checkpoint)",
                        process.pid, STOP_GRACE_S)
            process.kill()
    finished = [f for f in pending if f.done() and not f.cancelled() and f.exception() is None]
    for f in sorted(finished, key=futures.get):
        on_done(futures[f], f.result())
    return len(finished)
