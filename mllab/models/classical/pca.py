"""Principal component analysis by SVD (reports 001 and 002: features to 2-D, image reconstructions).

The components are the right singular vectors of the centered data, with
the sign of each chosen so its largest-magnitude entry is positive (sklearn's
``svd_flip(u_based_decision=False)``), so results match ``sklearn.decomposition.PCA``.

>>> from sklearn.datasets import load_digits
>>> X = load_digits().data / 16
>>> pca = PCA(n_components=20).fit(X)
>>> pca.transform(X).shape, round(float(pca.explained_variance_ratio_.sum()), 2)
((1797, 20), 0.89)
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from mllab.core.metrics import psnr
from mllab.models.classical._base import check_number
from mllab.models.classical._state import FittedState
from mllab.models.registry import MODELS


@MODELS.register("pca", kind="classical", task="reduce", example_params={"n_components": 2})
class PCA(FittedState, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Projection onto the ``n_components`` directions of largest variance (SVD of the centered data).

    Parameters: ``n_components`` (``None``: ``min(n_samples, n_features)``).
    Fitted: ``mean_``, ``components_`` (k, d), ``singular_values_``,
    ``explained_variance_`` (``s^2 / (n - 1)``), ``explained_variance_ratio_``
    (of the total variance, all directions).

    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    >>> PCA(n_components=1).fit(X).components_.round(4).tolist()
    [[0.7071, 0.7071]]
    """

    _fitted_attributes = ("mean_", "components_", "singular_values_", "explained_variance_",
                          "explained_variance_ratio_", "n_components_", "_n_features_out", "n_features_in_")

    def __init__(self, *, n_components=None):
        self.n_components = n_components

    def fit(self, X, y=None):
        """Fit on ``X`` (n, d), n >= 2; ``y`` is ignored. Returns ``self``."""
        X = validate_data(self, X, dtype=(np.float64, np.float32), ensure_min_samples=2)
        limit = min(X.shape)
        check_number(self, "n_components", self.n_components, low=1, integer=True, allow_none=True)
        if self.n_components is not None and self.n_components > limit:
            raise ValueError(f"PCA: n_components={self.n_components} is more than min(n_samples, n_features) = "
                             f"{limit} for X of shape {X.shape}; lower n_components or pass more samples")
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        _, s, Vt = linalg.svd(X - self.mean_.astype(X.dtype), full_matrices=False)  # float32 stays float32: 2x faster
        Vt = Vt * np.sign(Vt[np.arange(len(Vt)), np.abs(Vt).argmax(axis=1)])[:, None]  # svd_flip on rows
        k = self.n_components or limit
        variance = s**2 / (len(X) - 1)
        self.components_ = Vt[:k]
        self.singular_values_ = s[:k]
        self.explained_variance_ = variance[:k]
        total = variance.sum()
        self.explained_variance_ratio_ = variance[:k] / total if total > 0 else np.zeros(k)
        self.n_components_ = self._n_features_out = k
        return self

    def transform(self, X) -> np.ndarray:
        """Coordinates on the components: (n, n_components)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return (X - self.mean_) @ self.components_.T

    def inverse_transform(self, Z) -> np.ndarray:
        """Back to the input space: ``Z @ components_ + mean_`` (n, d)."""
        check_is_fitted(self)
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != self.n_components_:
            raise ValueError(f"PCA.inverse_transform: Z must have shape (n, {self.n_components_}); got {Z.shape}")
        return Z @ self.components_ + self.mean_

    def reconstruction_psnr(self, X, data_range: float = 1.0) -> float:
        """PSNR (dB) of ``X`` against its reconstruction from ``n_components`` components."""
        X = np.asarray(X, dtype=np.float64)
        return psnr(X, self.inverse_transform(self.transform(X)), data_range=data_range)
