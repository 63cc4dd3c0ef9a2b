"""Dataset transforms, by name (the ``data.transforms`` list of a config).

Each takes a :class:`Dataset` and returns a new one; statistics are always
computed on the training split and recorded in ``info`` so a report can show
them. Images arrive as ``uint8`` ``(N, C, H, W)``; ``scale`` is normally first.

>>> from mllab.data import load
>>> ds = apply_transforms(load("digits"), ["scale", "flatten"])
>>> ds.input_shape, str(ds.train.x.dtype)
((64,), 'float32')
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from mllab.core.registry import Registry
from mllab.data.dataset import Dataset, Split

TRANSFORMS = Registry("transform")


def _map_x(ds: Dataset, fn: Callable[[np.ndarray], np.ndarray], **info) -> Dataset:
    train, test = ds.train, ds.test
    return ds.with_splits(replace(train, x=fn(train.x)), replace(test, x=fn(test.x)), **info)


def _require_images(ds: Dataset, what: str) -> None:
    if ds.train.x.ndim != 4:
        raise ValueError(
            f"transform {what!r} needs images shaped (N, C, H, W); {ds.name} has x of shape "
            f"{ds.train.x.shape}. Put {what!r} before 'flatten' or use it on an image dataset."
        )


@TRANSFORMS.register("scale")
def scale(ds: Dataset) -> Dataset:
    """uint8 0..255 -> float32 0..1."""
    if ds.train.x.dtype != np.uint8:
        raise ValueError(f"transform 'scale' expects uint8 pixels; {ds.name} x is {ds.train.x.dtype} (already scaled?)")
    return _map_x(ds, lambda x: x.astype(np.float32) / np.float32(255.0), scaled=True)


@TRANSFORMS.register("standardize")
def standardize(ds: Dataset) -> Dataset:
    """Per-channel (x - mean) / std with mean and std measured on train."""
    _require_images(ds, "standardize")
    x = ds.train.x.astype(np.float64)
    mean, std = x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    std = np.where(std > 0, std, 1.0)
    m, s = mean[None, :, None, None].astype(np.float32), std[None, :, None, None].astype(np.float32)
    return _map_x(ds, lambda x: (x.astype(np.float32) - m) / s,
                  standardize={"mean": mean.tolist(), "std": std.tolist()})


@TRANSFORMS.register("invert")
def invert(ds: Dataset) -> Dataset:
    """1 - x for scaled images (255 - x for raw uint8): white digits on black become black on white."""
    fn = (lambda x: 255 - x) if ds.train.x.dtype == np.uint8 else (lambda x: 1.0 - x)
    return _map_x(ds, fn, inverted=True)


@TRANSFORMS.register("flatten")
def flatten(ds: Dataset) -> Dataset:
    """(N, C, H, W) -> (N, C*H*W), for linear and MLP models."""
    return _map_x(ds, lambda x: x.reshape(len(x), -1))


@TRANSFORMS.register("rows_as_sequence")
def rows_as_sequence(ds: Dataset) -> Dataset:
    """(N, C, H, W) -> (N, H, W*C): each image row is one time step, for RNNs."""
    _require_images(ds, "rows_as_sequence")
    return _map_x(ds, lambda x: np.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(len(x), x.shape[2], -1))


@TRANSFORMS.register("glyphs36", inputs="as_is")
def glyphs36(ds: Dataset) -> Dataset:
    """Characters as the OCR classifier's input: classes A-Z, 0-9 (others dropped), each image a normalized glyph
    (:mod:`mllab.data.glyphs36`); ``handwritten36`` is one already. New inputs of a trained run are crops the
    OCR reader normalized: they pass as they are."""
    from mllab.data.glyphs36 import to_glyphs36

    return to_glyphs36(ds)


def apply_transforms(ds: Dataset, names: Sequence[str]) -> Dataset:
    for name in names:
        ds = TRANSFORMS.get(name)(ds)
    return ds.with_splits(transforms=list(names))


def transform_inputs(x: np.ndarray, names: Sequence[str], fitted: dict | None = None) -> np.ndarray:
    """New inputs ``x`` (raw, as the loader gives them) through the transforms ``names`` of a trained run.

    Statistics a transform measured on the run's training split (``standardize``'s per-channel mean and
    std) come from ``fitted`` (the run's recorded dataset info), never from ``x``, so a model sees new
    inputs exactly as it saw its test split.

    >>> x = np.full((2, 1, 2, 2), 255, np.uint8)
    >>> transform_inputs(x, ["scale", "flatten"]).tolist()
    [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """
    fitted = fitted or {}
    for name in names:
        if name == "standardize":
            x = _standardize_with(x, fitted.get("standardize"))
            continue
        if TRANSFORMS.entry(name).meta.get("inputs") == "as_is":
            continue
        split = Split(x, np.zeros(len(x), np.int64))
        x = TRANSFORMS.get(name)(Dataset("inputs", split, split, ("?",))).test.x
    return x


def _standardize_with(x: np.ndarray, stats: dict | None) -> np.ndarray:
    if not stats:
        raise ValueError("transform 'standardize': the run recorded no training mean/std (env.json data."
                         "standardize); retrain it, or standardize the inputs yourself")
    m = np.asarray(stats["mean"], np.float32)[None, :, None, None]
    s = np.asarray(stats["std"], np.float32)[None, :, None, None]
    return (x.astype(np.float32) - m) / s


def one_hot(y: np.ndarray, num_classes: int, dtype=np.float32) -> np.ndarray:
    """Integer labels -> one-hot rows.

    >>> one_hot(np.array([2, 0]), 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    y = np.asarray(y)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot: labels must lie in 0..{num_classes - 1}; found {y.min()}..{y.max()}")
    out = np.zeros((len(y), num_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


@TRANSFORMS.register("binary_halves")
def binary_halves(ds: Dataset) -> Dataset:
    """Labels -> two classes: the first half of the classes vs the second (report 000: digits 0-4 vs 5-9)."""
    k = ds.num_classes
    half = k // 2
    names = (f"{ds.classes[0]}-{ds.classes[half - 1]}", f"{ds.classes[half]}-{ds.classes[-1]}")
    relabel = lambda s: replace(s, y=(s.y >= half).astype(np.int64))  # noqa: E731
    return replace(ds, train=relabel(ds.train), test=relabel(ds.test), classes=names,
                   info={**ds.info, "binary_halves": names})
