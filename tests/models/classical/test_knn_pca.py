"""k-nearest neighbours and PCA against scikit-learn; PCA reconstruction PSNR."""

import numpy as np
import pytest
from sklearn.decomposition import PCA as SklearnPCA
from sklearn.neighbors import KNeighborsClassifier

from mllab.core.metrics import psnr
from mllab.models.classical.knn import KNNClassifier
from mllab.models.classical.pca import PCA


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_knn_matches_sklearn(digits_split, weights):
    X, y, X_test, _ = digits_split
    ours = KNNClassifier(n_neighbors=4, weights=weights).fit(X, y)
    ref = KNeighborsClassifier(n_neighbors=4, weights=weights).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test))
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))


def test_knn_more_neighbours_than_examples_is_named():
    with pytest.raises(ValueError, match="n_neighbors=5 is more than the 3 training examples"):
        KNNClassifier().fit(np.eye(3), [0, 1, 1])


@pytest.mark.parametrize("n_components", [1, 10, 64])
def test_pca_matches_sklearn(digits, n_components):
    X = digits[0]
    ours = PCA(n_components=n_components).fit(X)
    ref = SklearnPCA(n_components=n_components, svd_solver="full").fit(X)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-10)  # signs fixed alike
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-10)
    Z = ours.transform(X)
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), atol=1e-10)


def test_reconstruction_psnr_grows_with_components_and_is_exact_with_all(digits):
    X = digits[0]
    values = [PCA(n_components=k).fit(X).reconstruction_psnr(X) for k in (2, 10, 30)]
    assert values[0] < values[1] < values[2]
    pca = PCA(n_components=10).fit(X)
    assert values[1] == pytest.approx(psnr(X, pca.inverse_transform(pca.transform(X))))
    assert PCA().fit(X).reconstruction_psnr(X) > 200  # every direction kept: float round-off only


def test_pca_more_components_than_samples_is_named(rng):
    with pytest.raises(ValueError, match=r"n_components=6 is more than min\(n_samples, n_features\) = 5"):
        PCA(n_components=6).fit(rng.normal(size=(5, 20)))


def test_inverse_transform_checks_the_width(digits):
    with pytest.raises(ValueError, match=r"Z must have shape \(n, 3\)"):
        PCA(n_components=3).fit(digits[0]).inverse_transform(np.zeros((2, 4)))
