"""The ``ray`` executor: trials as Ray tasks, on a Ray started here on loopback or on a cluster (``--address``).

Workers write their trial folders themselves: on a cluster the runs root must be a path every node shares (and
mllab installed on every node); results come back to the driver, which reports them (a sweep's driver writes
the index). Interrupted, it stops as the local executor does (:mod:`mllab.experiments.executor`): Ray cancels
the tasks not started and raises Ctrl-C's ``KeyboardInterrupt`` in the running ones, which mark their runs
``interrupted``.

>>> check_address("127.0.0.1:1")
Traceback (most recent call last):
...
mllab.core.errors.ConfigError: --address 127.0.0.1:1: no Ray cluster answers there (connection refused); start one (ray start --head --port PORT) or give the address 'ray status' prints
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from typing import Any

from mllab.core.errors import ConfigError
from mllab.experiments.executor import EXECUTORS, STOP_GRACE_S, Done, TrialsInterrupted

log = logging.getLogger(__name__)
ADDRESS_TIMEOUT_S = 30


def check_address(address: str | None, timeout: float = ADDRESS_TIMEOUT_S) -> None:
    """A Ray cluster at ``address`` (``HOST:PORT`` or ``ray://HOST:PORT``) that does not accept a TCP
    connection within ``timeout`` seconds is one error naming it; ``ray.init`` would wait for it for minutes."""
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


def ray_trial(threads: int, fn: Callable[..., Any], args: tuple) -> Any:
    """One trial in a Ray worker, started as every mllab worker is (allocator, torch threads)."""
    import torch

    from mllab.core.allocator import keep_memory

    keep_memory()
    torch.set_num_threads(threads)
    return fn(*args)


@EXECUTORS.register("ray", cluster=True, help="Ray tasks, here or on a cluster; pip install 'mllab[ray]'")
class RayExecutor:
    """Trials as Ray tasks of ``threads`` CPUs each: ``workers`` at a time on a Ray started here on 127.0.0.1
    (stopped at the end), or as many as the cluster at ``address`` has CPUs for."""

    def __init__(self, workers: int = 1, threads: int = 1, address: str | None = None):
        self.workers, self.threads, self.address = workers, threads, address

    def run(self, fn: Callable[..., Any], trials: Sequence[tuple], on_done: Done) -> None:
        ray = _import_ray()
        started = not ray.is_initialized()
        if started:
            self._start(ray)
        try:
            task = ray.remote(num_cpus=self.threads, max_retries=0)(ray_trial)
            refs = {task.remote(self.threads, fn, t): i for i, t in enumerate(trials)}
            pending, reported = list(refs), 0
            try:
                while pending:
                    done, pending = ray.wait(pending, num_returns=1)
                    result = ray.get(done[0])
                    reported += 1
                    on_done(refs[done[0]], result)
            except BaseException as err:
                reported += _stop_tasks(ray, refs, pending, on_done)
                if isinstance(err, KeyboardInterrupt):
                    raise TrialsInterrupted(reported, len(trials)) from None
                raise
        finally:
            if started:
                ray.shutdown()

    def _start(self, ray) -> None:
        quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
        if self.address:
            ray.init(address=self.address, **quiet)
        else:  # a local head on 127.0.0.1 only, no dashboard; it goes with ray.shutdown()
            ray.init(num_cpus=self.workers * self.threads, include_dashboard=False, _node_ip_address="127.0.0.1",
                     runtime_env={"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}}, **quiet)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install 'mllab[ray]' (or use --executor local)") from None
    return ray


def _stop_tasks(ray, refs: dict, pending: list, on_done: Done) -> int:
    """Cancel the tasks (Ctrl-C in the running ones), wait up to :data:`STOP_GRACE_S` for them to record their
    runs, and report the ones that completed meanwhile."""
    for ref in pending:
        ray.cancel(ref)
    ended, _ = ray.wait(pending, num_returns=len(pending), timeout=STOP_GRACE_S) if pending else ([], [])
    finished = 0
    for ref in ended:
        try:
            result = ray.get(ref)
        except ray.exceptions.RayError as err:  # cancelled or interrupted: its run folder says so
            log.debug("trial %d stopped: %s", refs[ref], err)
            continue
        on_done(refs[ref], result)
        finished += 1
    return finished
