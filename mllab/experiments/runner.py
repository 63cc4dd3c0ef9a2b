"""Run a config's seeds as a group (one run folder each, :mod:`mllab.experiments.trial`) with a table; resume
or grow a group; resume one run.

>>> from mllab.runs.config import resolve_config
>>> cfg = resolve_config({"training": {"epochs": 1}, "data": {"train_subset": 300}})
>>> summary = run_group(cfg, root="runs", quiet=True)
>>> [run["status"] for run in summary["summaries"]]
['completed']
"""

from __future__ import annotations

import logging
import secrets
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from mllab.core.errors import ConfigError, MllabError, NotARunError
from mllab.core.files import StorageError, atomic_write_text, ensure_writable, writing
from mllab.core.names import under
from mllab.experiments.aggregate import write_group
from mllab.experiments.executor import run_trials
from mllab.experiments.features import check_features_given
from mllab.experiments.trial import interrupts_deferred, run_one, run_trial
from mllab.runs.group import GROUP_CONFIG, group_config, seed_dir
from mllab.runs.liveness import refuse_if_alive
from mllab.runs.rundir import RunDir, not_a_run

log = logging.getLogger(__name__)


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
