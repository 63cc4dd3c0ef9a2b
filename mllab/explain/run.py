"""Explain a trained run: its data and model, drawn into ``RUN/explain/`` (what ``mllab explain`` runs).

Attribution methods write ``<method>[-<layer>].png`` (row 0 the inputs titled ``true 3 / pred 5``, then the
maps with a colour bar per row; Grad-CAM overlaid) and ``.npz`` (``attributions``, ``inputs``, ``labels``,
``predictions``, ``targets``: the class each map explains, chosen by ``target``); several methods also write
``attribution.png`` with one row per method. Embeddings write ``<method>[-<layer>].png`` (one panel per
layer, coloured by class) and ``.npz`` (``embeddings`` (L, N, 2), ``layers``, ``labels``, ``predictions``).

>>> import mllab
>>> group = mllab.train("demo", overrides=["training.epochs=1", "data.train_subset=300"], seeds=1, out="runs")
>>> paths = explain_run(group.runs[0].path, ["gradcam", "pca"])  # into runs/demo/<group>/seed0/explain/
>>> [path.name for path in paths]
['gradcam.png', 'gradcam.npz', 'pca.png', 'pca.npz']
"""

from __future__ import annotations

import io
import re
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
from mllab.explain.registry import EXPLAINERS
from mllab.models.hooks import features, layer_table
from mllab.runs.load import Run, load_run

LATENT_LAYERS = ("mu", "to_latent")  # the latent code of mllab's VAEs (their mean) and autoencoders
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


