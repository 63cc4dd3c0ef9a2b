"""Evaluate a finished run again, possibly on changed test data (e.g. inverted MNIST)."""

from __future__ import annotations

from pathlib import Path

from mllab.experiments.build import build_model, prepare_data
from mllab.experiments.config import resolve_config
from mllab.experiments.rundir import RunDir


def evaluate_run(run_path: Path, overrides: list[str], checkpoint: str = "auto") -> dict[str, float]:
    """Test metrics of a run's saved model; ``overrides`` may change ``data.*`` only."""
    from mllab.experiments.runner import pick_device, to_tensors
    from mllab.train.tasks import ClassifyTask
    from mllab.train.trainer import Trainer

    bad = [o for o in overrides if not o.startswith("data.")]
    if bad:
        raise ValueError(f"eval overrides may change data.* only (the model is fixed); got {bad}")
    run = RunDir(run_path)
    cfg = run.read_config()
    cfg = resolve_config(cfg.model_dump(mode="json"), overrides)
    splits = prepare_data(cfg.data)
    name = ("best" if cfg.training.select else "last") if checkpoint == "auto" else checkpoint
    if cfg.model.backend == "numpy":
        return _evaluate_scratch(cfg, run, splits, name)
    entry, model = build_model(cfg.model, splits, cfg.seed)
    if entry.meta.get("kind") == "classical":
        raise ValueError(f"{cfg.model.name} is a classical model; its run records test accuracy in summary.json")
    device = pick_device(cfg.training.device)
    model.load_state_dict(run.load_checkpoint(name, map_location=device)["model"])
    model.to(device)
    task = ClassifyTask(cfg.training.loss, splits.dataset.num_classes)
    trainer = Trainer(model, cfg, task, None, device=device, quiet=True, tokens=entry.meta.get("input") == "tokens")
    return {f"test_{k}": v for k, v in trainer.evaluate(to_tensors(splits.test, device)).items()}


def _evaluate_scratch(cfg, run: RunDir, splits, name: str) -> dict[str, float]:
    from mllab.experiments.scratch_fit import LOSS_NAMES, build_scratch
    from mllab.scratch import train as st

    entry, model = build_scratch(cfg, splits)
    path = run.checkpoints / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"run {run.path}: no checkpoint {path.name}")
    st.load(path, model)
    reconstruct = entry.meta.get("task") == "reconstruct"
    scores = st.evaluate(model, splits.test.x, None if reconstruct else splits.test.y,
                         loss="mse" if reconstruct else LOSS_NAMES[cfg.training.loss])
    return {f"test_{k}": v for k, v in scores.items()}
