"""One seed's life: train and evaluate it into its run folder, record every ending (completed, failed,
diverged, interrupted) in its summary and the runs root's index, and keep Ctrl-C from cutting the final
record short. A group of seeds is :mod:`mllab.experiments.runner`.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import threading
import time
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np

import mllab.runs.index as index
from mllab.core.errors import MllabError, NonFiniteLossError
from mllab.core.files import StorageError, storage_error, writing
from mllab.experiments.backends import backend_for
from mllab.experiments.features import prepare_data
from mllab.runs.export import end_live_log, start_live_log
from mllab.runs.liveness import INTERRUPTED, owner
from mllab.runs.published import published_values
from mllab.runs.rundir import RunDir

log = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_trial(cfg, run: RunDir, root: Path, quiet: bool = False, resume: bool = False,
              record: bool = True) -> dict[str, Any]:
    """``run_one`` that records a failing seed (status, error) instead of ending its group, except for a
    configuration or data error (a :class:`~mllab.core.errors.MllabError` other than divergence): that one
    ends the group, as every seed would meet it, and a seed folder that never trained is removed with its
    index row (it would only hold the error)."""
    try:
        return run_one(cfg, run, root, quiet=quiet, resume=resume, record=record)
    except NonFiniteLossError as err:
        log.warning("run %s diverged: %s", run.path, err)
    except MllabError:
        if not resume and not run.read_metrics():
            discard(run, root, record)
        raise
    except Exception as err:  # a bug: the run directory and index hold the status; error.txt the traceback
        log.error("run %s failed: %s: %s (traceback in %s)", run.path, type(err).__name__, err,
                  run.path / "error.txt")
        summary = run.read_summary()
        if summary.get("status") in (None, "running"):  # its last summary could not be written
            summary = {**summary, "status": "failed", "error": f"{type(err).__name__}: {err}"}
        return summary
    return run.read_summary()


def discard(run: RunDir, root: Path, record: bool = True) -> None:
    """Remove a run folder and its row in the index."""
    summary = run.read_summary()
    shutil.rmtree(run.path, ignore_errors=True)
    if record and summary.get("run_id"):
        try:
            index.forget_run(root / "index.sqlite", summary["run_id"])
        except StorageError as err:  # the error being handled is the one to report
            log.warning("%s", err)


def run_one(cfg, run: RunDir, root: Path, quiet: bool = False, resume: bool = False,
            record: bool = True) -> dict[str, Any]:
    """Train and evaluate one seed; the run directory records everything, even a failure.

    A disk that refuses a write (full, read-only) ends the run with one :class:`StorageError` naming the file;
    ``summary.json`` then says ``failed`` (written in place if nothing new fits) and ``error.txt`` holds the
    message. Ctrl-C or SIGTERM while training leaves ``interrupted``; once training is done they wait for the
    summary and the report, so a completed run has its report.

    ``record=False`` leaves ``root/index.sqlite`` alone: a sweep's driver records its trials itself (workers on
    other machines must not write one SQLite file over a network filesystem)."""
    with writing(run.path):
        run.create()
    if not resume:
        run.write_config(cfg)
        run.truncate_metrics(0)  # a fresh start in a used folder must not append to the old epochs
    summary = _initial_summary(cfg, run, root, resume)
    run.write_summary(summary)  # status "running" until the end: a killed run says so
    if record:
        record_in_index(root, summary)
    clock = (time.perf_counter(), time.process_time())
    try:
        summary.update(_fit(cfg, run, quiet, resume))
    except (Exception, KeyboardInterrupt) as err:
        failure = _stopped(run, summary, err)
        _close(run, root, summary, clock, record, strict=False)
        if cfg.training.log:
            end_live_log(run)
        if failure is not err:
            raise failure from err
        raise
    with interrupts_deferred():  # a completed run is not left without its summary and report
        summary["status"] = "completed"
        try:
            _close(run, root, summary, clock, record, strict=True)
        except StorageError as err:
            summary.update(status="failed", error=str(err))
            run.write_status(summary)
            raise
        if cfg.output.figures:
            from mllab.report.html import write_report

            write_report(run)
        if cfg.training.log:  # the trackers get the final metrics and figures (mllab.runs.export)
            end_live_log(run)
    return summary


def _fit(cfg, run: RunDir, quiet: bool, resume: bool) -> dict[str, Any]:
    import torch

    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed % 2**32)
    splits = prepare_data(cfg.data)
    if cfg.training.log:  # before training: a tracker that cannot be opened stops the run here
        start_live_log(run, cfg)
    return backend_for(cfg).fit(cfg, run, splits, quiet, resume)


def _stopped(run: RunDir, summary: dict[str, Any], err: BaseException) -> BaseException:
    """Record in ``summary`` (and ``error.txt``) why the run stopped; returns the error to raise: a disk that
    refused a write becomes one :class:`StorageError` naming the file."""
    if isinstance(err, KeyboardInterrupt):
        summary["status"] = INTERRUPTED
        return err
    failure = storage_error(err, None if getattr(err, "filename", None) else f"a file in {run.path}") or err
    summary.update(status="diverged" if isinstance(err, NonFiniteLossError) else "failed",
                   error=str(failure) if isinstance(failure, StorageError) else f"{type(err).__name__}: {err}")
    run.write_error(summary["error"], traceback.format_exc())
    return failure


def _close(run: RunDir, root: Path, summary: dict[str, Any], clock: tuple[float, float], record: bool,
           strict: bool) -> None:
    """Write the final summary and index row; ``strict=False`` (a run already failing): best effort."""
    import torch

    summary.update(finished=now(), threads=torch.get_num_threads(),
                   wall_seconds=round(time.perf_counter() - clock[0] + summary.get("wall_seconds", 0), 2),
                   cpu_seconds=round(time.process_time() - clock[1] + summary.get("cpu_seconds", 0), 2))
    if strict:
        run.write_summary(summary)
        if record:
            record_in_index(root, summary)
        return
    run.write_status(summary)
    if record:
        try:
            record_in_index(root, summary)
        except (StorageError, sqlite3.Error) as err:  # the summary holds the status; the run's error is raised
            log.info("index not updated: %s", err)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM received in the block take effect when it ends (with the handlers in place before
    it), so the few seconds that write a finished run's record are not cut short. Main thread only."""
    signals = (signal.SIGINT, signal.SIGTERM)
    handlers = {s: signal.getsignal(s) for s in signals}
    if threading.current_thread() is not threading.main_thread() or None in handlers.values():
        yield  # handlers installed outside Python cannot be restored
        return
    caught: list[int] = []
    for s in signals:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
        if caught:
            os.kill(os.getpid(), caught[0])  # delivered again, to the handler it was meant for