def one_per_class(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` examples taking classes in turn: a (seeded) random one of each class, then a second, ...
    A function of the labels and the seed alone, so runs on the same split get the same images."""
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(y == k)) for k in np.unique(y)]
    order = [idx[r] for r in range(max(map(len, by_class))) for idx in by_class if r < len(idx)]
    return np.asarray(order[:n])


def stratified(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """About ``n`` indices with the class proportions of ``y`` (seeded), sorted."""
    if n >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(y == k))[:max(1, round(n * np.mean(y == k)))] for k in np.unique(y)]
    return np.sort(np.concatenate(keep))


def predictions(model, x: np.ndarray, batch: int = 256) -> np.ndarray | None:
    """Predicted classes, or None for a model that is not a classifier (a VAE returns (recon, mu, logvar))."""
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            scores = model(torch.as_tensor(x[i:i + batch]))
            if not isinstance(scores, torch.Tensor) or scores.ndim != 2:
                return None
            out.append(scores.argmax(1).numpy())
    return np.concatenate(out)


def default_layers(model, x: np.ndarray) -> list[str]:
    """Where embeddings look by default: the classifier's input (the penultimate features), the latent code
    of a VAE (its mean, ``mu``: report 000 Fig. 22 embeds the encoder's mean) or of an autoencoder
    (``to_latent``), else the last module's output."""
    names = dict(model.named_modules())
    if "classifier" in names:
        return ["classifier:in"]
    for latent in LATENT_LAYERS:
        if latent in names:
            return [latent]
    return [layer_table(model, torch.as_tensor(x[:1]), call_order=True)[-1][0]]


def target_classes(target: str, y: np.ndarray, pred: np.ndarray | None, classes: Sequence[str]) -> np.ndarray:
    """The class each image's map explains: ``true`` its label (the default), ``pred`` the model's prediction,
    ``N`` class N for every image."""
    if target == "true":
        return y
    if target == "pred":
        if pred is None:
            raise MllabError("--target pred: this model predicts no classes (not a classifier); use true or a "
                             "class index")
        return pred
    if re.fullmatch(r"[0-9]{1,6}", target) and int(target) < len(classes):
        return np.full_like(y, int(target))
    raise MllabError(f"--target {target[:40]!r}: expected true, pred or a class index 0-{len(classes) - 1} "
                     f"(the run's {len(classes)} classes: {', '.join(map(str, classes[:5]))}"
                     f"{', ...' if len(classes) > 5 else ''})")


def evidence(target: str, classes: Sequence[str], runs: int = 1) -> str:
    """The figure caption that says whose evidence its maps show."""
    if target == "true":
        return "maps: evidence for each image's true class"
    if target == "pred":
        return "maps: evidence for the class " + ("the model predicts" if runs == 1 else "each run's model predicts")
    return f"maps: evidence for class {target} ({classes[int(target)]})"


def column_titles(classes: Sequence[str], y: np.ndarray, pred: np.ndarray | None) -> list[str]:
    """``true 3 / pred 5`` per image (``true 3`` without predictions)."""
    return [f"true {classes[t]}" + ("" if pred is None else f" / pred {classes[p]}")
            for t, p in zip(y, y if pred is None else pred)]


def file_stem(method: str, layer: str | None) -> str:
    return method if not layer else f"{method}-{layer.replace(':', '_').replace('/', '_')}"


def explain_run(run_path, methods: Sequence[str], layers: Sequence[str] = (), images: int = 10,
                split: str = "test", samples: int = EMBED_SAMPLES, out: Path | None = None,
                target: str = "true") -> list[Path]:
    """Run every method on the run's ``split`` and write the figures and arrays into ``out`` (default
    ``RUN/explain``); attribution maps explain the class ``target`` names (:func:`target_classes`). Returns the
    paths written."""
    run = load_run(run_path)
    for m in methods:
        EXPLAINERS.entry(m)  # unknown names fail before any work
    model, data = torch_model(run), split_data(run, split)
    out = Path(out) if out else run.path / "explain"
    attributions = [m for m in methods if EXPLAINERS.entry(m).meta["kind"] == "attribution"]
    written = []
    if attributions:
        written += _attributions(model, data, attributions, list(layers), images, out, target)
    for m in methods:
        if EXPLAINERS.entry(m).meta["kind"] == "embedding":
            written += _embedding(model, data, m, list(layers), samples, out, f"{row_labels([run])[0]}, {split}")
    return written


def _attributions(model, data: Sample, methods, layers, images, out: Path, target: str) -> list[Path]:
    pick = one_per_class(data.y, images)
    x, y = data.x[pick], data.y[pick]
    pred = predictions(model, x)
    goal = target_classes(target, y, pred, data.classes)
    titles, caption = column_titles(data.classes, y, pred), evidence(target, data.classes)
    maps, written = {}, []
    for m in methods:
        for layer in (layers or [None]) if EXPLAINERS.entry(m).meta.get("layer") else [None]:
            a = attribute(model, torch.as_tensor(x), torch.as_tensor(goal).long(), m, layer=layer)
            stem = file_stem(m, layer)
            maps[stem] = a
            written += _save(out, stem, figures.attribution_grid(x, {stem: a}, titles, caption=caption),
                             attributions=a, inputs=x, labels=y, predictions=pred, targets=goal, target=target,
                             method=m, layer=layer or "")
    if len(maps) > 1:
        written.append(plotting.save(figures.attribution_grid(x, maps, titles, caption=caption),
                                     out / "attribution.png"))
    return written


def explain_runs(run_paths: Sequence, methods: Sequence[str], out: Path, layers: Sequence[str] = (),
                 images: int = 10, split: str = "test", seed: int = 0, target: str = "true") -> list[Path]:
    """Attribution grids across runs (report 000 Fig. 6-8): per method (and Grad-CAM layer) one figure with a
    row per run, labelled by its recipe (else experiment) name, and the same ``images`` columns, chosen once
    (one per class in turn, seeded) from the first run's split; each run sees them through its own data
    transforms and is explained for the class ``target`` names (``pred``: each run's own prediction). Writes
    ``out/<method>[-<layer>].png`` and ``.npz`` (``attributions`` (R, N, ...), ``runs``, ``inputs``, ``labels``,
    ``predictions`` and ``targets`` (R, N))."""
    for m in methods:
        if EXPLAINERS.entry(m).meta["kind"] != "attribution":
            raise MllabError(f"{m!r}: grids across runs are for attribution methods "
                             f"({', '.join(EXPLAINERS.names(kind='attribution'))}); embed each run on its own: "
                             f"mllab explain RUN --method {m}")
    runs = [load_run(p) for p in run_paths]
    samples = [split_data(run, split) for run in runs]
    pick = one_per_class(samples[0].y, images, seed)
    for run, data in zip(runs[1:], samples[1:]):
        if len(data.y) != len(samples[0].y) or not np.array_equal(data.y[pick], samples[0].y[pick]):
            raise MllabError(f"run {run.path}: its {split} split ({run.config.data.name}, {len(data.y)} examples) "
                             f"is not the first run's ({runs[0].config.data.name}, {len(samples[0].y)}); "
                             "a grid compares runs on the same images")
    models, labels = [torch_model(run) for run in runs], row_labels(runs)
    y, classes = samples[0].y[pick], samples[0].classes
    pred = [predictions(model, data.x[pick]) for model, data in zip(models, samples)]
    goals = [target_classes(target, y, p, classes) for p in pred]
    titles, caption = column_titles(classes, y, None), evidence(target, classes, len(runs))
    notes = {label: [f"pred {classes[k]}" for k in p] for label, p in zip(labels, pred) if p is not None}
    written = []
    for m in methods:
        for layer in (layers or [None]) if EXPLAINERS.entry(m).meta.get("layer") else [None]:
            maps = {label: attribute(model, torch.as_tensor(data.x[pick]), torch.as_tensor(goal).long(), m, layer)
                    for label, model, data, goal in zip(labels, models, samples, goals)}
            fig = figures.attribution_grid(samples[0].x[pick], maps, titles, overlay=m == "gradcam", caption=caption,
                                           notes=notes)
            written += _save(Path(out), file_stem(m, layer), fig, attributions=np.stack(list(maps.values())),
                             runs=np.array(labels), inputs=samples[0].x[pick], labels=y,
                             predictions=None if any(p is None for p in pred) else np.stack(pred),
                             targets=np.stack(goals), target=target, method=m, layer=layer or "")
    return written


def row_labels(runs: Sequence[Run]) -> list[str]:
    """Each run's recipe (else experiment) name; the group folder added where two would read the same."""
    names = [run.config.recipe or run.config.experiment for run in runs]
    return [f"{name} ({run.path.parent.name})" if names.count(name) > 1 else name for name, run in zip(names, runs)]


def _embedding(model, data: Sample, method, layers, samples, out: Path, where: str) -> list[Path]:
    keep = stratified(data.y, samples)
    x, y = data.x[keep], data.y[keep]
    stem = file_stem(method, layers[0] if len(layers) == 1 else None)  # several layers: one figure, one panel each
    layers = layers or default_layers(model, x)
    feats = features(model, x, layers)
    points = {layer: embed(feats[layer], method) for layer in layers}
    fig = figures.embedding_scatter(points, y, data.classes, f"{method} of {len(x)} examples ({where})")
    return _save(out, stem, fig, embeddings=np.stack(list(points.values())), layers=np.array(layers), labels=y,
                 predictions=predictions(model, x))


def _save(out: Path, stem: str, fig, **arrays) -> list[Path]:
    """The figure and the arrays (those that are not None) as ``stem.png`` and ``stem.npz``."""
    png = plotting.save(fig, out / f"{stem}.png")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items() if v is not None})
    npz = out / f"{stem}.npz"
    atomic_write_bytes(npz, buffer.getvalue())
    return [png, npz]


def list_layers(run_path) -> list[tuple[str, str, tuple[int, ...] | None]]:
    """The run's modules with their output shapes for one test example."""
    run = load_run(run_path)
    model, data = torch_model(run), split_data(run, "test")
    return layer_table(model, torch.as_tensor(data.x[:1]))

