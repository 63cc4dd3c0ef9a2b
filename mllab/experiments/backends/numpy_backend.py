"""The ``numpy`` backend: a scratch (NumPy engine) model trained inside a run directory (``model.backend: numpy``).

The same config sections, run files and resume contract as the torch
trainer: ``metrics.jsonl`` per epoch, ``checkpoints/last.npz`` every epoch
(parameters, optimizer state, epoch, RNG state), ``best.npz`` by
``training.select``. Schedules are applied per epoch (the factor at the
epoch's start); penalties are not supported here (use ``optimizer.weight_decay``).
``training.loss`` names the same loss as in the torch engine (:data:`mllab.scratch.train.LOSSES` uses the torch
engine's names; ``nll`` has no NumPy version).
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

import mllab.runs.checkpoints as checkpoints
from mllab.core.errors import ConfigError
from mllab.core.files import atomic_write_text
from mllab.core.metrics import psnr_from_mse
from mllab.experiments.backends import BACKENDS, build_for_run
from mllab.runs.predictions import save_predictions


def scratch_optimizer(model, cfg):
    from mllab.scratch.optim import SGD, Adam

    o = cfg.optimizer
    if o.lr_mult:
        raise ConfigError("optimizer.lr_mult is not supported by model.backend=numpy; remove it or use torch")
    if o.name == "sgd":
        return SGD(model.parameters(), lr=o.lr, momentum=o.momentum, nesterov=o.nesterov, weight_decay=o.weight_decay)
    if o.name == "adam":
        return Adam(model.parameters(), lr=o.lr, betas=o.betas, weight_decay=o.weight_decay)
    raise ConfigError(f"optimizer.name={o.name!r} is not available with model.backend=numpy; use sgd or adam")


def _check_supported(cfg) -> None:
    if cfg.penalty.l1 or cfg.penalty.l2:
        raise ConfigError("penalty.l1/l2 are not supported by model.backend=numpy; use optimizer.weight_decay "
                         "(L2 with coefficient l2 equals weight_decay = 2 * l2 under SGD)")
    from mllab.scratch.train import LOSSES

    if cfg.training.loss not in LOSSES:
        raise ConfigError(f"training.loss: {cfg.training.loss!r} is not available with model.backend=numpy; "
                          f"choose one of {', '.join(LOSSES.names())} (or model.backend=torch)")
    from mllab.training import augment

    if augment.enabled(cfg.training.augment):
        raise ConfigError("training.augment is not supported by model.backend=numpy; remove it")


@BACKENDS.register("numpy")
class NumpyBackend:
    """Scratch networks trained by :mod:`mllab.scratch.train` (checkpoints ``.npz``)."""

    def fit(self, cfg, run, splits, quiet: bool, resume: bool) -> dict[str, Any]:
        return fit_scratch(cfg, run, splits, quiet, resume)

    def evaluate(self, cfg, run, splits, checkpoint: str) -> dict[str, float]:
        from mllab.scratch import train as st

        reconstruct = is_reconstruction(cfg)
        loss = "mse" if reconstruct else cfg.training.loss
        return _scores(st, run.model(checkpoint), splits.test, reconstruct, loss, "test")


def is_reconstruction(cfg) -> bool:
    from mllab.scratch.models import SCRATCH_MODELS

    return SCRATCH_MODELS.entry(cfg.model.name).meta.get("task") == "reconstruct"


def fit_scratch(cfg, run, splits, quiet: bool, resume: bool) -> dict[str, Any]:
    """Train, checkpoint and evaluate a scratch model; resumes from ``last.npz`` when ``resume``."""
    from mllab.scratch import train as st
    from mllab.training.progress import print_epoch
    from mllab.training.schedules import lr_factor_fn

    _check_supported(cfg)
    model = build_for_run(cfg, run, splits)
    opt = scratch_optimizer(model, cfg)
    reconstruct = is_reconstruction(cfg)
    loss = "mse" if reconstruct else cfg.training.loss
    x, y = splits.train.x, None if reconstruct else splits.train.y
    factor = lr_factor_fn(cfg.schedule, cfg.training.epochs)
    run.write_env({"device": "cpu", "backend": "numpy", "data": splits.dataset.summary()})
    epoch, rng, state = 0, np.random.default_rng(cfg.seed), {"best": None, "best_epoch": None, "step": 0}
    last, best = (checkpoints.path_of(run.checkpoints, name, "numpy") for name in ("last", "best"))
    if resume and last.is_file():
        epoch, rng = checkpoints.load_scratch(model, last, opt)
        state = checkpoints.read_json(run.checkpoints / "last_state.json")
        if not {"best", "best_epoch", "step"} <= set(state):
            raise checkpoints.CheckpointError(f"{run.checkpoints / 'last_state.json'}: expected the keys best, "
                                              f"best_epoch, step; found {sorted(state)[:5]}: start the run again")
        run.truncate_metrics(epoch)
    elif cfg.output.figures:
        draw_scratch_figures(model, splits, run, "init")
    for epoch in range(epoch, cfg.training.epochs):
        record = _epoch(cfg, st, model, opt, x, y, loss, rng, state, epoch, factor, splits, reconstruct)
        _track_best(cfg, run, st, model, opt, rng, record, state)
        st.save(last, model, opt, epoch=epoch + 1, rng=rng)
        atomic_write_text(run.checkpoints / "last_state.json", json.dumps(state))  # best-so-far, step count
        run.append_metrics(record)
        print_epoch(record, cfg.training.epochs, quiet)
    if cfg.training.select:
        checkpoints.load_scratch(model, best)
    if cfg.output.figures:
        draw_scratch_figures(model, splits, run, "trained")
    return _final(st, model, splits, reconstruct, loss, run, state)


def _epoch(cfg, st, model, opt, x, y, loss, rng, state, epoch, factor, splits, reconstruct) -> dict[str, Any]:
    """One training epoch and its metrics line."""
    opt.lr = cfg.optimizer.lr * factor(epoch)
    t0 = time.perf_counter()
    metrics = st.fit_epoch(model, opt, x, y, batch_size=cfg.training.batch_size, rng=rng, loss=loss,
                           shuffle=cfg.training.shuffle, step=state["step"])
    state["step"] = int(metrics.pop("step"))
    record = {"epoch": epoch + 1, "lr": opt.lr, **{f"train_{k}": v for k, v in metrics.items()}}
    if splits.val is not None:
        record.update(_scores(st, model, splits.val, reconstruct, loss, "val"))
    seconds = time.perf_counter() - t0
    record.update(seconds=round(seconds, 3), images_per_s=round(len(x) / seconds, 1))
    return record


def draw_scratch_figures(model, splits, run, tag: str) -> list:
    """Filters / first-layer weights as images (``init`` before training, ``trained`` after) and, once
    trained, the first test image deconvolved through each first-layer filter (reports 002, 004)."""
    from mllab.explain.weights import save_weight_figures
    from mllab.scratch import diagnostics

    shape = splits.train.x.shape[1:]
    if len(shape) != 3:
        return []
    drawn = save_weight_figures(model, shape, run.figures, tag)
    if tag == "trained":
        drawn.append(diagnostics.save_deconvolution(model, splits.test.x[0], run.figures / "deconvolution.png"))
    return [p for p in drawn if p is not None]


def _scores(st, model, split, reconstruct: bool, loss: str, prefix: str) -> dict[str, float]:
    scores = st.evaluate(model, split.x, None if reconstruct else split.y, loss=loss)
    if reconstruct:
        scores["psnr"] = psnr_from_mse(scores["loss"])
    return {f"{prefix}_{k}": v for k, v in scores.items()}


def _track_best(cfg, run, st, model, opt, rng, record, state) -> None:
    metric = cfg.training.select
    if not metric:
        return
    if metric not in record:
        raise KeyError(f"training.select {metric!r} is not a recorded metric; recorded: {sorted(record)}")
    better = (state["best"] is None or
              (record[metric] < state["best"] if metric.endswith("loss") else record[metric] > state["best"]))
    if better:
        state.update(best=record[metric], best_epoch=record["epoch"])
        st.save(checkpoints.path_of(run.checkpoints, "best", "numpy"), model, opt, epoch=record["epoch"], rng=rng)


def _final(st, model, splits, reconstruct, loss, run, state) -> dict[str, Any]:
    from mllab.scratch.tensor import Tensor, no_grad

    history = run.read_metrics()
    final = _scores(st, model, splits.test, reconstruct, loss, "test")
    final.update({k: v for k, v in history[-1].items() if k.startswith(("train_", "val_"))})
    if not reconstruct:
        model.eval()
        with no_grad():
            pred = np.concatenate([model(Tensor(splits.test.x[i:i + 1000])).data.argmax(1)
                                   for i in range(0, len(splits.test), 1000)])
        save_predictions(run.path, splits.test, splits.dataset.classes, pred)
    return {"final": final, "epochs_done": len(history), "best_epoch": state["best_epoch"], "backend": "numpy",
            "params": int(sum(p.data.size for p in model.parameters())),
            "images_per_s": float(np.median([r["images_per_s"] for r in history])),
            "train_size": len(splits.train), "test_size": len(splits.test)}
