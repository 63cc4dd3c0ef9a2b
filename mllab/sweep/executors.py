"""Where a sweep's trials run: local processes, or Ray tasks (``pip install mllab[ray]``).

Both call ``on_done(i, summary)`` in the driver as each trial ends, so the driver alone writes the index
(SQLite in WAL mode is not safe over a network filesystem). Each worker sets torch's threads explicitly:
Ray sets ``OMP_NUM_THREADS=1`` in its workers, and a process pool's workers would each take every core.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any

from mllab.core.errors import ConfigError

log = logging.getLogger(__name__)
EXECUTORS = ("local", "ray")
Done = Callable[[int, dict[str, Any]], None]


def threads_per_worker(workers: int, asked: int | None = None, cores: int | None = None) -> int:
    """Torch threads for each of ``workers`` so that workers x threads <= cores; a warning when asked for more.

    >>> threads_per_worker(2, cores=8)
    4
    """
    cores = cores or os.cpu_count() or 1
    threads = asked or max(1, cores // workers)
    if workers * threads > cores:
        log.warning("%d workers x %d torch threads on %d CPU cores: they share the cores and every trial runs "
                    "slower; use --workers %d or fewer (or training.threads=%d)", workers, threads, cores,
                    max(1, cores // threads), max(1, cores // workers))
    return threads


def run_trial_in_worker(threads: int, cfg, path, root, quiet: bool, resume: bool) -> dict[str, Any]:
    """One trial in a worker: its allocator and torch threads, then the runner's ``run_trial`` (the driver
    records it)."""
    import torch

    from mllab.core.allocator import keep_memory
    from mllab.experiments.runner import run_trial
    from mllab.runs.rundir import RunDir

    keep_memory()
    torch.set_num_threads(threads)
    return run_trial(cfg, RunDir(path), root, quiet=quiet, resume=resume, record=False)


def run_local(jobs: Sequence[tuple], workers: int, threads: int, on_done: Done) -> None:
    """``jobs`` (``run_trial_in_worker``'s arguments after ``threads``) in ``workers`` spawned processes."""
    if workers <= 1:
        for i, job in enumerate(jobs):
            on_done(i, run_trial_in_worker(threads, *job))
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_trial_in_worker, threads, *job): i for i, job in enumerate(jobs)}
        try:
            for f in as_completed(futures):
                on_done(futures[f], f.result())
        except BaseException:  # Ctrl-C, SIGTERM, a bug: stop the trials now (they resume from their checkpoints)
            workers_now = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in workers_now:
                process.terminate()
            raise


def run_ray(jobs: Sequence[tuple], workers: int, threads: int, on_done: Done, address: str | None = None) -> None:
    """``jobs`` as Ray tasks of ``threads`` CPUs each: on a Ray started here on loopback (``workers`` tasks at
    a time, stopped at the end), or on the cluster at ``address`` (as many at a time as it has CPUs).

    Workers write their trial folders themselves: on a cluster the runs root must be a path every node
    shares (and mllab installed on every node); summaries come back to the driver, which writes the index."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install 'mllab[ray]' (or use --executor local)") from None
    started = not ray.is_initialized()
    if started and address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    elif started:  # a local head on 127.0.0.1 only, no dashboard; it goes with ray.shutdown()
        ray.init(num_cpus=workers * threads, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False, logging_level=logging.WARNING, runtime_env={"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}})
    try:
        task = ray.remote(num_cpus=threads, max_retries=0)(run_trial_in_worker)
        refs = {task.remote(threads, *job): i for i, job in enumerate(jobs)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            on_done(refs[done[0]], ray.get(done[0]))
    finally:
        if started:
            ray.shutdown()


def check_executor(executor: str, address: str | None) -> None:
    """A clear error for an unknown executor, or an address without Ray (before anything is written)."""
    if executor not in EXECUTORS:
        raise ConfigError(f"--executor {executor!r}: expected one of {', '.join(EXECUTORS)}")
    if address and executor != "ray":
        raise ConfigError(f"--address {address} names a Ray cluster: give it with --executor ray")


ADDRESS_TIMEOUT_S = 30


def check_address(address: str | None, timeout: float = ADDRESS_TIMEOUT_S) -> None:
    """A Ray cluster at ``address`` (``HOST:PORT`` or ``ray://HOST:PORT``) that does not accept a TCP
    connection within ``timeout`` seconds is one error naming it; ``ray.init`` would wait for it for minutes.

    >>> check_address("127.0.0.1:1")
    Traceback (most recent call last):
    ...
    mllab.core.errors.ConfigError: --address 127.0.0.1:1: no Ray cluster answers there (connection refused); start one (ray start --head --port PORT) or give the address 'ray status' prints
    """
    if not address or address in ("auto", "local"):  # Ray's own words for "find it here" / "start one"
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--address {address!r}: expected HOST:PORT of a Ray cluster (e.g. 10.0.0.1:6379)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except TimeoutError:
        raise ConfigError(f"--address {address}: no Ray cluster answered within {timeout:g} s; check the address "
                          f"and that the head node is running (ray status)") from None
    except OSError as err:
        reason = "connection refused" if isinstance(err, ConnectionRefusedError) else (err.strerror or str(err))
        raise ConfigError(f"--address {address}: no Ray cluster answers there ({reason.lower()}); start one "
                          f"(ray start --head --port PORT) or give the address 'ray status' prints") from None


def execute(executor: str, jobs: Sequence[tuple], workers: int, threads: int, on_done: Done,
            address: str | None = None) -> None:
    check_executor(executor, address)
    if executor == "ray":
        return run_ray(jobs, workers, threads, on_done, address)
    return run_local(jobs, workers, threads, on_done)
