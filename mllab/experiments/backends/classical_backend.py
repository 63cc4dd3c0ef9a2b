"""The ``classical`` backend: an estimator (``kind="classical"`` models) fitted inside a run directory.

Estimators see flattened inputs ``(n, d)``. Classifiers record test/train
(and validation) accuracy and predictions (train accuracy on the rows fitted:
an SVM's ``train_subset``); ``task="reduce"`` models (PCA)
record reconstruction PSNR. The figures these models owe their users are
drawn into the run's ``figures/``: weight maps for linear models, support
vectors in a 2-D PCA view for SVMs, TP/TN/FP/FN along the discriminant for
a binary LDA. The fitted estimator is the run's checkpoint, saved without pickle: its fitted arrays in
``checkpoints/last.npz``, its registered name and hyper-parameters in ``checkpoints/last.json``
(:func:`mllab.runs.checkpoints.save_estimator`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

import mllab.runs.checkpoints as checkpoints
from mllab.experiments.backends import BACKENDS, build_for_run
from mllab.runs.predictions import save_predictions

log = logging.getLogger(__name__)


def flat(split) -> np.ndarray:
    return split.x.reshape(len(split.x), -1)


@BACKENDS.register("classical")
class ClassicalBackend:
    """Estimators with the scikit-learn contract, fitted once on flattened inputs."""

    def fit(self, cfg, run, splits, quiet: bool, resume: bool) -> dict[str, Any]:
        model = build_for_run(cfg, run, splits)
        return fit_classical(cfg, run, splits, model, is_reduction(cfg))

    def evaluate(self, cfg, run, splits, checkpoint: str) -> dict[str, float]:
        model = run.model(checkpoint)
        if is_reduction(cfg):
            return {"test_psnr": model.reconstruction_psnr(flat(splits.test))}
        return {"test_accuracy": float(np.mean(model.predict(flat(splits.test)) == splits.test.y))}


def is_reduction(cfg) -> bool:
    from mllab.models.registry import MODELS

    return MODELS.entry(cfg.model.name).meta.get("task") == "reduce"


def fit_classical(cfg, run, splits, model, reduce: bool) -> dict[str, Any]:
    run.write_env({"device": "cpu", "data": splits.dataset.summary()})
    t0 = time.perf_counter()
    model.fit(flat(splits.train), splits.train.y)
    fit_seconds = time.perf_counter() - t0
    checkpoints.save_estimator(checkpoints.path_of(run.checkpoints, "last", "classical"), model, cfg.model.name)
    if reduce:
        final = {"test_psnr": model.reconstruction_psnr(flat(splits.test)),
                 "train_psnr": model.reconstruction_psnr(flat(splits.train))}
    else:
        pred = model.predict(flat(splits.test))
        # an estimator that fits a subset (the SVM's train_subset) is scored on the rows it was fitted on:
        # scoring all 60 000 images through ten kernel machines costs minutes and says less
        fitted = getattr(model, "train_index_", slice(None))
        final = {"test_accuracy": float(np.mean(pred == splits.test.y)),
                 "train_accuracy": float(model.score(flat(splits.train)[fitted], splits.train.y[fitted]))}
        if splits.val is not None:
            final["val_accuracy"] = float(model.score(flat(splits.val), splits.val.y))
        save_predictions(run.path, splits.test, splits.dataset.classes, pred)
    run.append_metrics({"epoch": 1, **final, "seconds": round(fit_seconds, 3)})
    if cfg.output.figures:
        draw_classical_figures(model, splits, run)
    return {"final": final, "epochs_done": 1, "fit_seconds": round(fit_seconds, 3),
            "train_size": len(splits.train), "test_size": len(splits.test)}


def draw_classical_figures(model, splits, run) -> list:
    """The model-specific figures (only those that apply to this model and data)."""
    from mllab.models.classical import figures

    shape = splits.train.x.shape[1:]
    image_shape = shape if len(shape) == 3 else None
    drawn = []
    coef = np.asarray(getattr(model, "coef_", None))
    if image_shape and coef.ndim == 2 and coef.shape[1] == np.prod(image_shape):  # (spline's coef_ is wider)
        drawn.append(figures.plot_weight_maps(model, run.figures / "weight_maps.png", image_shape=image_shape,
                                              class_names=list(splits.dataset.classes)))
    if hasattr(model, "support_vectors_") and hasattr(model, "train_index_"):
        drawn.append(figures.plot_support_vectors_pca(model, flat(splits.train), splits.train.y,
                                                      run.figures / "support_vectors_pca.png"))
    if hasattr(model, "projected_means_") and len(model.classes_) == 2:
        drawn.append(figures.plot_lda_outcomes(model, flat(splits.test), splits.test.y,
                                               run.figures / "lda_outcomes.png"))
    return drawn
