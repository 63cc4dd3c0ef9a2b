"""Gaussian mixtures fit by EM in log space, used as classifiers (report 000, section IV-B).

EM, written here: the E step computes ``log gamma_ik = log pi_k + log N(x_i |
mu_k, Sigma_k) - logsumexp_j(...)``; the M step re-estimates ``pi, mu, Sigma``
from the responsibilities, adding ``reg_covar`` to every variance so a
component on a flat direction (a constant pixel) stays invertible. Covariances
are ``"full"`` (d x d per component) or ``"diag"``; densities use the Cholesky
factor of the precision, as scikit-learn's ``GaussianMixture`` does, so from the
same start the two follow the same iterates.

Two ways to classify, by ``mode``:

- ``"per_class"``: one mixture of ``n_components`` per class, Bayes rule with
  the class frequencies as priors;
- ``"clusters"``: one unsupervised mixture of ``n_components`` (default: one per
  class) on all the data, each component labelled by the majority class of the
  examples it claims (the report's K = 10 on network features).

Cost per EM iteration with full covariances: ``O(n K d^2)``; for 10 000 x 1024
features and K = 10 that is about 1e11 flops, and ``K d^2`` floats (84 MB).

>>> from sklearn.datasets import load_digits
>>> X, y = load_digits(return_X_y=True)
>>> gmm = GaussianMixtureClassifier(covariance_type="diag", reg_covar=1e-2, random_state=0).fit(X, y)
>>> gmm.score(X, y) > 0.8
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.special import logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from mllab.models.classical._base import check_choice, check_number, encode_classes, one_hot
from mllab.models.classical._state import FittedState, require
from mllab.models.registry import MODELS

COVARIANCE_TYPES = ("full", "diag")
MODES = ("per_class", "clusters")
INITS = ("kmeans", "random")


@dataclass
class Mixture:
    """A fitted Gaussian mixture: ``weights`` (K,), ``means`` (K, d), ``covariances`` (K, d, d) or (K, d)."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str
    lower_bound: float = -np.inf
    n_iter: int = 0
    converged: bool = False

    def __post_init__(self):
        self.precisions_cholesky = precision_cholesky(self.covariances, self.covariance_type)

    def component_log_prob(self, X: np.ndarray) -> np.ndarray:
        """``log pi_k + log N(x_i | mu_k, Sigma_k)``: (n, K)."""
        return gaussian_log_prob(X, self.means, self.precisions_cholesky, self.covariance_type) + np.log(self.weights)

    def log_likelihood(self, X: np.ndarray) -> np.ndarray:
        """``log p(x_i)`` per example: (n,)."""
        return logsumexp(self.component_log_prob(X), axis=1)


def precision_cholesky(covariances: np.ndarray, covariance_type: str) -> np.ndarray:
    """Upper factors ``P_k`` with ``P_k P_k^T = Sigma_k^-1`` (full), or ``1 / sqrt(var)`` (diag).

    A covariance whose smallest Cholesky pivot is within round-off of its
    largest variance is singular in floating point: a clear error rather than
    densities of 1e300.
    """
    if covariance_type == "diag":
        if np.any(covariances <= _ROUND_OFF * covariances.shape[1] * covariances.max(axis=1, keepdims=True)):
            raise ValueError(_singular("a diagonal"))
        return 1.0 / np.sqrt(covariances)
    factors = np.empty_like(covariances)
    for k, cov in enumerate(covariances):
        try:
            lower = linalg.cholesky(cov, lower=True)
        except linalg.LinAlgError as err:
            raise ValueError(_singular(f"component {k}'s")) from err
        if np.diag(lower).min() ** 2 <= _ROUND_OFF * len(cov) * np.diag(cov).max():
            raise ValueError(_singular(f"component {k}'s"))
        factors[k] = linalg.solve_triangular(lower, np.eye(len(cov)), lower=True).T
    return factors


_ROUND_OFF = np.finfo(np.float64).eps  # tolerance as numpy.linalg.matrix_rank: eps * size * largest value


def _singular(which: str) -> str:
    diag = "" if which.startswith("a diagonal") else ", use covariance_type='diag'"
    return (f"{which} covariance is singular (too few distinct examples in the component, or constant "
            f"features); increase reg_covar{diag} or use fewer components")


def gaussian_log_prob(X, means, prec_chol, covariance_type) -> np.ndarray:
    """``log N(x_i | mu_k, Sigma_k)`` (n, K) from the precision Cholesky factors."""
    n, d = X.shape
    if covariance_type == "diag":
        log_det = np.log(prec_chol).sum(axis=1)  # (K,) = log |Sigma_k|^(-1/2)
        precision = prec_chol**2
        maha = (X**2) @ precision.T - 2.0 * X @ (means * precision).T + ((means**2) * precision).sum(axis=1)
    else:
        log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)
        maha = np.empty((n, len(means)))
        for k, (mu, P) in enumerate(zip(means, prec_chol)):
            maha[:, k] = (((X - mu) @ P) ** 2).sum(axis=1)  # P^T (x - mu) whitens
    return -0.5 * (d * np.log(2 * np.pi) + maha) + log_det


