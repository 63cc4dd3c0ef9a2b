"""Run a config: one seed into one run directory, N seeds into a group with a table.

>>> from mllab.runs.config import resolve_config
>>> cfg = resolve_config({"training": {"epochs": 1}, "data": {"train_subset": 300}})
>>> summary = run_group(cfg, root="runs", quiet=True)
>>> [run["status"] for run in summary["summaries"]]
['completed']
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import sqlite3
import threading
import time
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

import mllab.runs.index as index
from mllab.core.errors import ConfigError, MllabError, NonFiniteLossError, NotARunError
from mllab.core.files import StorageError, atomic_write_text, ensure_writable, storage_error, writing
from mllab.core.names import under
from mllab.experiments.aggregate import write_group
from mllab.experiments.backends import backend_for
from mllab.experiments.executor import run_trials
from mllab.experiments.features import check_features_given, prepare_data
from mllab.runs.export import end_live_log, start_live_log
from mllab.runs.group import GROUP_CONFIG, group_config, seed_dir
from mllab.runs.liveness import INTERRUPTED, owner, refuse_if_alive
from mllab.runs.published import published_values
from mllab.runs.rundir import RunDir, not_a_run

log = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_group_dir(root: Path, cfg) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return under(root, cfg.experiment, f"{stamp}-{cfg.model.name}-{secrets.token_hex(2)}")  # no name leaves root


def run_group(cfg, root: str | Path | None = None, quiet: bool = False, jobs: int = 1,
              announce: Callable[[Path], None] | None = None) -> dict[str, Any]:
    """Train ``cfg.seeds`` seeds (seed, seed+1, ...), ``jobs`` at a time, and write the aggregate table.

    A dataset that is absent is replaced by the config's first present ``data.stand_in`` (recorded in the run).
    ``announce(group)`` is called once the group folder exists (the CLI names it when interrupted). A
    configuration or data error (:class:`~mllab.core.errors.MllabError`) stops the group and leaves no folder
    of a seed that never trained (:func:`run_trial`).
    """
    from mllab.experiments.stand_in import apply_stand_in

    check_features_given(cfg.data)
    cfg = apply_stand_in(cfg)
    root = Path(root or cfg.output.root)
    writable_or_say_where(root, "runs folder", "give a writable one with --out DIR (or output.root=DIR)")
    group = new_group_dir(root, cfg)
    with writing(group):
        group.mkdir(parents=True)
    atomic_write_text(group / GROUP_CONFIG, cfg.to_yaml())  # what --resume GROUP needs if the group is killed
    if announce:
        announce(group)
    trials = [(seed_config(cfg, k), seed_dir(group, cfg.seed + k), root, quiet or jobs > 1)
              for k in range(cfg.seeds)]
    try:
        summaries = run_trials(run_trial, trials, jobs)
    except MllabError:
        if not any(group.glob("seed*")):
            shutil.rmtree(group, ignore_errors=True)
            if not any(group.parent.iterdir()):
                group.parent.rmdir()  # the experiment's folder, made for this group alone
        raise
    return _finish_group(group, cfg, summaries)


def writable_or_say_where(folder: Path, what: str, todo: str) -> None:
    """Raise a :class:`StorageError` naming ``folder`` and what to do when nothing can be written there."""
    try:
        ensure_writable(folder)
    except StorageError as err:
        reason = str(err).rsplit(": ", 1)[-1]
        raise StorageError(f"{what} {folder} cannot be written ({reason}): {todo}", folder, err.errno,
                           says_what_to_do=True) from err


def seed_config(cfg, k: int):
    """The config of the group's ``k``-th seed."""
    return cfg.model_copy(update={"seed": cfg.seed + k, "seeds": 1})


