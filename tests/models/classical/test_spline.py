"""Spline (hinge) regression classifier: features, knots, parity with ridge on the expanded features."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from mllab.models.classical.linear import RidgeClassifier
from mllab.models.classical.spline import SplineClassifier, place_knots


def test_features_are_the_inputs_then_one_hinge_per_knot():
    clf = SplineClassifier(n_knots=2, knots="uniform").fit(np.array([[0.0, 10.0], [3.0, 40.0]]), [0, 1])
    np.testing.assert_allclose(clf.knots_, [[1.0, 2.0], [20.0, 30.0]])
    features = clf.expand(np.array([[1.5, 35.0]]))
    np.testing.assert_allclose(features, [[1.5, 35.0, 0.5, 15.0, 0.0, 5.0]])


def test_quantile_knots_sit_at_the_training_quantiles(rng):
    X = rng.exponential(size=(1000, 3))
    np.testing.assert_allclose(place_knots(X, 3, "quantile"), np.quantile(X, [0.25, 0.5, 0.75], axis=0).T)


@pytest.mark.parametrize("knots", ["quantile", "uniform"])
def test_matches_sklearn_ridge_on_the_expanded_features(rng, knots):
    X = rng.normal(size=(200, 5))
    y = rng.integers(0, 3, size=200)
    clf = SplineClassifier(n_knots=3, knots=knots, alpha=2.0).fit(X, y)
    ref = Ridge(alpha=2.0).fit(clf.expand(X), np.eye(3)[y])
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, rtol=1e-6, atol=1e-10)


def test_without_knots_it_is_ridge(digits):
    X, y = digits
    spline = SplineClassifier(n_knots=0, alpha=3.0).fit(X, y)
    np.testing.assert_allclose(spline.coef_, RidgeClassifier(alpha=3.0).fit(X, y).coef_, rtol=1e-9, atol=1e-12)


def test_hinges_fit_what_a_linear_model_cannot():
    X = np.linspace(-1, 1, 200)[:, None]
    y = (np.abs(X[:, 0]) > 0.5).astype(int)
    assert RidgeClassifier(alpha=1e-3).fit(X, y).score(X, y) < 0.8
    assert SplineClassifier(n_knots=3, knots="uniform", alpha=1e-3).fit(X, y).score(X, y) > 0.95


def test_beats_ridge_on_held_out_digits(digits_split):
    X, y, X_test, y_test = digits_split
    ridge = RidgeClassifier(alpha=10.0).fit(X, y).score(X_test, y_test)
    assert SplineClassifier(n_knots=3, knots="uniform", alpha=10.0).fit(X, y).score(X_test, y_test) > ridge


def test_bad_knot_placement_is_named():
    with pytest.raises(ValueError, match="knots must be one of"):
        SplineClassifier(knots="random").fit(np.eye(3), [0, 1, 0])
