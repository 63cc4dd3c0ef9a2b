"""The in-memory dataset every loader returns.

Images are ``uint8`` arrays laid out ``(N, C, H, W)`` exactly as stored
(0 = background for the digit sets); transforms in :mod:`mllab.data.transforms`
turn them into float tensors. Text is ``int64`` token ids ``(N, L)``, padded
with 0, with the true lengths in :attr:`Split.lengths`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Split:
    """One split: inputs ``x``, integer labels ``y``, for sequences ``lengths``, and optional ``groups``: rows
    with one group id share their source (SST-2: the phrases of one sentence) and are never split between
    train and validation."""

    x: np.ndarray
    y: np.ndarray
    lengths: np.ndarray | None = None
    groups: np.ndarray | None = None

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise ValueError(f"split: x has {len(self.x)} rows but y has {len(self.y)}; they must match")
        if self.groups is not None and len(self.groups) != len(self.y):
            raise ValueError(f"split: groups has {len(self.groups)} rows but y has {len(self.y)}; they must match")

    def __len__(self) -> int:
        return len(self.y)

    def __repr__(self) -> str:
        """Shapes and dtypes, not the arrays: ``Split(x=(3, 1, 8, 8) uint8, y=(3,) int64)``."""
        arrays = {"x": self.x, "y": self.y, "lengths": self.lengths, "groups": self.groups}
        return f"Split({', '.join(f'{k}={_shape(a)}' for k, a in arrays.items() if a is not None)})"

    def take(self, index: np.ndarray) -> "Split":
        """Rows ``index`` of every array (a copy for fancy indices)."""
        rows = lambda a: None if a is None else a[index]  # noqa: E731
        return Split(self.x[index], self.y[index], rows(self.lengths), rows(self.groups))


@dataclass(frozen=True)
class Dataset:
    """A named dataset: train and test splits, class names and facts about it.

    ``info`` holds what a report should show: source files and their
    checksums, the transforms applied, statistics computed on train (for
    standardization), a vocabulary for text.
    """

    name: str
    train: Split
    test: Split
    classes: tuple[str, ...]
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        """One line: name, the splits' shapes and the number of classes (never the arrays themselves).

        >>> import numpy as np
        >>> Dataset("toy", Split(np.zeros((3, 1, 8, 8), np.uint8), np.zeros(3, np.int64)),
        ...         Split(np.zeros((2, 1, 8, 8), np.uint8), np.zeros(2, np.int64)), ("a", "b"))
        Dataset('toy', train=(3, 1, 8, 8) uint8, test=(2, 1, 8, 8) uint8, 2 classes)
        """
        return (f"Dataset({self.name!r}, train={_shape(self.train.x)}, test={_shape(self.test.x)}, "
                f"{self.num_classes} classes)")

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one example, e.g. ``(1, 28, 28)``."""
        return tuple(self.train.x.shape[1:])

    def with_splits(self, train: Split | None = None, test: Split | None = None, **info: Any) -> "Dataset":
        """A copy with new splits and ``info`` entries added."""
        return replace(
            self,
            train=self.train if train is None else train,
            test=self.test if test is None else test,
            info={**self.info, **info},
        )

    def summary(self) -> dict[str, Any]:
        """Plain-data description (for ``mllab data info`` and run records)."""
        return {
            "name": self.name,
            "classes": list(self.classes),
            "num_classes": self.num_classes,
            "input_shape": list(self.input_shape),
            "dtype": str(self.train.x.dtype),
            "train_size": len(self.train),
            "test_size": len(self.test),
            "train_class_counts": np.bincount(self.train.y, minlength=self.num_classes).tolist(),
            **{k: v for k, v in self.info.items() if _is_plain(v)},
        }


def _shape(a: np.ndarray) -> str:
    return f"{tuple(a.shape)} {a.dtype}" if hasattr(a, "shape") else type(a).__name__


def _is_plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, tuple, dict)) and not (
        isinstance(value, (list, tuple)) and len(value) > 64
    )
