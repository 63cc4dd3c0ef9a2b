"""Gaussian mixtures by EM: iterate-by-iterate parity with scikit-learn, the two classifier modes, errors."""

import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from mllab.models.classical.gmm import GaussianMixtureClassifier, Mixture, fit_mixture, majority_class


def common_start(X, covariance_type, K, rng):
    """The same starting point for both implementations: random means, equal weights, a shared covariance."""
    means = X[rng.choice(len(X), K, replace=False)]
    weights = np.full(K, 1.0 / K)
    d = X.shape[1]
    if covariance_type == "full":
        cov = np.stack([np.cov(X.T) + 0.01 * np.eye(d)] * K)
        return Mixture(weights, means, cov, "full"), np.linalg.inv(cov)
    cov = np.stack([X.var(axis=0) + 0.01] * K)
    return Mixture(weights, means, cov, "diag"), 1.0 / cov


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_em_follows_sklearn_from_the_same_start(digits, covariance_type, rng):
    X = digits[0][:800]
    start, precisions = common_start(X, covariance_type, 5, rng)
    ours = fit_mixture(X, start, reg_covar=1e-3, max_iter=12, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns that 12 iterations did not converge
        ref = GaussianMixture(5, covariance_type=covariance_type, reg_covar=1e-3, max_iter=12, tol=0.0,
                              weights_init=start.weights, means_init=start.means, precisions_init=precisions).fit(X)
    assert ours.lower_bound == pytest.approx(ref.lower_bound_, rel=1e-4)
    assert ours.log_likelihood(X).mean() == pytest.approx(ref.score(X), rel=1e-4)
    np.testing.assert_allclose(ours.means, ref.means_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.covariances, ref.covariances_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.weights, ref.weights_, rtol=1e-6)


def test_em_never_lowers_the_likelihood(digits, rng):
    X = digits[0][:500]
    start, _ = common_start(X, "diag", 4, rng)
    bounds = [fit_mixture(X, start, reg_covar=1e-3, max_iter=i, tol=0.0).lower_bound for i in range(1, 8)]
    assert np.all(np.diff(bounds) >= -1e-10)


def test_clusters_mode_uses_sklearns_kmeans_start(digits):
    X, y = digits
    ours = GaussianMixtureClassifier(mode="clusters", covariance_type="diag", reg_covar=1e-2, random_state=0).fit(X, y)
    ref = GaussianMixture(10, covariance_type="diag", reg_covar=1e-2, random_state=0).fit(X)
    assert ours.mixture_.lower_bound == pytest.approx(ref.lower_bound_, rel=1e-4)
    np.testing.assert_allclose(ours.mixture_.means, ref.means_, rtol=1e-6, atol=1e-9)


def test_per_class_mode_is_bayes_rule_over_class_densities(digits_split):
    X, y, X_test, y_test = digits_split
    clf = GaussianMixtureClassifier(n_components=2, reg_covar=1e-2, random_state=0).fit(X, y)
    joint = np.column_stack([m.log_likelihood(X_test) for m in clf.mixtures_]) + np.log(np.bincount(y) / len(y))
    np.testing.assert_array_equal(clf.predict(X_test), joint.argmax(axis=1))
    assert clf.score(X_test, y_test) > 0.9


def test_clusters_mode_labels_components_by_majority(digits_split):
    X, y, X_test, y_test = digits_split
    clf = GaussianMixtureClassifier(mode="clusters", n_components=30, covariance_type="diag", reg_covar=1e-2,
                                    random_state=0).fit(X, y)
    assert clf.score(X_test, y_test) > 0.7
    np.testing.assert_allclose(clf.predict_proba(X_test).sum(axis=1), 1.0)


def test_majority_class_falls_back_to_the_most_frequent_class():
    np.testing.assert_array_equal(majority_class(np.array([0, 0, 0, 2]), np.array([1, 1, 0, 0]), 3), [1, 0, 0])


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_singular_covariance_names_reg_covar(covariance_type):
    X = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [0.0, 5.0], [1.0, 5.0], [2.0, 5.0]])  # constant per class
    with pytest.raises(ValueError, match="class 0: .* singular .* increase reg_covar"):
        GaussianMixtureClassifier(reg_covar=0.0, covariance_type=covariance_type).fit(X, [0, 0, 0, 1, 1, 1])
    GaussianMixtureClassifier(reg_covar=1e-6, covariance_type=covariance_type).fit(X, [0, 0, 0, 1, 1, 1])


def test_more_components_than_examples_is_named():
    with pytest.raises(ValueError, match="class 1 has 2 examples but n_components=3"):
        GaussianMixtureClassifier(n_components=3).fit(np.arange(10.0)[:, None], [0] * 8 + [1] * 2)
