"""Pieces the classical estimators share: target encoding, parameter checks, linear scores, ridge solver.

Private (leading underscore): the model registry does not import it as a family.
"""

from __future__ import annotations

import numbers
from typing import Callable, Sequence

import numpy as np
from scipy import linalg
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

# Rows per block when building Gram matrices: 4096 x 784 float64 is 25 MB.
BLOCK_ROWS = 4096


def encode_classes(estimator, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, y_index)`` with ``classes[y_index] == y``; at least two classes or a ValueError."""
    check_classification_targets(y)
    classes, y_index = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"{type(estimator).__name__}: y holds only one class ({classes[0]!r}); a classifier needs "
            "at least 2 classes. Pass training labels of two or more classes."
        )
    return classes, y_index


def one_hot(y_index: np.ndarray, n_classes: int) -> np.ndarray:
    """(n,) class indices -> (n, n_classes) float64 0/1 targets."""
    targets = np.zeros((len(y_index), n_classes))
    targets[np.arange(len(y_index)), y_index] = 1.0
    return targets


def check_choice(estimator, name: str, value, choices: Sequence) -> None:
    if value not in choices:
        raise ValueError(
            f"{type(estimator).__name__}: {name} must be one of {list(choices)}; got {value!r}"
        )


def check_number(estimator, name: str, value, *, low=None, high=None, low_open=False, integer=False,
                 allow_none=False) -> None:
    """Raise a ValueError naming the estimator and parameter when ``value`` is not in range."""
    if value is None and allow_none:
        return
    kind = numbers.Integral if integer else numbers.Real
    bad = not isinstance(value, kind) or isinstance(value, bool)
    if not bad and low is not None:
        bad = value <= low if low_open else value < low
    if not bad and high is not None:
        bad = value > high
    if bad:
        what = "an integer" if integer else "a number"
        lo = "" if low is None else f" {'>' if low_open else '>='} {low}"
        hi = "" if high is None else f" and <= {high}"
        none = " or None" if allow_none else ""
        raise ValueError(f"{type(estimator).__name__}: {name} must be {what}{lo}{hi}{none}; got {value!r}")


def scores_for_sklearn(scores: np.ndarray) -> np.ndarray:
    """(n, 2) class scores -> (n,) score of class 1 over class 0, sklearn's binary convention."""
    return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores


class LinearScoresMixin:
    """``decision_function`` and ``predict`` from ``coef_`` (C, d) and ``intercept_`` (C,).

    Scores are computed in float64 NumPy whatever the solver used, so a row's
    prediction does not depend on which other rows are in the batch.
    """

    def _scores(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return X @ self.coef_.T + self.intercept_  # (n, C), or (n, 1) for one binary classifier

    def decision_function(self, X) -> np.ndarray:
        """Class scores (n, C); for two classes the score of ``classes_[1]`` over ``classes_[0]`` (n,)."""
        scores = self._scores(X)
        return scores[:, 0] if scores.shape[1] == 1 else scores_for_sklearn(scores)

    def predict(self, X) -> np.ndarray:
        """The class with the largest score."""
        scores = self._scores(X)
        index = (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)
        return self.classes_[index]


def centered_gram(X: np.ndarray, Y: np.ndarray, fit_intercept: bool,
                  features: Callable[[np.ndarray], np.ndarray] | None = None):
    """``(G, B, feature_mean, y_mean)`` with ``G = F^T F`` and ``B = F^T Y`` for the centered features.

    ``F = features(X) - mean`` is built one block of rows at a time in float64, so
    neither an (n, n) matrix nor the whole (n, D) feature matrix ever exists.
    """
    features = features or (lambda block: block)
    blocks = [slice(i, i + BLOCK_ROWS) for i in range(0, len(X), BLOCK_ROWS)]
    width = features(X[:1]).shape[1]
    f_mean, y_mean = np.zeros(width), np.zeros(Y.shape[1])
    if fit_intercept:
        f_mean = sum(features(X[b]).sum(axis=0, dtype=np.float64) for b in blocks) / len(X)
        y_mean = Y.mean(axis=0)
    G, B = np.zeros((width, width)), np.zeros((width, Y.shape[1]))
    for b in blocks:
        F = features(X[b]).astype(np.float64) - f_mean  # (rows, D)
        G += F.T @ F
        B += F.T @ (Y[b] - y_mean)
    return G, B, f_mean, y_mean


def ridge_solve(G: np.ndarray, B: np.ndarray, alpha: float) -> np.ndarray:
    """``W = (G + alpha I)^-1 B`` by Cholesky; for a singular system the minimum-norm solution.

    With ``alpha == 0`` this is least squares; rank-deficient ``G`` is handled by
    an eigen-decomposition pseudo-inverse, which gives the same minimum-norm
    solution as ``np.linalg.lstsq``.
    """
    if alpha > 0:
        try:
            return linalg.solve(G + alpha * np.eye(len(G)), B, assume_a="pos")
        except (linalg.LinAlgError, ValueError):
            pass  # not positive definite in floating point: fall back to the pseudo-inverse
    evals, evecs = linalg.eigh(G)
    keep = evals > max(evals.max(), 0.0) * len(G) * np.finfo(float).eps
    V = evecs[:, keep]
    return V @ ((V.T @ B) / (evals[keep] + alpha)[:, None])
