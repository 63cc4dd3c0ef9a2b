"""Fisher's linear discriminant analysis (report 000, section IV-A), written out.

Within-class scatter ``Sw = sum_c pi_c Cov_c`` and between-class scatter
``Sb = sum_c pi_c (mu_c - mu)(mu_c - mu)^T`` (``pi_c`` the class frequencies);
the discriminant directions solve the generalized symmetric eigenproblem
``Sb v = lambda Sw v`` (``scipy.linalg.eigh(Sb, Sw)``), largest ``lambda``
first, normalized so that ``V^T Sw V = I``. At most ``C - 1`` of them carry
class information.

Classification: nearest class mean in the projected space, corrected by the
log prior, ``score_c(x) = -1/2 ||V^T (x - mu_c)||^2 + log pi_c``. With all
``C - 1`` components this is exactly the Gaussian classifier with shared
covariance ``Sw`` (the directions left out do not separate the means), i.e.
the decisions of ``sklearn``'s ``LinearDiscriminantAnalysis``.

Images have pixels that never vary, so ``Sw`` is singular: ``shrinkage``
(``"auto"``: Ledoit-Wolf on standardized features, or a float in [0, 1])
replaces every class covariance by ``(1 - s) Cov + s trace(Cov) / d I``, the
same estimate as sklearn's ``solver="eigen"``.

>>> from sklearn.datasets import load_digits
>>> X, y = load_digits(return_X_y=True)
>>> lda = FisherLDA(shrinkage="auto").fit(X, y)
>>> lda.transform(X).shape, lda.score(X, y) > 0.9
((1797, 9), True)
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.utils.validation import check_is_fitted, validate_data

from mllab.models.classical._base import check_number, encode_classes, scores_for_sklearn
from mllab.models.classical._state import FittedState
from mllab.models.registry import MODELS


@MODELS.register("lda", kind="classical", task="classify", example_params={"shrinkage": "auto"})
class FisherLDA(FittedState, ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClassifierMixin, BaseEstimator):
    """Fisher LDA: discriminant projection by ``eigh(Sb, Sw)`` and nearest-mean classification there.

    Parameters: ``n_components`` (``None``: ``min(C - 1, d)``), ``shrinkage``
    (``None``, ``"auto"`` or a float in [0, 1]).
    Fitted: ``scalings_`` (d, d) all directions, best first; ``eigenvalues_``;
    ``explained_variance_ratio_`` (of the first ``min(C - 1, d)``);
    ``means_`` (C, d); ``priors_``; ``covariance_`` (``Sw``); ``xbar_``.
    ``transform`` gives ``(X - xbar_) @ scalings_[:, :n_components]``.

    >>> import numpy as np
    >>> X = np.array([[0.0, 0.1], [0.2, -0.1], [2.0, 0.0], [2.1, 0.2]])
    >>> FisherLDA().fit(X, [0, 0, 1, 1]).predict([[0.1, 0.0], [1.9, 0.1]]).tolist()
    [0, 1]
    """

    _fitted_attributes = ("classes_", "priors_", "means_", "covariance_", "xbar_", "eigenvalues_", "scalings_",
                          "explained_variance_ratio_", "projected_means_", "_max_components", "_n_features_out",
                          "n_features_in_")

    def __init__(self, *, n_components=None, shrinkage=None):
        self.n_components = n_components
        self.shrinkage = shrinkage

    def fit(self, X, y):
        """Fit on features ``X`` (n, d) and labels ``y`` (n,); returns ``self``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, y_index = encode_classes(self, y)
        self._check_params(X.shape[1])
        groups = [X[y_index == c] for c in range(len(self.classes_))]
        self.priors_ = np.array([len(g) for g in groups]) / len(X)
        self.means_ = np.stack([g.mean(axis=0) for g in groups])  # (C, d)
        self.covariance_ = sum(p * covariance(g, self.shrinkage) for p, g in zip(self.priors_, groups))
        self.xbar_ = self.priors_ @ self.means_
        between = (self.means_ - self.xbar_).T * self.priors_ @ (self.means_ - self.xbar_)  # (d, d)
        evals, evecs = self._eigh(between, self.covariance_)
        order = np.argsort(evals)[::-1]
        self.eigenvalues_, self.scalings_ = evals[order], flip_signs(evecs[:, order])
        useful = self.eigenvalues_[:self._max_components]
        self.explained_variance_ratio_ = useful / useful.sum() if useful.sum() > 0 else np.zeros_like(useful)
        self._n_features_out = self.n_components or self._max_components
        self.projected_means_ = (self.means_ - self.xbar_) @ self.scalings_[:, :self._n_features_out]
        return self

    def transform(self, X) -> np.ndarray:
        """Project onto the first ``n_components`` discriminant directions: (n, n_components)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return (X - self.xbar_) @ self.scalings_[:, :self._n_features_out]

    def decision_function(self, X) -> np.ndarray:
        """``-1/2`` squared distance to each projected class mean plus log prior (n, C); binary: (n,)."""
        Z = self.transform(X)
        dist2 = ((Z[:, None, :] - self.projected_means_[None]) ** 2).sum(axis=2)  # (n, C)
        return scores_for_sklearn(-0.5 * dist2 + np.log(self.priors_))

    def predict_proba(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        scores = np.column_stack([np.zeros_like(scores), scores]) if scores.ndim == 1 else scores
        return softmax(scores, axis=1)

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]

    def _check_params(self, n_features: int) -> None:
        self._max_components = min(len(self.classes_) - 1, n_features)
        check_number(self, "n_components", self.n_components, low=1, integer=True, allow_none=True)
        if self.n_components is not None and self.n_components > self._max_components:
            raise ValueError(
                f"FisherLDA: n_components={self.n_components} exceeds min(n_classes - 1, n_features) = "
                f"{self._max_components}; LDA has at most C - 1 discriminant directions. Lower n_components.")
        if not (self.shrinkage is None or self.shrinkage == "auto"):
            check_number(self, "shrinkage", self.shrinkage, low=0, high=1)

    def _eigh(self, between: np.ndarray, within: np.ndarray):
        try:
            return linalg.eigh(between, within)
        except linalg.LinAlgError as err:
            raise ValueError(
                f"FisherLDA: the within-class covariance Sw is singular (shrinkage={self.shrinkage!r}), as "
                "happens with constant features (image borders) or fewer samples than features. Set "
                "shrinkage='auto' or a float in (0, 1].") from err


def covariance(X: np.ndarray, shrinkage) -> np.ndarray:
    """Maximum-likelihood covariance (d, d), shrunk toward ``trace / d * I`` when ``shrinkage`` is set.

    ``"auto"`` takes the Ledoit-Wolf coefficient of the standardized features
    and shrinks their correlation matrix (constant features keep scale 1).
    """
    centered = X - X.mean(axis=0)
    if shrinkage == "auto":
        scale = centered.std(axis=0)
        scale[scale == 0] = 1.0
        standardized = centered / scale
        corr = standardized.T @ standardized / len(X)
        corr = shrink(corr, ledoit_wolf_shrinkage(standardized, assume_centered=True))
        return scale[:, None] * corr * scale[None, :]
    cov = centered.T @ centered / len(X)
    return cov if shrinkage is None else shrink(cov, shrinkage)


def shrink(cov: np.ndarray, amount: float) -> np.ndarray:
    target = np.trace(cov) / len(cov)
    return (1.0 - amount) * cov + amount * target * np.eye(len(cov))


def flip_signs(vectors: np.ndarray) -> np.ndarray:
    """Columns with their largest-magnitude entry made positive, so projections are reproducible."""
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(vectors.shape[1])])
    return vectors * np.where(signs == 0, 1.0, signs)
