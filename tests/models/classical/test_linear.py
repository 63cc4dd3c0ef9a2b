"""Ridge and lasso classifiers: closed form and scikit-learn parity, sparsity, penalty conventions."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge

from mllab.models.classical.linear import LassoClassifier, RidgeClassifier, lasso_coordinate_descent


@pytest.fixture
def problem(rng):
    """Correlated features, 4 classes, and their one-hot targets."""
    X = rng.normal(size=(150, 12)) @ rng.normal(size=(12, 12)) + 3.0
    y = rng.integers(0, 4, size=150)
    return X, y, np.eye(4)[y]


def assert_rel_close(actual, expected, rtol=1e-6):
    assert np.abs(actual - expected).max() <= rtol * np.abs(expected).max()


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_alpha_zero_is_least_squares(problem, fit_intercept):
    X, y, Y = problem
    A = np.column_stack([X, np.ones(len(X))]) if fit_intercept else X
    solution = np.linalg.lstsq(A, Y, rcond=None)[0]
    ridge = RidgeClassifier(alpha=0.0, fit_intercept=fit_intercept).fit(X, y)
    assert_rel_close(ridge.coef_, solution[:12].T)
    if fit_intercept:
        assert_rel_close(ridge.intercept_, solution[12])
    else:
        np.testing.assert_array_equal(ridge.intercept_, 0.0)


def test_ridge_alpha_zero_on_rank_deficient_data_is_the_minimum_norm_solution(problem):
    X, y, Y = problem
    X = np.column_stack([X, X[:, :2]])  # duplicated columns: X^T X is singular
    solution = np.linalg.lstsq(X - X.mean(0), Y - Y.mean(0), rcond=None)[0]
    assert_rel_close(RidgeClassifier(alpha=0.0).fit(X, y).coef_, solution.T)


@pytest.mark.parametrize("alpha", [0.1, 10.0, 1000.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(problem, alpha, fit_intercept):
    X, y, Y = problem
    ours = RidgeClassifier(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    ref = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y)
    assert_rel_close(ours.coef_, ref.coef_)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("alpha", [1e-3, 1e-2, 5e-2])
def test_lasso_matches_sklearn_with_its_alpha_convention(problem, alpha):
    X, y, Y = problem
    ours = LassoClassifier(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, Y)
    assert_rel_close(ours.coef_, ref.coef_)
    assert_rel_close(ours.intercept_, ref.intercept_)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)  # the same weights are removed


def test_lasso_is_sparser_with_larger_alpha_and_ridge_is_not_sparse(digits):
    X, y = digits
    sparsity = [LassoClassifier(alpha=a).fit(X, y).sparsity_ for a in (1e-4, 1e-3, 1e-2)]
    assert sparsity[0] < sparsity[1] < sparsity[2] < 1.0
    ridge = RidgeClassifier(alpha=1.0).fit(X, y)
    assert np.mean(ridge.coef_ == 0) == pytest.approx(np.mean(X.std(0) == 0))  # only never-varying pixels


def test_lasso_solver_satisfies_the_optimality_conditions(rng):
    X = rng.normal(size=(80, 6))
    Y = rng.normal(size=(80, 3))
    G, B, penalty = X.T @ X, X.T @ Y, 20.0
    W, _ = lasso_coordinate_descent(G, B, penalty, max_iter=10_000, tol=1e-12)
    gradient = B - G @ W  # KKT: |g| <= penalty where w == 0, g == penalty * sign(w) elsewhere
    assert np.all(np.abs(gradient[W == 0]) <= penalty + 1e-8)
    np.testing.assert_allclose(gradient[W != 0], penalty * np.sign(W[W != 0]), atol=1e-8)


def test_lasso_warns_when_it_stops_before_converging(problem):
    X, y, _ = problem
    with pytest.warns(Warning, match="did not converge"):
        LassoClassifier(alpha=1e-4, max_iter=1, tol=1e-12).fit(X, y)


@pytest.mark.parametrize("cls", [RidgeClassifier, LassoClassifier])
def test_accuracy_on_held_out_digits(cls, digits_split):
    X, y, X_test, y_test = digits_split
    assert cls().fit(X, y).score(X_test, y_test) > 0.85


@pytest.mark.parametrize("cls, params, match", [
    (RidgeClassifier, {"alpha": -1.0}, "alpha must be a number >= 0"),
    (LassoClassifier, {"alpha": 0.0}, "alpha must be a number > 0"),
    (LassoClassifier, {"max_iter": 0}, "max_iter must be an integer >= 1"),
])
def test_bad_hyper_parameters_are_named(cls, params, match, problem):
    X, y, _ = problem
    with pytest.raises(ValueError, match=match):
        cls(**params).fit(X, y)
