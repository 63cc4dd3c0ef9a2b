"""Spline (hinge) regression used as a classifier (report 000, section II-D).

Every input feature ``x_j`` is expanded into itself and ``n_knots`` hinges
``max(0, x_j - k_jm)``; a ridge regression on these features (one-hot targets,
penalty ``alpha`` on all weights, not the intercept) is the report's loss

    sum_i ||y_i - a_0 - sum_j a_j max(0, x_i - k_j)||^2 + lambda sum_j a_j^2,

plus the linear terms. Knots are per feature: ``"quantile"`` places them at the
feature's training quantiles ``m / (n_knots + 1)``, ``"uniform"`` evenly between
its minimum and maximum.

Memory: ``d * (n_knots + 1)`` features. The feature matrix is never built for
all rows at once (blocks of rows), but the Gram matrix is ``D x D`` with
``D = d (n_knots + 1)``: MNIST (d = 784) with 3 knots gives D = 3136, a 79 MB
matrix and ``n D^2`` flops to fill it.

>>> import numpy as np
>>> X = np.linspace(-1, 1, 40)[:, None]
>>> y = (np.abs(X[:, 0]) > 0.5).astype(int)  # not linearly separable in x
>>> SplineClassifier(n_knots=3, alpha=1e-3, knots="uniform").fit(X, y).score(X, y) > 0.9
True
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from mllab.models.classical._base import (BLOCK_ROWS, centered_gram, check_choice, check_number, encode_classes,
                                          one_hot, ridge_solve, scores_for_sklearn)
from mllab.models.classical._state import FittedState
from mllab.models.registry import MODELS

KNOT_PLACEMENTS = ("quantile", "uniform")


@MODELS.register("spline_regression", kind="classical", task="classify", example_params={"n_knots": 2})
class SplineClassifier(FittedState, ClassifierMixin, BaseEstimator):
    """Ridge regression on linear + hinge features ``max(0, x_j - k)``, one output per class.

    Parameters: ``n_knots`` (per feature), ``knots`` (``"quantile"`` or
    ``"uniform"``), ``alpha`` (L2 penalty, the report's lambda), ``fit_intercept``.
    Fitted: ``knots_`` (d, n_knots), ``coef_`` (C, d (n_knots + 1)) ordered as
    ``[x, hinge(knot 1), ..., hinge(knot m)]``, each block of d, ``intercept_``.

    >>> import numpy as np
    >>> clf = SplineClassifier(n_knots=1, knots="uniform").fit(np.array([[0.0], [1.0], [2.0]]), [0, 1, 0])
    >>> clf.knots_.tolist(), clf.coef_.shape
    ([[1.0]], (2, 2))
    """

    _fitted_attributes = ("classes_", "knots_", "coef_", "intercept_", "n_features_in_")

    def __init__(self, *, n_knots: int = 3, knots: str = "quantile", alpha: float = 10.0,
                 fit_intercept: bool = True):
        self.n_knots = n_knots
        self.knots = knots
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        """Fit on features ``X`` (n, d) and labels ``y`` (n,); returns ``self``."""
        check_number(self, "n_knots", self.n_knots, low=0, integer=True)
        check_choice(self, "knots", self.knots, KNOT_PLACEMENTS)
        check_number(self, "alpha", self.alpha, low=0)
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        self.classes_, y_index = encode_classes(self, y)
        self.knots_ = place_knots(X, self.n_knots, self.knots)
        G, B, f_mean, y_mean = centered_gram(X, one_hot(y_index, len(self.classes_)), self.fit_intercept,
                                             self.expand)
        W = ridge_solve(G, B, self.alpha)  # (D, C)
        self.coef_ = np.ascontiguousarray(W.T)
        self.intercept_ = y_mean - f_mean @ W
        return self

    def expand(self, X: np.ndarray) -> np.ndarray:
        """(n, d) -> (n, d (n_knots + 1)) features ``[x, max(0, x - k_1), ..., max(0, x - k_m)]``."""
        hinges = np.maximum(X[:, None, :] - self.knots_.T[None], 0.0)  # (n, m, d)
        return np.concatenate([X[:, None, :], hinges], axis=1).reshape(len(X), -1)

    def decision_function(self, X) -> np.ndarray:
        """Class scores (n, C); for two classes the score of ``classes_[1]`` over ``classes_[0]``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        scores = [self.expand(X[i:i + BLOCK_ROWS]) @ self.coef_.T for i in range(0, len(X), BLOCK_ROWS)]
        return scores_for_sklearn(np.concatenate(scores) + self.intercept_)

    def predict(self, X) -> np.ndarray:
        """The class with the largest score."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


def place_knots(X: np.ndarray, n_knots: int, placement: str) -> np.ndarray:
    """(d, n_knots) knots per feature, strictly inside each feature's training range."""
    levels = np.arange(1, n_knots + 1) / (n_knots + 1)
    if placement == "quantile":
        return np.quantile(X, levels, axis=0).T.astype(np.float64)
    low, high = X.min(axis=0).astype(np.float64), X.max(axis=0).astype(np.float64)
    return low[:, None] + (high - low)[:, None] * levels[None, :]
