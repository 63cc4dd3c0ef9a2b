"""k-nearest-neighbour classifier (the KNN baseline the report quotes), on scikit-learn's search.

>>> from sklearn.datasets import load_digits
>>> X, y = load_digits(return_X_y=True)
>>> KNNClassifier(n_neighbors=3).fit(X[:1000], y[:1000]).score(X[1000:], y[1000:]) > 0.9
True
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.validation import check_is_fitted, validate_data

from mllab.models.classical._base import check_choice, check_number, encode_classes
from mllab.models.classical._state import FittedState, require
from mllab.models.registry import MODELS


@MODELS.register("knn", kind="classical", task="classify", example_params={"n_neighbors": 3})
class KNNClassifier(FittedState, ClassifierMixin, BaseEstimator):
    """Majority vote (or distance-weighted vote) of the ``n_neighbors`` nearest training examples.

    Parameters: ``n_neighbors``, ``weights`` (``"uniform"`` or ``"distance"``),
    ``p`` (Minkowski power: 2 Euclidean, 1 Manhattan), ``n_jobs``.
    Search is sklearn's ``KNeighborsClassifier`` (``algorithm="auto"``); on
    60 000 x 784 images it is brute force, ``O(n_train d)`` per query.

    >>> import numpy as np
    >>> KNNClassifier(n_neighbors=1).fit(np.array([[0.0], [1.0]]), ["a", "b"]).predict([[0.9]]).tolist()
    ['b']
    """

    def __init__(self, *, n_neighbors: int = 5, weights: str = "uniform", p: float = 2, n_jobs=None):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p
        self.n_jobs = n_jobs

    def fit(self, X, y):
        """Store the training set ``X`` (n, d), ``y`` (n,); returns ``self``."""
        check_number(self, "n_neighbors", self.n_neighbors, low=1, integer=True)
        check_choice(self, "weights", self.weights, ("uniform", "distance"))
        check_number(self, "p", self.p, low=1)
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        self.classes_, y_index = encode_classes(self, y)
        if self.n_neighbors > len(X):
            raise ValueError(f"KNNClassifier: n_neighbors={self.n_neighbors} is more than the {len(X)} training "
                             "examples; lower n_neighbors or pass more data")
        self.neighbors_ = self._index(X, y_index)
        return self

    def _index(self, X: np.ndarray, y_index: np.ndarray) -> KNeighborsClassifier:
        return KNeighborsClassifier(n_neighbors=self.n_neighbors, weights=self.weights, p=self.p,
                                    n_jobs=self.n_jobs).fit(X, y_index)

    def get_fitted_state(self) -> dict:
        """The classes and the stored training set (the neighbour index is rebuilt from it on load)."""
        check_is_fitted(self)
        return {"classes_": self.classes_, "n_features_in_": self.n_features_in_,
                "fit_X_": self.neighbors_._fit_X, "fit_y_": self.neighbors_._y}

    def set_fitted_state(self, state: dict):
        """Rebuild the neighbour index from the stored training set: the same search, the same answers."""
        require(self, state, ("classes_", "n_features_in_", "fit_X_", "fit_y_"))
        self.classes_, self.n_features_in_ = state["classes_"], state["n_features_in_"]
        self.neighbors_ = self._index(state["fit_X_"], state["fit_y_"])
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Vote shares of each class among the neighbours (n, C)."""
        check_is_fitted(self)
        return self.neighbors_.predict_proba(validate_data(self, X, reset=False, dtype=(np.float64, np.float32)))

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
