"""Subsets: chosen classes, first N per class (report 004), stratified random, train/validation."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from mllab.data.dataset import Dataset, Split


def keep_classes(ds: Dataset, classes: Sequence[int]) -> Dataset:
    """Only the examples of ``classes`` (label indices), relabelled 0..k-1 in the order given.

    Report 004's Part 2 trains on the digits 3 and 1 only: ``keep_classes(mnist, [3, 1])``
    makes 3 the class 0 and 1 the class 1, in both splits.
    """
    classes = [int(c) for c in classes]
    bad = [c for c in classes if not 0 <= c < ds.num_classes]
    if len(classes) < 2 or len(set(classes)) != len(classes) or bad:
        raise ValueError(f"data.classes: expected at least two distinct label indices in 0..{ds.num_classes - 1} "
                         f"of {ds.name!r}; got {classes}. Pick labels from {list(enumerate(ds.classes))}")
    lookup = np.full(ds.num_classes, -1, dtype=np.int64)
    lookup[classes] = np.arange(len(classes))

    def select(split: Split) -> Split:
        kept = split.take(np.flatnonzero(lookup[split.y] >= 0))
        return replace(kept, y=lookup[kept.y])

    names = tuple(ds.classes[c] for c in classes)
    return replace(ds, train=select(ds.train), test=select(ds.test), classes=names,
                   info={**ds.info, "kept_classes": list(names)})


def first_per_class(split: Split, n: int) -> Split:
    """The first ``n`` examples of every class, in their original order.

    >>> s = Split(np.arange(6), np.array([0, 1, 0, 1, 0, 1]))
    >>> first_per_class(s, 2).x.tolist()
    [0, 1, 2, 3]
    """
    _check_count("first_per_class", n)
    keep = np.zeros(len(split), dtype=bool)
    for c in np.unique(split.y):
        keep[np.flatnonzero(split.y == c)[:n]] = True
    return split.take(np.flatnonzero(keep))


def stratified_subset(split: Split, n: int, seed: int) -> Split:
    """``n`` examples drawn without replacement, class proportions kept (seeded)."""
    _check_count("stratified_subset", n)
    if n >= len(split):
        return split
    first, _ = stratified_partition(split.y, n / len(split), seed)
    return split.take(np.sort(first))


def train_val_split(split: Split, val_fraction: float, seed: int) -> tuple[Split, Split]:
    """Stratified ``(train, validation)`` partition of a training split; a split with ``groups`` is cut by
    whole groups (about ``val_fraction`` of them, at random), so no source is on both sides."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1; got {val_fraction}")
    if split.groups is not None:
        ids = np.unique(split.groups)
        held = np.random.default_rng(seed).permutation(ids)[:max(1, int(round(val_fraction * len(ids))))]
        in_val = np.isin(split.groups, held)
        return split.take(np.flatnonzero(~in_val)), split.take(np.flatnonzero(in_val))
    val, train = stratified_partition(split.y, val_fraction, seed)
    return split.take(np.sort(train)), split.take(np.sort(val))


def stratified_partition(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(part, rest)`` where ``part`` holds about ``fraction`` of every class."""
    rng = np.random.default_rng(seed)
    part, rest = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(fraction * len(idx)))
        part.append(idx[:k])
        rest.append(idx[k:])
    return np.concatenate(part), np.concatenate(rest)


def _check_count(what: str, n: int) -> None:
    if n < 1:
        raise ValueError(f"{what}: n must be a positive number of examples; got {n}")