def resume_group(group: Path, root: Path | None = None, quiet: bool = False, jobs: int = 1,
                 seeds: int | None = None) -> dict[str, Any]:
    """Finish a killed seed group: keep its completed seeds, continue the others from their last checkpoint
    (or start them), then write the table and report as ``run_group`` would have.

    ``seeds`` grows the group to that many seeds (the next ones after its last), so a 3-seed group becomes
    the 5-seed group ``--seeds 5`` would have written, without retraining the 3. The group's config is
    ``group.yaml``; groups written before it existed resume the seeds they have.
    """
    cfg = group_config(group)
    for seed in sorted(group.glob("seed*/summary.json")):  # before anything is written: one writer per run
        refuse_if_alive(RunDir(seed.parent).read_summary(), seed.parent)
    writable_or_say_where(group, "group folder", "copy the group to a writable disk and resume the copy")
    if seeds is not None and seeds != cfg.seeds:
        cfg = grow_group(group, cfg, seeds)
    root = Path(root or group.parent.parent)
    summaries: dict[int, dict[str, Any]] = {}
    trials, rebuilt = [], []
    for k in range(cfg.seeds):
        run = seed_dir(group, cfg.seed + k)
        previous = run.read_summary()  # {} for a seed that never started
        if previous.get("status") == "completed":
            summaries[k] = previous
            if cfg.output.figures and rebuild_missing_report(run):
                rebuilt.append(str(run.path / "report.html"))
        else:
            trials.append((seed_config(cfg, k), run, root, quiet or jobs > 1, run.has_checkpoint("last")))
    pending = [k for k in range(cfg.seeds) if k not in summaries]
    summaries.update(zip(pending, run_trials(run_trial, trials, jobs)))
    return {**_finish_group(group, cfg, [summaries[k] for k in range(cfg.seeds)]), "rebuilt_reports": rebuilt}


def resume_run(run: RunDir, root: Path | None = None, quiet: bool = False) -> tuple[dict[str, Any], str]:
    """Continue a killed run from its last checkpoint (or start it again when it has none), as ``(summary,
    what was done)``. A completed run is not trained again: a report it lacks is rebuilt."""
    if not (run.path / "config.yaml").is_file():
        raise NotARunError(not_a_run(run.path))
    previous = run.read_summary()
    refuse_if_alive(previous, run.path)
    cfg = run.read_config()
    if previous.get("status") == "completed":
        if cfg.output.figures and rebuild_missing_report(run):
            return previous, "it was complete; its missing report was rebuilt"
        return previous, "it was complete already; nothing to resume"
    writable_or_say_where(run.path, "run folder", "copy the run to a writable disk and resume the copy")
    resume = run.has_checkpoint("last")
    summary = run_one(cfg, run, Path(root or runs_root(run.path, cfg.experiment)), quiet=quiet, resume=resume)
    return summary, "resumed from its last checkpoint" if resume else "trained from the start (no checkpoint)"


def runs_root(run_path: Path, experiment: str) -> Path:
    """runs/<experiment>/<group>/seed<k> -> runs (resolved)."""
    parents = Path(run_path).resolve().parents
    return parents[2] if len(parents) > 2 and parents[1].name == experiment else Path(run_path).parent


def rebuild_missing_report(run: RunDir) -> bool:
    """Write the report of a completed run that lacks one (it was stopped while writing it); True if it did."""
    if (run.path / "report.html").is_file():
        return False
    from mllab.report.html import write_report

    with interrupts_deferred():
        write_report(run)
    return True


def grow_group(group: Path, cfg, seeds: int):
    """The group's config with ``seeds`` seeds, written to ``group.yaml`` before any new seed starts."""
    if seeds < cfg.seeds:
        raise ConfigError(f"{group}: a group only grows: it has {cfg.seeds} seeds, --seeds asked for {seeds}; "
                         f"give {cfg.seeds} or more (or train a new group with --seeds {seeds})")
    cfg = cfg.model_copy(update={"seeds": seeds})
    atomic_write_text(group / GROUP_CONFIG, cfg.to_yaml())
    return cfg


def _finish_group(group: Path, cfg, summaries: list[dict[str, Any]]) -> dict[str, Any]:
    result = write_group(group, cfg, summaries)
    if cfg.output.figures and cfg.seeds > 1:
        from mllab.report.group import write_group_report

        result["report"] = str(write_group_report(group))
    if cfg.output.figures:
        from mllab.report.index_page import write_index

        write_index(group.parent.parent)  # runs/index.html: every run of the index, this group's included
    return result


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
