"""Fisher LDA: the subspace and the decisions of scikit-learn's eigen solver, shrinkage, errors."""

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.datasets import load_wine
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from mllab.models.classical.lda import FisherLDA


@pytest.fixture(scope="module")
def varying_digits(digits):
    """Digits without the never-varying pixels, so Sw is invertible without shrinkage."""
    X, y = digits
    return X[:, X.std(axis=0) > 0], y


@pytest.mark.parametrize("data", ["varying_digits", "wine"])
def test_same_discriminant_subspace_as_sklearn(data, request):
    X, y = request.getfixturevalue("varying_digits") if data == "varying_digits" else load_wine(return_X_y=True)
    ours = FisherLDA().fit(X, y)
    ref = LinearDiscriminantAnalysis(solver="eigen").fit(X, y)
    k = len(ours.classes_) - 1
    assert np.degrees(subspace_angles(ours.scalings_[:, :k], ref.scalings_[:, :k])).max() < 1e-6
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-8)
    # projections agree up to the sign of each direction (both are Sw-orthonormal)
    Z, Z_ref = ours.transform(X), ref.transform(X)
    np.testing.assert_allclose(np.abs(np.corrcoef(Z.T, Z_ref.T).diagonal(k)), 1.0, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("shrinkage", ["auto", 0.1])
def test_shrinkage_makes_singular_sw_work_with_sklearns_decisions(digits_split, shrinkage):
    X, y, X_test, y_test = digits_split
    ours = FisherLDA(shrinkage=shrinkage).fit(X, y)
    ref = LinearDiscriminantAnalysis(solver="eigen", shrinkage=shrinkage).fit(X, y)
    np.testing.assert_allclose(ours.covariance_, ref.covariance_, rtol=1e-10, atol=1e-12)
    assert np.mean(ours.predict(X_test) == ref.predict(X_test)) > 0.995
    assert abs(ours.score(X_test, y_test) - ref.score(X_test, y_test)) < 0.005
    assert ours.score(X_test, y_test) > 0.9


def test_directions_are_sw_orthonormal_and_separate_the_classes_in_order(varying_digits):
    X, y = varying_digits
    lda = FisherLDA().fit(X, y)
    V = lda.scalings_[:, :9]
    np.testing.assert_allclose(V.T @ lda.covariance_ @ V, np.eye(9), atol=1e-8)
    assert np.all(np.diff(lda.eigenvalues_[:9]) <= 0) and lda.eigenvalues_[8] > 1e-6
    assert np.all(np.abs(lda.eigenvalues_[9:]) < 1e-8)  # at most C - 1 informative directions


def test_binary_problem_has_one_direction_and_a_scalar_score(digits):
    X, y = digits
    lda = FisherLDA(shrinkage="auto").fit(X, y >= 5)
    assert lda.transform(X).shape == (len(X), 1)
    scores = lda.decision_function(X)
    assert scores.shape == (len(X),)
    np.testing.assert_array_equal(lda.predict(X), scores > 0)
    assert lda.score(X, y >= 5) > 0.85


def test_fewer_components_than_classes(digits):
    X, y = digits
    lda = FisherLDA(n_components=2, shrinkage="auto").fit(X, y)
    assert lda.transform(X).shape == (len(X), 2)
    assert lda.score(X, y) > 0.5  # nearest mean in 2-D still far above chance


def test_singular_within_class_covariance_names_the_fix(digits):
    with pytest.raises(ValueError, match="singular.*shrinkage='auto'"):
        FisherLDA().fit(*digits)


def test_too_many_components_names_the_limit(digits):
    with pytest.raises(ValueError, match=r"n_components=10 exceeds min\(n_classes - 1, n_features\) = 9"):
        FisherLDA(n_components=10, shrinkage="auto").fit(*digits)