def m_step(X: np.ndarray, resp: np.ndarray, reg_covar: float, covariance_type: str) -> Mixture:
    """Weights, means and covariances (plus ``reg_covar`` on the variances) from responsibilities (n, K)."""
    counts = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps  # (K,); never 0, as sklearn
    means = resp.T @ X / counts[:, None]  # (K, d)
    if covariance_type == "diag":  # two passes (not E[x^2] - mu^2), so a flat feature gets ~0, not round-off
        covariances = np.stack([resp[:, k] @ (X - mu) ** 2 for k, mu in enumerate(means)]) / counts[:, None]
        covariances += reg_covar
    else:
        covariances = np.empty((len(means), X.shape[1], X.shape[1]))
        for k, mu in enumerate(means):
            weighted = np.sqrt(resp[:, k])[:, None] * (X - mu)  # (n, d)
            covariances[k] = weighted.T @ weighted / counts[k]  # A^T A: NumPy uses BLAS syrk, half the flops
            covariances[k].flat[:: X.shape[1] + 1] += reg_covar
    return Mixture(counts / len(X), means, covariances, covariance_type)


def fit_mixture(X: np.ndarray, start: Mixture, *, reg_covar: float, max_iter: int, tol: float) -> Mixture:
    """EM from ``start`` until the mean log-likelihood gains less than ``tol`` or ``max_iter`` iterations.

    ``lower_bound`` is the mean log-likelihood at the last E step (as sklearn's
    ``lower_bound_``): each iteration is E step (scored) then M step.
    """
    mixture, previous = start, -np.inf
    for iteration in range(1, max_iter + 1):
        log_prob = mixture.component_log_prob(X)  # (n, K)
        log_norm = logsumexp(log_prob, axis=1)
        lower_bound = float(log_norm.mean())
        mixture = m_step(X, np.exp(log_prob - log_norm[:, None]), reg_covar, start.covariance_type)
        mixture.lower_bound, mixture.n_iter = lower_bound, iteration
        if abs(lower_bound - previous) < tol:
            mixture.converged = True
            break
        previous = lower_bound
    return mixture


def initial_responsibilities(X: np.ndarray, n_components: int, init: str, rng) -> np.ndarray:
    """(n, K) starting responsibilities: k-means labels (one-hot) or random rows summing to 1."""
    if n_components == 1:
        return np.ones((len(X), 1))
    if init == "kmeans":
        labels = KMeans(n_clusters=n_components, n_init=1, random_state=rng).fit(X).labels_
        return one_hot(labels, n_components)
    resp = rng.uniform(size=(len(X), n_components))
    return resp / resp.sum(axis=1, keepdims=True)


