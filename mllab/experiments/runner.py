"""Run a config: one seed into one run directory, N seeds into a group with a table.

>>> from mllab.experiments.config import resolve_config
>>> cfg = resolve_config({"training": {"epochs": 1}})
>>> summary = run_group(cfg, root="/tmp/mllab-doctest-runs", quiet=True)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import secrets
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from mllab.data.files import atomic_write_text
from mllab.experiments import index
from mllab.experiments.aggregate import write_group
from mllab.experiments.build import build_model, prepare_data
from mllab.experiments.executor import run_trials
from mllab.experiments.liveness import owner, refuse_if_alive
from mllab.experiments.published import published_values
from mllab.experiments.rundir import RunDir

log = logging.getLogger(__name__)
GROUP_CONFIG = "group.yaml"  # a seed group's config (all its seeds), written before the first seed starts


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_group_dir(root: Path, cfg) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / cfg.experiment / f"{stamp}-{cfg.model.name}-{secrets.token_hex(2)}"


def run_group(cfg, root: str | Path | None = None, quiet: bool = False, jobs: int = 1) -> dict[str, Any]:
    """Train ``cfg.seeds`` seeds (seed, seed+1, ...), ``jobs`` at a time, and write the aggregate table.

    A dataset that is absent is replaced by the config's first present ``data.stand_in`` (recorded in the run).
    """
    from mllab.experiments.stand_in import apply_stand_in

    cfg = apply_stand_in(cfg)
    root = Path(root or cfg.output.root)
    group = new_group_dir(root, cfg)
    group.mkdir(parents=True)
    atomic_write_text(group / GROUP_CONFIG, cfg.to_yaml())  # what --resume GROUP needs if the group is killed
    trials = [(seed_config(cfg, k), RunDir(group / f"seed{cfg.seed + k}"), root, quiet or jobs > 1)
              for k in range(cfg.seeds)]
    return _finish_group(group, cfg, run_trials(run_trial, trials, jobs))


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
        run = RunDir(group / f"seed{cfg.seed + k}")
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
        raise ValueError(f"{group}: a group only grows: it has {cfg.seeds} seeds, --seeds asked for {seeds}; "
                         f"give {cfg.seeds} or more (or train a new group with --seeds {seeds})")
    cfg = cfg.model_copy(update={"seeds": seeds})
    atomic_write_text(group / GROUP_CONFIG, cfg.to_yaml())
    return cfg


def is_group(path: Path) -> bool:
    """Whether ``path`` is a seed-group folder (``group.yaml``, or seed folders for groups written before it)."""
    return (path / GROUP_CONFIG).is_file() or any(path.glob("seed*/config.yaml"))


def group_config(group: Path):
    """A group's config: ``group.yaml``, else (older groups) its lowest seed's config over the seeds present."""
    from mllab.experiments.config import resolve_config

    if (group / GROUP_CONFIG).is_file():
        return resolve_config(yaml.safe_load((group / GROUP_CONFIG).read_text()))
    seeds = sorted(int(p.parent.name[4:]) for p in group.glob("seed*/config.yaml") if p.parent.name[4:].isdigit())
    if not seeds:
        raise FileNotFoundError(f"{group}: neither {GROUP_CONFIG} nor seed*/config.yaml here: "
                                f"give a run folder or a group folder (runs/<experiment>/<group>)")
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ValueError(f"{group}: seed folders {seeds} are not consecutive; resume each with --resume SEED_FOLDER")
    first = RunDir(group / f"seed{seeds[0]}").read_config()
    return first.model_copy(update={"seeds": len(seeds)})


def _finish_group(group: Path, cfg, summaries: list[dict[str, Any]]) -> dict[str, Any]:
    result = write_group(group, cfg, summaries)
    if cfg.output.figures and cfg.seeds > 1:
        from mllab.report.group import write_group_report

        result["report"] = str(write_group_report(group))
    return result


def run_trial(cfg, run: RunDir, root: Path, quiet: bool = False, resume: bool = False) -> dict[str, Any]:
    """``run_one`` that records a failing seed (status, error) instead of ending its group."""
    try:
        return run_one(cfg, run, root, quiet=quiet, resume=resume)
    except Exception:  # the run directory and index already hold the status and the error
        log.exception("run %s failed", run.path)
        return run.read_summary()


def run_one(cfg, run: RunDir, root: Path, quiet: bool = False, resume: bool = False) -> dict[str, Any]:
    """Train and evaluate one seed; the run directory records everything, even a failure."""
    import torch

    run.create()
    if not resume:
        run.write_config(cfg)
    summary = _initial_summary(cfg, run, root, resume)
    run.write_summary(summary)  # status "running" until the end: a killed run says so
    _record(root, summary)
    t0 = time.perf_counter()
    try:
        torch.manual_seed(cfg.seed)
        np.random.seed(cfg.seed % 2**32)
        splits = prepare_data(cfg.data)
        if cfg.model.backend == "numpy":
            from mllab.experiments.scratch_fit import fit_scratch

            summary.update(fit_scratch(cfg, run, splits, quiet, resume))
        else:
            entry, model = build_model(cfg.model, splits, cfg.seed)
            fit = _fit_classical if entry.meta.get("kind") == "classical" else _fit_torch
            summary.update(fit(cfg, run, splits, model, entry, quiet, resume))
        summary["status"] = "completed"
    except Exception as err:
        summary.update(status="diverged" if type(err).__name__ == "NonFiniteLossError" else "failed",
                       error=f"{type(err).__name__}: {err}")
        (run.path / "error.txt").write_text(traceback.format_exc())
        raise
    finally:
        summary.update(finished=now(), wall_seconds=round(time.perf_counter() - t0, 2) + summary.get("wall_seconds", 0))
        run.write_summary(summary)
        _record(root, summary)
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
        "published": cfg.published, "published_values": published_values(cfg.published),
        **({"stands_in_for": cfg.data.stands_in_for} if cfg.data.stands_in_for else {}),
    }


def _record(root: Path, s: dict[str, Any]) -> None:
    index.record_run(root / "index.sqlite", {
        "id": s["run_id"], "experiment": s["experiment"], "grp": str(Path(s["run_id"]).parent),
        "dataset": s["dataset"], "model": s["model"], "seed": s["seed"], "status": s["status"],
        "started": s["started"], "finished": s.get("finished"), "path": s["path"], "metrics": s.get("final"),
    })


def pick_device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("training.device=cuda but no CUDA device is available; use training.device=auto")
    return name


def to_tensors(split, device):
    import torch

    from mllab.train.trainer import Tensors

    if split.x.dtype == np.uint8:
        raise ValueError("the model would see raw uint8 pixels: add 'scale' to data.transforms")
    x = torch.from_numpy(np.ascontiguousarray(split.x))
    return Tensors(x.to(device), torch.from_numpy(split.y.astype(np.int64)).to(device))


def _fit_torch(cfg, run, splits, model, entry, quiet, resume) -> dict[str, Any]:
    import torch

    from mllab.train.init import apply_init
    from mllab.train.tasks import ClassifyTask, ReconstructTask
    from mllab.train.trainer import Trainer

    if cfg.training.threads:
        torch.set_num_threads(cfg.training.threads)
    device = pick_device(cfg.training.device)
    apply_init(model, cfg.model.init)
    model.to(device)
    reconstruct = entry.meta.get("task") in ("reconstruct", "generate")
    task = (ReconstructTask(cfg.training.loss if cfg.training.loss == "bce" else "mse") if reconstruct
            else ClassifyTask(cfg.training.loss, splits.dataset.num_classes, cfg.training.label_smoothing))
    run.write_env({"device": device, "threads": torch.get_num_threads(), "data": splits.dataset.summary()})
    train, test = to_tensors(splits.train, device), to_tensors(splits.test, device)
    val = to_tensors(splits.val, device) if splits.val is not None else None
    trainer = Trainer(model, cfg, task, run, device=device, quiet=quiet, tokens=entry.meta.get("input") == "tokens")
    trainer.fit(train, val, resume=resume)
    history = run.read_metrics()
    if cfg.training.select:
        model.load_state_dict(run.load_checkpoint("best", map_location=device)["model"])
    final = {f"test_{k}": v for k, v in trainer.evaluate(test).items()}
    final.update({k: v for k, v in history[-1].items() if k.startswith(("train_", "val_"))})
    if reconstruct:
        from mllab.experiments.generative import save_generative

        save_generative(model, test.x, run.path / "generative.npz", cfg.seed)
    else:
        save_predictions(run, splits, trainer.predict(test.x).cpu().numpy())
    return {
        "final": final, "epochs_done": len(history), "best_epoch": trainer.state["best_epoch"],
        "params": sum(p.numel() for p in model.parameters()),
        "images_per_s": float(np.median([r["images_per_s"] for r in history])),
        "device": device, "train_size": len(splits.train), "test_size": len(splits.test),
    }


def _fit_classical(cfg, run, splits, model, entry, quiet, resume) -> dict[str, Any]:
    from mllab.experiments.classical_fit import fit_classical

    return fit_classical(cfg, run, splits, model, entry)


def save_predictions(run: RunDir, splits, pred: np.ndarray, keep: int = 24) -> None:
    """Test labels, predictions and a few misclassified inputs (for the report's figures)."""
    from mllab.data.files import atomic_path

    y = splits.test.y
    wrong = np.flatnonzero(pred != y)[:keep]
    with atomic_path(run.path / "predictions.npz", suffix=".npz") as tmp:
        np.savez(tmp, y_true=y, y_pred=pred, wrong_index=wrong, wrong_x=splits.test.x[wrong],
                 classes=np.array(splits.dataset.classes))
