"""Run a sweep: plan its trials, skip the finished ones, train the rest on an executor, write its tables
and pages. Running the same command again resumes it.

>>> sweep = run_sweep("demo", ["training.epochs=1", "data.train_subset=300"], ["optimizer.lr=0.003,0.01"], out="runs")
>>> [t["status"] for t in sweep["trials"]], sweep["folder"].name, sweep["report"].name  # 2 settings x 1 seed
(['completed', 'completed'], 'sweep-demo-...', 'report.html')
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mllab.core.errors import MllabError
from mllab.core.files import atomic_write_text
from mllab.core.names import under
from mllab.core.yamlfile import read_yaml
from mllab.experiments.aggregate import write_group
from mllab.experiments.recipes import config_for
from mllab.experiments.executor import check_executor, executor_for, threads_per_worker
from mllab.experiments.ray_executor import check_address
from mllab.experiments.trial import record_in_index, run_trial
from mllab.experiments.stand_in import apply_stand_in
from mllab.runs.group import GROUP_CONFIG
from mllab.runs.liveness import is_alive, owner, refuse_if_alive
from mllab.report.selection import requested
from mllab.runs.rundir import RunDir
from mllab.sweep import plan

log = logging.getLogger(__name__)
SWEEP_FILE = "sweep.yaml"


class SweepRunningError(MllabError):
    """The sweep folder is being written by a live ``mllab sweep``."""


def sweep_folder(root: Path, target: str, base, grid: dict[str, list[str]], seeds: int) -> Path:
    """``root/<experiment>/sweep-<recipe>-<hash of base config, grid, seeds>``: the same command, the same folder."""
    key = json.dumps([plan.config_hash(base, 64), grid, seeds], sort_keys=True)
    return under(root, base.experiment, f"sweep-{Path(target).stem}-{hashlib.sha256(key.encode()).hexdigest()[:8]}")


def run_sweep(target: str, overrides: list[str], grid_items: list[str], seeds: int = 1, executor: str = "local",
              workers: int = 1, address: str | None = None, out: str | Path | None = None,
              quiet: bool = True, metric: str | None = None, mode: str | None = None) -> dict[str, Any]:
    """Train grid x seeds trials of a recipe or config file (finished trials are kept) and write the tables.

    The best setting is the one with the best mean ``metric`` over its seeds (``mode``: max or min; default:
    ``val_accuracy`` max, else ``val_psnr`` max, else ``val_loss`` min); a ``test_*`` metric is refused.
    Returns ``{"folder", "trials": [summary...], "table": Path, "report": Path}``.
    """
    check_executor(executor, address)
    select = requested(metric, mode)
    check_address(address)  # a Ray cluster that does not answer: one line, not a hang in ray.init
    grid = plan.parse_grid(grid_items)
    base = apply_stand_in(config_for(target, overrides))
    root = Path(out or base.output.root)
    folder = sweep_folder(root, target, base, grid, seeds)
    refuse_if_running(folder)
    all_settings = plan.settings(grid)
    names = plan.setting_folders(all_settings)
    setting_cfgs = [apply_stand_in(config_for(target, overrides + s)) for s in all_settings]
    threads = threads_per_worker(workers, base.training.threads)
    trials = plan.trials(folder, setting_cfgs, names, seeds, threads)
    plan_args = (folder, target, overrides, grid, seeds, executor, select, all_settings, names, setting_cfgs, trials)
    write_plan(*plan_args, "running")
    # keyed by the trial's place in the plan: two settings that differ only in provenance (a description)
    # compute the same config, so share an id, but each has its own folder and row
    summaries, jobs, pending = {}, [], []
    for k, t in enumerate(trials):
        previous = RunDir(t.path).read_summary()
        if previous.get("status") == "completed":
            summaries[k] = previous
            continue
        refuse_if_alive(previous, t.path)  # a 'mllab train --resume' of this trial, say
        jobs.append((t.cfg, t.path, root, quiet, RunDir(t.path).has_checkpoint("last")))
        pending.append(k)
    log.info("sweep %s: %d trials, %d to train", folder, len(trials), len(jobs))

    def done(i: int, summary: dict[str, Any]) -> None:
        summaries[pending[i]] = summary
        if summary.get("run_id"):
            record_in_index(root, summary)

    executor_for(executor, workers, threads, address).run(train_trial, jobs, done)
    failed = [k for k in range(len(trials)) if summaries.get(k, {}).get("status") != "completed"]
    write_plan(*plan_args, "failed" if failed else "completed")
    return finish(folder, root, setting_cfgs, names, trials, summaries, seeds)


def train_trial(cfg, path: Path, root: Path, quiet: bool, resume: bool) -> dict[str, Any]:
    """One trial, in whichever worker the executor runs it; the driver records it in the index (``done``)."""
    return run_trial(cfg, RunDir(path), root, quiet=quiet, resume=resume, record=False)


def refuse_if_running(folder: Path) -> None:
    path = folder / SWEEP_FILE
    state = read_yaml(path) if path.is_file() else {}
    if state.get("status") == "running" and is_alive(state.get("owner")):
        raise SweepRunningError(f"{folder} is being run by another 'mllab sweep' (still alive): wait for it to "
                                f"end, or stop it; the same command then resumes the sweep")


def write_plan(folder: Path, target, overrides, grid, seeds, executor, select, all_settings, names, setting_cfgs,
               trials, status: str) -> None:
    """``sweep.yaml`` (the command, the metric that chooses, its settings and trials, the status) and each
    setting's ``group.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    for cfg, name in zip(setting_cfgs, names):
        (folder / name).mkdir(exist_ok=True)
        atomic_write_text(folder / name / GROUP_CONFIG, cfg.model_copy(update={"seeds": seeds}).to_yaml())
    state = {
        "recipe": target, "overrides": list(overrides), "grid": grid, "seeds": seeds, "executor": executor,
        "select": select,  # {metric, mode} as asked (metric None: the default); the tables resolve it
        "settings": [{"folder": n, "overrides": s} for n, s in zip(names, all_settings)],
        "trials": [{"id": t.id, "setting": names[t.setting], "seed": t.seed,
                    "path": str(t.path.relative_to(folder))} for t in trials],
        "status": status, "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        "owner": owner(),  # who writes it (liveness); the pages never show it
    }
    atomic_write_text(folder / SWEEP_FILE, yaml.safe_dump(state, sort_keys=False))


def finish(folder: Path, root: Path, setting_cfgs, names, trials, summaries, seeds: int) -> dict[str, Any]:
    """Each setting's seed table and report, the sweep's tables and report, and ``root/index.html``."""
    from mllab.report.group import write_group_report
    from mllab.report.index_page import write_index
    from mllab.report.sweep import write_sweep_report, write_tables

    for i, (cfg, name) in enumerate(zip(setting_cfgs, names)):
        group_summaries = [summaries[k] for k, t in enumerate(trials) if t.setting == i and k in summaries]
        write_group(folder / name, cfg.model_copy(update={"seeds": seeds}), group_summaries)
        if cfg.output.figures:
            write_group_report(folder / name)
    tables = write_tables(folder)
    report = write_sweep_report(folder)
    index = write_index(root)
    return {"folder": folder, "trials": [summaries.get(k, {}) for k in range(len(trials))], "tables": tables,
            "report": report, "index": index}
