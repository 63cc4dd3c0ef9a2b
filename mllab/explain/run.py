"""Explain a trained run: its data and model, drawn into ``RUN/explain/`` (what ``mllab explain`` runs).

Attribution methods write ``<method>[-<layer>].png`` (row 0 the inputs, then the maps; Grad-CAM overlaid) and
``.npz`` (``attributions``, ``inputs``, ``labels``, ``predictions``); several methods also write
``attribution.png`` with one row per method. Embeddings write ``<method>[-<layer>].png`` (one panel per
layer, coloured by class) and ``.npz`` (``embeddings`` (L, N, 2), ``layers``, ``labels``, ``predictions``).

>>> paths = explain_run("runs/demo/<group>/seed0", ["gradcam", "pca"])  # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mllab.core import plotting
from mllab.core.errors import MllabError
from mllab.core.files import atomic_write_bytes
from mllab.explain import figures
from mllab.explain.attribution import attribute
from mllab.explain.embedding import embed
from mllab.explain.hooks import features, layer_table
from mllab.explain.registry import EXPLAINERS
from mllab.runs.load import Run, load_run

EMBED_SAMPLES = 1000  # examples per embedding (stratified), as report 000's t-SNE figures


@dataclass
class Sample:
    """Transformed inputs of a run's split with their labels and class names."""

    x: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]


def torch_model(run: Run):
    """The run's trained torch network (eval mode); a clear error for other engines."""
    if run.spec.engine != "torch":
        raise MllabError(f"run {run.path}: explain works on torch networks; this run's engine is "
                         f"{run.spec.engine!r} ({run.config.model.name})")
    return run.model()


def split_data(run: Run, split: str = "test") -> Sample:
    """The run's ``split`` (train, val or test), with the data settings it was trained with."""
    from mllab.data.splits import prepare_splits

    if run.config.data.features_from:
        raise MllabError(f"run {run.path} was trained on another run's features (data.features_from); "
                         "explain that run instead")
    splits = prepare_splits(run.config.data)
    part = getattr(splits, split, None) if split in ("train", "val", "test") else None
    if part is None:
        raise MllabError(f"split {split!r}: expected train, val or test (val only when the run kept one)")
    return Sample(part.x, part.y, tuple(splits.dataset.classes))


def one_per_class(y: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` examples taking classes in turn: the first of each class, then the second, ..."""
    by_class = [np.flatnonzero(y == k) for k in np.unique(y)]
    order = [idx[r] for r in range(max(map(len, by_class))) for idx in by_class if r < len(idx)]
    return np.asarray(order[:n])


def stratified(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """About ``n`` indices with the class proportions of ``y`` (seeded), sorted."""
    if n >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(y == k))[:max(1, round(n * np.mean(y == k)))] for k in np.unique(y)]
    return np.sort(np.concatenate(keep))


def predictions(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([model(torch.as_tensor(x[i:i + batch])).argmax(1).numpy()
                               for i in range(0, len(x), batch)])


def default_layers(model, x: np.ndarray) -> list[str]:
    """Where embeddings look by default: the classifier's input (the penultimate features), else the last
    module's output."""
    names = dict(model.named_modules())
    if "classifier" in names:
        return ["classifier:in"]
    return [layer_table(model, torch.as_tensor(x[:1]), call_order=True)[-1][0]]


def file_stem(method: str, layer: str | None) -> str:
    return method if not layer else f"{method}-{layer.replace(':', '_').replace('/', '_')}"


def explain_run(run_path, methods: Sequence[str], layers: Sequence[str] = (), images: int = 10,
                split: str = "test", samples: int = EMBED_SAMPLES) -> list[Path]:
    """Run every method on the run's ``split`` and write the figures and arrays; returns the paths written."""
    run = load_run(run_path)
    for m in methods:
        EXPLAINERS.entry(m)  # unknown names fail before any work
    model, data = torch_model(run), split_data(run, split)
    out = run.path / "explain"
    attributions = [m for m in methods if EXPLAINERS.entry(m).meta["kind"] == "attribution"]
    written = []
    if attributions:
        written += _attributions(model, data, attributions, list(layers), images, out)
    for m in methods:
        if EXPLAINERS.entry(m).meta["kind"] == "embedding":
            written += _embedding(model, data, m, list(layers), samples, out)
    return written


def _attributions(model, data: Sample, methods, layers, images, out: Path) -> list[Path]:
    pick = one_per_class(data.y, images)
    x, y = data.x[pick], data.y[pick]
    pred = predictions(model, x)
    titles = [f"{data.classes[t]} / {data.classes[p]}" for t, p in zip(y, pred)]
    target = torch.as_tensor(y).long()  # the true class of each image
    maps, written = {}, []
    for m in methods:
        for layer in (layers or [None]) if EXPLAINERS.entry(m).meta.get("layer") else [None]:
            a = attribute(model, torch.as_tensor(x), target, m, layer=layer)
            stem = file_stem(m, layer)
            maps[stem] = a
            written += _save(out, stem, figures.attribution_grid(x, {stem: a}, titles),
                             attributions=a, inputs=x, labels=y, predictions=pred, method=m, layer=layer or "")
    if len(maps) > 1:
        written.append(plotting.save(figures.attribution_grid(x, maps, titles), out / "attribution.png"))
    return written


def _embedding(model, data: Sample, method, layers, samples, out: Path) -> list[Path]:
    keep = stratified(data.y, samples)
    x, y = data.x[keep], data.y[keep]
    stem = file_stem(method, layers[0] if len(layers) == 1 else None)  # several layers: one figure, one panel each
    layers = layers or default_layers(model, x)
    feats = features(model, x, layers)
    points = {layer: embed(feats[layer], method) for layer in layers}
    fig = figures.embedding_scatter(points, y, data.classes, f"{method} of {len(x)} test examples")
    return _save(out, stem, fig, embeddings=np.stack(list(points.values())), layers=np.array(layers), labels=y,
                 predictions=predictions(model, x))


def _save(out: Path, stem: str, fig, **arrays) -> list[Path]:
    png = plotting.save(fig, out / f"{stem}.png")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    npz = out / f"{stem}.npz"
    atomic_write_bytes(npz, buffer.getvalue())
    return [png, npz]


def list_layers(run_path) -> list[tuple[str, str, tuple[int, ...] | None]]:
    """The run's modules with their output shapes for one test example."""
    run = load_run(run_path)
    model, data = torch_model(run), split_data(run, "test")
    return layer_table(model, torch.as_tensor(data.x[:1]))