def _initial_summary(cfg, run: RunDir, root: Path, resume: bool) -> dict[str, Any]:
    previous = run.read_summary() if resume else {}
    return {
        "run_id": index.run_id(root, run.path),  # one id per folder, however the command named it
        "path": str(run.path), "experiment": cfg.experiment, "dataset": cfg.data.name,
        "model": cfg.model.name, "seed": cfg.seed, "status": "running", "owner": owner(),
        "started": previous.get("started", now()), "wall_seconds": previous.get("wall_seconds", 0),
        "cpu_seconds": previous.get("cpu_seconds", 0),
        "published": cfg.published, "published_values": published_values(cfg.published),
        **({"stands_in_for": cfg.data.stands_in_for} if cfg.data.stands_in_for else {}),
    }


def record_in_index(root: Path, s: dict[str, Any]) -> None:
    """Insert or update the run of summary ``s`` in ``root/index.sqlite``."""
    index.record_run(root / "index.sqlite", {
        "id": s["run_id"], "experiment": s["experiment"], "grp": str(Path(s["run_id"]).parent),
        "dataset": s["dataset"], "model": s["model"], "seed": s["seed"], "status": s["status"],
        "started": s["started"], "finished": s.get("finished"), "path": os.path.realpath(s["path"]),
        "metrics": s.get("final"),
    })
