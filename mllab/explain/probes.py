"""Layer-wise probes: how linearly separable are a trained network's classes at each layer?

For each chosen layer, in depth (forward) order: the frozen features of a stratified training sample are
pooled (a conv map is average-pooled to at most ``MAX_DIM`` values, a sequence keeps its last step),
standardised, and a logistic-regression probe is fitted on them; it is scored on a stratified test sample.
Also a 5-nearest-neighbour accuracy and a class-separability score (the mean silhouette of the unscaled test
features by their true class: 1 = tight, far-apart classes, 0 = overlapping). Report 000's "projection vs
transformation" question (does a ReLU or an MLPConv block change separability?) and report 001's "separable
after the second layer" become these numbers.

>>> import mllab
>>> group = mllab.train("demo", overrides=["training.epochs=1", "data.train_subset=300"], seeds=1, out="runs")
>>> rows = probe(group.runs[0].path, ["features.0", "classifier"], train_samples=300, test_samples=100)
>>> [(row["layer"], row["dim"]) for row in rows], 0 <= rows[-1]["linear_probe_accuracy"] <= 1
([('features.0', 2048), ('classifier', 10)], True)
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from mllab.core import plotting
from mllab.core.errors import MllabError
from mllab.core.files import atomic_write_text
from mllab.explain import figures
from mllab.explain.run import split_data, stratified, torch_model
from mllab.models.hooks import features, layer_table, recurrent_layers
from mllab.runs.load import load_run

MAX_DIM = 2048  # pooled feature width a probe sees at most
TRAIN_SAMPLES, TEST_SAMPLES = 2000, 1000
PROBE_ITERATIONS = 500  # L-BFGS iterations of the logistic probe
SKIPPED = ("Dropout", "Dropout2d", "Identity", "Flatten",  # they repeat their input in eval mode
           "Embedding")  # a lookup: its last position is padding in a padded sentence; the first LSTM's :last is not


def pooled(f: np.ndarray) -> np.ndarray:
    """(N, ...) features -> (N, d) with d <= MAX_DIM where the layout allows (maps pooled, sequences' last step)."""
    if f.ndim == 3:  # (N, T, F): the last step, as the recurrent classifiers read it
        f = f[:, -1]
    if f.ndim == 4 and f[0].size > MAX_DIM:  # (N, C, H, W) -> (N, C, s, s)
        side = max(1, int(np.sqrt(MAX_DIM / f.shape[1])))
        f = F.adaptive_avg_pool2d(torch.from_numpy(f), min(side, f.shape[2])).numpy()
    return f.reshape(len(f), -1)


def default_probe_layers(model, example) -> list[str]:
    """Every leaf module the forward pass calls, in forward order: dropout, flatten, identity and embedding
    lookups left out, a recurrent layer as its last step's hidden state (``NAME:last``), a layer with other
    than one row per example (a LayerNorm applied to packed tokens) left out. ``example``: two or more inputs."""
    modules, recurrent = dict(model.named_modules()), recurrent_layers(model, example)
    chosen = []
    for name, kind, shape in layer_table(model, example, call_order=True):
        if name in recurrent:
            chosen.append(f"{name}:last")
        elif not list(modules[name].children()) and kind not in SKIPPED and shape[0] == len(example):
            chosen.append(name)
    return chosen


def score_layer(train_f, train_y, test_f, test_y, seed: int = 0) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import silhouette_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_f)
    a, b = scaler.transform(train_f), scaler.transform(test_f)
    with warnings.catch_warnings():  # an unconverged fit is reported in the row, not as a console warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        linear = LogisticRegression(max_iter=PROBE_ITERATIONS, random_state=seed).fit(a, train_y)
    knn = KNeighborsClassifier(5).fit(a, train_y)
    # on the raw features: standardising would blow up dimensions that only carry noise
    separability = silhouette_score(test_f, test_y) if len(np.unique(test_y)) > 1 else 0.0
    return {"dim": int(train_f.shape[1]), "linear_probe_accuracy": float(linear.score(b, test_y)),
            "knn_accuracy": float(knn.score(b, test_y)), "separability": float(separability),
            "probe_converged": bool(np.max(linear.n_iter_) < PROBE_ITERATIONS)}


def probe(run, layers=None, train_samples: int = TRAIN_SAMPLES, test_samples: int = TEST_SAMPLES) -> list[dict]:
    """One row per layer, in depth order: ``layer``, ``dim``, ``linear_probe_accuracy``, ``knn_accuracy``,
    ``separability``. ``run``: a :class:`~mllab.runs.load.Run` or its folder; ``layers``: selections (default: every
    leaf module the forward pass calls)."""
    run = load_run(run) if isinstance(run, (str, Path)) else run
    model = torch_model(run)
    train, test = split_data(run, "train"), split_data(run, "test")
    train_x, train_y = train.x[stratified(train.y, train_samples)], train.y[stratified(train.y, train_samples)]
    test_x, test_y = test.x[stratified(test.y, test_samples)], test.y[stratified(test.y, test_samples)]
    layers = list(layers or default_probe_layers(model, torch.as_tensor(test_x[:2])))
    if not layers:
        raise MllabError(f"probe: {type(model).__name__} has no layers to probe")
    train_f, test_f = features(model, train_x, layers), features(model, test_x, layers)
    return [{"layer": layer, **score_layer(pooled(train_f[layer]), train_y, pooled(test_f[layer]), test_y)}
            for layer in layers]


def probe_run(run_path, layers: Sequence[str] = (), train_samples: int = TRAIN_SAMPLES,
              test_samples: int = TEST_SAMPLES) -> tuple[list[dict], list[Path]]:
    """Probe the run's layers; writes ``explain/probe.json`` and ``explain/probe.png``."""
    run = load_run(run_path)
    rows = probe(run, list(layers) or None, train_samples, test_samples)
    out = run.path / "explain"
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "probe.json", json.dumps(rows, indent=1) + "\n")
    fig = figures.probe_curve(rows, f"layer-wise probes: {run.config.model.name} on {run.config.data.name}")
    return rows, [out / "probe.json", plotting.save(fig, out / "probe.png")]
