"""Run a config: one seed into one run directory, N seeds into a group with a table.

>>> from mllab.runs.config import resolve_config
>>> cfg = resolve_config({"training": {"epochs": 1}})
>>> summary = run_group(cfg, root="/tmp/mllab-doctest-runs", quiet=True)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

import mllab.runs.index as index
from mllab.core.errors import ConfigError, MllabError, NonFiniteLossError
from mllab.core.files import atomic_write_text
from mllab.experiments.aggregate import write_group
from mllab.experiments.backends import backend_for
from mllab.experiments.executor import run_trials
from mllab.experiments.features import check_features_given, prepare_data
from mllab.runs.group import GROUP_CONFIG, group_config, seed_dir
from mllab.runs.liveness import owner, refuse_if_alive
from mllab.runs.published import published_values
from mllab.runs.rundir import RunDir

log = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_group_dir(root: Path, cfg) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / cfg.experiment / f"{stamp}-{cfg.model.name}-{secrets.token_hex(2)}"


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
    group = new_group_dir(root, cfg)
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
    if seeds is not None and seeds != cfg.seeds:
        cfg = grow_group(group, cfg, seeds)
    root = Path(root or group.parent.parent)
    summaries: dict[int, dict[str, Any]] = {}
    trials = []
    for k in range(cfg.seeds):
        run = seed_dir(group, cfg.seed + k)
        previous = run.read_summary()  # {} for a seed that never started
        if previous.get("status") == "completed":
            summaries[k] = previous
        else:
            trials.append((seed_config(cfg, k), run, root, quiet or jobs > 1, run.has_checkpoint("last")))
    pending = [k for k in range(cfg.seeds) if k not in summaries]
    summaries.update(zip(pending, run_trials(run_trial, trials, jobs)))
    return _finish_group(group, cfg, [summaries[k] for k in range(cfg.seeds)])


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
    return run.read_summary()


def discard(run: RunDir, root: Path, record: bool = True) -> None:
    """Remove a run folder and its row in the index."""
    summary = run.read_summary()
    shutil.rmtree(run.path, ignore_errors=True)
    if record and summary.get("run_id"):
        index.forget_run(root / "index.sqlite", summary["run_id"])


def run_one(cfg, run: RunDir, root: Path, quiet: bool = False, resume: bool = False,
            record: bool = True) -> dict[str, Any]:
    """Train and evaluate one seed; the run directory records everything, even a failure.

    ``record=False`` leaves ``root/index.sqlite`` alone: a sweep's driver records its trials itself (workers on
    other machines must not write one SQLite file over a network filesystem)."""
    import torch

    run.create()
    if not resume:
        run.write_config(cfg)
        run.truncate_metrics(0)  # a fresh start in a used folder must not append to the old epochs
    summary = _initial_summary(cfg, run, root, resume)
    run.write_summary(summary)  # status "running" until the end: a killed run says so
    if record:
        record_in_index(root, summary)
    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        torch.manual_seed(cfg.seed)
        np.random.seed(cfg.seed % 2**32)
        splits = prepare_data(cfg.data)
        summary.update(backend_for(cfg).fit(cfg, run, splits, quiet, resume))
        summary["status"] = "completed"
    except Exception as err:
        summary.update(status="diverged" if isinstance(err, NonFiniteLossError) else "failed",
                       error=f"{type(err).__name__}: {err}")
        (run.path / "error.txt").write_text(traceback.format_exc())
        raise
    finally:
        summary.update(finished=now(), threads=torch.get_num_threads(),
                       wall_seconds=round(time.perf_counter() - t0 + summary.get("wall_seconds", 0), 2),
                       cpu_seconds=round(time.process_time() - cpu0 + summary.get("cpu_seconds", 0), 2))
        run.write_summary(summary)
        if record:
            record_in_index(root, summary)
    if cfg.output.figures:
        from mllab.report.html import write_report

        write_report(run)
    return summary


def _initial_summary(cfg, run: RunDir, root: Path, resume: bool) -> dict[str, Any]:
    previous = run.read_summary() if resume else {}
    return {
        "run_id": str(run.path.relative_to(root)) if run.path.is_relative_to(root) else str(run.path),
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
        "started": s["started"], "finished": s.get("finished"), "path": s["path"], "metrics": s.get("final"),
    })
