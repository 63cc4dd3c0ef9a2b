"""Ridge and lasso regression used as classifiers (report 000, sections II-B and II-C).

Each class is one output: the targets are one-hot rows, the regression is
solved for all outputs at once, and the predicted class is the largest output.
``coef_`` is ``(n_classes, n_features)``, so reshaping it to ``(C, H, W)`` gives
the per-class weight maps of the report's Fig. 1.

Penalty conventions are scikit-learn's, so ``alpha`` means the same thing as in
``sklearn.linear_model.Ridge`` / ``Lasso`` (and coefficients agree to solver
tolerance):

- ridge: ``||Y - X W||^2 + alpha ||W||^2`` (the report's loss, ``lambda = alpha``);
- lasso: ``1 / (2 n) ||Y - X W||^2 + alpha ||W||_1``. The report wrote the lasso
  loss without ``1 / (2 n)``; its ``lambda`` is ``alpha * 2 n`` here.

The intercept is never penalized (the data and targets are centered first).

>>> from sklearn.datasets import load_digits
>>> X, y = load_digits(return_X_y=True)
>>> clf = RidgeClassifier(alpha=1.0).fit(X / 16, y)
>>> clf.coef_.shape, clf.score(X / 16, y) > 0.9
((10, 64), True)
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import validate_data

from mllab.models.classical._base import (LinearScoresMixin, centered_gram, check_number, encode_classes, one_hot,
                                          ridge_solve)
from mllab.models.classical._state import FittedState
from mllab.models.registry import MODELS


class _OneHotRegressionClassifier(FittedState, LinearScoresMixin, ClassifierMixin, BaseEstimator):
    """Validate, one-hot encode, center through the Gram matrix, solve, set ``coef_``/``intercept_``."""

    _fitted_attributes = ("classes_", "coef_", "intercept_", "n_features_in_")

    def fit(self, X, y):
        """Fit on features ``X`` (n, d) and class labels ``y`` (n,); returns ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        self.classes_, y_index = encode_classes(self, y)
        Y = one_hot(y_index, len(self.classes_))  # (n, C)
        G, B, x_mean, y_mean = centered_gram(X, Y, self.fit_intercept)
        W = self._solve(G, B, len(X))  # (d, C)
        self.coef_ = np.ascontiguousarray(W.T)  # (C, d)
        self.intercept_ = y_mean - x_mean @ W
        return self


@MODELS.register("ridge", kind="classical", task="classify", example_params={"alpha": 1.0})
class RidgeClassifier(_OneHotRegressionClassifier):
    """Ridge regression on one-hot targets, closed form: ``(X^T X + alpha I) W = X^T Y``.

    Only the (d, d) Gram matrix is formed (never an (n, n) one), by blocks of
    rows, and solved by Cholesky; ``alpha=0`` gives the minimum-norm least-squares
    solution (as ``np.linalg.lstsq``).

    Parameters: ``alpha`` (L2 penalty, >= 0; sklearn ``Ridge`` convention),
    ``fit_intercept``.

    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> RidgeClassifier(alpha=0.0).fit(X, [0, 0, 1, 1]).predict([[0.2], [2.8]]).tolist()
    [0, 1]
    """

    def __init__(self, *, alpha: float = 1.0, fit_intercept: bool = True):
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def _check_params(self) -> None:
        check_number(self, "alpha", self.alpha, low=0)

    def _solve(self, G, B, n_samples):
        return ridge_solve(G, B, self.alpha)


@MODELS.register("lasso", kind="classical", task="classify", example_params={"alpha": 1e-3})
class LassoClassifier(_OneHotRegressionClassifier):
    """Lasso regression on one-hot targets by cyclic coordinate descent on the Gram matrix.

    Minimizes ``1 / (2 n) ||Y - X W||^2 + alpha ||W||_1`` (sklearn ``Lasso``'s
    convention) for all class outputs at once: each coordinate step updates one
    feature's weights for every class together. Coefficients that the L1 penalty
    removes are exactly 0 (``sparsity_`` is their fraction).

    Parameters: ``alpha`` (> 0), ``fit_intercept``, ``max_iter`` (sweeps over the
    features), ``tol`` (stop when the largest weight change of a sweep is below
    ``tol`` times the largest weight, sklearn's first stopping test).

    >>> import numpy as np
    >>> X = np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    >>> clf = LassoClassifier(alpha=0.01).fit(X, [0, 0, 1, 1])
    >>> clf.coef_[:, 1].tolist()  # the constant feature gets no weight
    [0.0, 0.0]
    """

    _fitted_attributes = (*_OneHotRegressionClassifier._fitted_attributes, "n_iter_", "sparsity_")

    def __init__(self, *, alpha: float = 1e-3, fit_intercept: bool = True, max_iter: int = 1000,
                 tol: float = 1e-4):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def _check_params(self) -> None:
        check_number(self, "alpha", self.alpha, low=0, low_open=True)
        check_number(self, "max_iter", self.max_iter, low=1, integer=True)
        check_number(self, "tol", self.tol, low=0)

    def _solve(self, G, B, n_samples):
        W, self.n_iter_ = lasso_coordinate_descent(G, B, self.alpha * n_samples, self.max_iter, self.tol)
        self.sparsity_ = float(np.mean(W == 0))
        return W


def lasso_coordinate_descent(G: np.ndarray, B: np.ndarray, penalty: float, max_iter: int, tol: float):
    """Minimize ``1/2 W^T G W - B^T W + penalty ||W||_1`` column-wise; returns ``(W, sweeps)``.

    ``G`` (d, d) is ``X^T X`` and ``B`` (d, K) is ``X^T Y``, so with ``penalty = n alpha``
    this is the lasso of every column of ``Y`` at once. ``R = B - G W`` is kept up
    to date, so one coordinate step costs O(d K) and never touches the data.
    """
    d, K = B.shape
    W, R = np.zeros((d, K)), B.copy()
    diag = np.diag(G).copy()
    coords = np.flatnonzero(diag > 0)  # constant features never enter the model
    for sweep in range(1, max_iter + 1):
        largest_step = 0.0
        for j in coords:
            rho = R[j] + diag[j] * W[j]
            w_new = np.sign(rho) * np.maximum(np.abs(rho) - penalty, 0.0) / diag[j]
            step = w_new - W[j]
            if step.any():
                R -= np.outer(G[j], step)  # G is symmetric: row j is column j, contiguous
                W[j] = w_new
                largest_step = max(largest_step, np.abs(step).max())
        if largest_step <= tol * max(np.abs(W).max(), np.finfo(float).tiny):
            return W, sweep
    warnings.warn(f"LassoClassifier: coordinate descent did not converge in max_iter={max_iter} sweeps; "
                  "increase max_iter or tol, or raise alpha", ConvergenceWarning, stacklevel=3)
    return W, max_iter