@MODELS.register("gmm", kind="classical", task="classify", example_params={"max_iter": 20})
class GaussianMixtureClassifier(FittedState, ClassifierMixin, BaseEstimator):
    """Gaussian-mixture classifier: a mixture per class (Bayes rule) or majority-labelled clusters.

    Parameters: ``mode`` (``"per_class"`` or ``"clusters"``), ``n_components``
    (per class, default 1; or in all for ``"clusters"``, default one per class),
    ``covariance_type`` (``"full"`` or ``"diag"``), ``reg_covar`` (added to the
    variances), ``max_iter``, ``tol`` (on the mean log-likelihood), ``init``
    (``"kmeans"``, as sklearn's default, or ``"random"`` responsibilities),
    ``random_state``.
    Fitted: ``mixtures_`` (one :class:`Mixture` per class) and ``class_log_prior_``,
    or ``mixture_`` and ``component_classes_`` (the class of each component);
    ``n_iter_`` (EM iterations, per class for ``"per_class"``).

    >>> import numpy as np
    >>> X = np.array([[0.0], [0.2], [0.1], [3.0], [3.2], [3.1]])
    >>> gmm = GaussianMixtureClassifier(mode="clusters", random_state=0).fit(X, [0, 0, 0, 1, 1, 1])
    >>> gmm.predict([[0.1], [2.9]]).tolist()
    [0, 1]
    """

    def __init__(self, *, mode: str = "per_class", n_components=None, covariance_type: str = "full",
                 reg_covar: float = 1e-6, max_iter: int = 100, tol: float = 1e-3, init: str = "kmeans",
                 random_state=None):
        self.mode = mode
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def fit(self, X, y):
        """Fit on features ``X`` (n, d) and labels ``y`` (n,); returns ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, y_index = encode_classes(self, y)
        rng = check_random_state(self.random_state)
        if self.mode == "per_class":
            groups = [X[y_index == c] for c in range(len(self.classes_))]
            self.mixtures_ = [self._fit_one(g, self.n_components or 1, rng, f"class {c}")
                              for g, c in zip(groups, self.classes_)]
            self.class_log_prior_ = np.log([len(g) / len(X) for g in groups])
            self.n_iter_ = np.array([m.n_iter for m in self.mixtures_])
        else:
            self.mixture_ = self._fit_one(X, self.n_components or len(self.classes_), rng, "the data")
            claimed = self.mixture_.component_log_prob(X).argmax(axis=1)
            self.component_classes_ = majority_class(claimed, y_index, len(self.mixture_.weights))
            self.n_iter_ = self.mixture_.n_iter
        return self

    def predict_proba(self, X) -> np.ndarray:
        """``p(class | x)``: Bayes rule over the class mixtures, or the summed responsibilities of its components."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if self.mode == "per_class":
            joint = np.column_stack([m.log_likelihood(X) for m in self.mixtures_]) + self.class_log_prior_
            return softmax(joint, axis=1)
        resp = softmax(self.mixture_.component_log_prob(X), axis=1)  # (n, K)
        return resp @ one_hot(self.component_classes_, len(self.classes_))  # (n, C)

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def get_fitted_state(self) -> dict:
        """Classes, EM iterations and each mixture's arrays (``mixture_weights_`` ... one per class, or one)."""
        check_is_fitted(self)
        mixtures = self.mixtures_ if self.mode == "per_class" else [self.mixture_]
        state = {"classes_": self.classes_, "n_iter_": self.n_iter_, "n_features_in_": self.n_features_in_,
                 "mixture_weights_": [m.weights for m in mixtures], "mixture_means_": [m.means for m in mixtures],
                 "mixture_covariances_": [m.covariances for m in mixtures],
                 "mixture_fit_": [[m.lower_bound, m.n_iter, m.converged] for m in mixtures]}
        if self.mode == "per_class":
            return {**state, "class_log_prior_": self.class_log_prior_}
        return {**state, "component_classes_": self.component_classes_}

    def set_fitted_state(self, state: dict):
        """The mixtures rebuilt from their arrays (their precision factors computed again, as after EM)."""
        own = ("class_log_prior_",) if self.mode == "per_class" else ("component_classes_",)
        require(self, state, ("classes_", "n_iter_", "n_features_in_", "mixture_weights_", "mixture_means_",
                              "mixture_covariances_", "mixture_fit_", *own))
        mixtures = [Mixture(w, m, c, self.covariance_type, float(bound), int(n), bool(done))
                    for w, m, c, (bound, n, done) in zip(state["mixture_weights_"], state["mixture_means_"],
                                                         state["mixture_covariances_"], state["mixture_fit_"])]
        self.classes_, self.n_features_in_ = state["classes_"], state["n_features_in_"]
        self.n_iter_ = np.asarray(state["n_iter_"]) if self.mode == "per_class" else state["n_iter_"]
        if self.mode == "per_class":
            self.mixtures_, self.class_log_prior_ = mixtures, state["class_log_prior_"]
        else:
            (self.mixture_,), self.component_classes_ = mixtures, state["component_classes_"]
        return self

    def _fit_one(self, X: np.ndarray, n_components: int, rng, what: str) -> Mixture:
        if len(X) < n_components:
            raise ValueError(f"GaussianMixtureClassifier: {what} has {len(X)} examples but n_components="
                             f"{n_components}; a mixture needs at least one example per component. "
                             "Lower n_components or pass more data.")
        resp = initial_responsibilities(X, n_components, self.init, rng)
        try:
            start = m_step(X, resp, self.reg_covar, self.covariance_type)
            mixture = fit_mixture(X, start, reg_covar=self.reg_covar, max_iter=self.max_iter, tol=self.tol)
        except ValueError as err:
            raise ValueError(f"GaussianMixtureClassifier: mixture of {what}: {err} (reg_covar={self.reg_covar})") \
                from err
        if not mixture.converged:
            warnings.warn(f"GaussianMixtureClassifier: EM on {what} did not converge in max_iter={self.max_iter} "
                          "iterations; increase max_iter or tol", ConvergenceWarning, stacklevel=3)
        return mixture

    def _check_params(self) -> None:
        check_choice(self, "mode", self.mode, MODES)
        check_choice(self, "covariance_type", self.covariance_type, COVARIANCE_TYPES)
        check_choice(self, "init", self.init, INITS)
        check_number(self, "n_components", self.n_components, low=1, integer=True, allow_none=True)
        check_number(self, "reg_covar", self.reg_covar, low=0)
        check_number(self, "max_iter", self.max_iter, low=1, integer=True)
        check_number(self, "tol", self.tol, low=0)


def majority_class(component: np.ndarray, y_index: np.ndarray, n_components: int) -> np.ndarray:
    """Class index of each component: the most frequent label among the examples it claims.

    A component that claims no example gets the overall most frequent class.
    """
    counts = np.zeros((n_components, y_index.max() + 1), dtype=np.int64)
    np.add.at(counts, (component, y_index), 1)
    fallback = np.bincount(y_index).argmax()
    return np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), fallback)
