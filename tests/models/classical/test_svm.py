"""Kernel SVM wrapper: one-vs-rest as the report, sigma, subsets, support vectors."""

import numpy as np
import pytest
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import SVC

from mllab.models.classical.svm import KernelSVM


@pytest.fixture(scope="module")
def small(digits):
    X, y = digits
    return X[:400], y[:400]


def test_ovr_is_one_binary_svc_per_class(small):
    X, y = small
    ours = KernelSVM(kernel="poly", degree=2, coef0=1.0, C=2.0).fit(X, y)
    ref = OneVsRestClassifier(SVC(kernel="poly", degree=2, coef0=1.0, C=2.0)).fit(X, y)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=1e-10, atol=1e-10)
    assert len(ours.support_vectors_per_class_) == 10
    for sv, est in zip(ours.support_vectors_per_class_, ref.estimators_):
        np.testing.assert_array_equal(sv, est.support_vectors_)


def test_ovo_is_libsvm_native(small):
    X, y = small
    ours = KernelSVM(kernel="sigmoid", gamma=0.05, strategy="ovo").fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), SVC(kernel="sigmoid", gamma=0.05).fit(X, y).predict(X))


def test_sigma_sets_gamma_one_over_two_sigma_squared(small):
    X, y = small
    by_sigma = KernelSVM(sigma=2.0).fit(X, y).decision_function(X)
    by_gamma = KernelSVM(gamma=1 / 8).fit(X, y).decision_function(X)
    np.testing.assert_allclose(by_sigma, by_gamma, rtol=1e-12)


def test_support_vectors_are_training_rows_listed_once(small):
    X, y = small
    svm = KernelSVM(kernel="linear").fit(X, y)
    union = np.unique(np.concatenate(svm.support_vectors_per_class_), axis=0)
    assert len(svm.support_vectors_) == len(np.unique(svm.support_vectors_, axis=0)) == len(union)


def test_train_subset_is_stratified_and_reproducible(digits):
    X, y = digits
    a = KernelSVM(train_subset=500, random_state=1).fit(X, y)
    b = KernelSVM(train_subset=500, random_state=1).fit(X, y)
    c = KernelSVM(train_subset=500, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.train_index_, b.train_index_)
    assert not np.array_equal(a.train_index_, c.train_index_)
    assert abs(len(a.train_index_) - 500) <= 10
    np.testing.assert_allclose(np.bincount(y[a.train_index_]) / len(a.train_index_), np.bincount(y) / len(y), atol=0.01)


def test_rbf_learns_digits(digits_split):
    X, y, X_test, y_test = digits_split
    assert KernelSVM().fit(X, y).score(X_test, y_test) > 0.93


@pytest.mark.parametrize("params, match", [
    ({"kernel": "laplacian"}, "kernel must be one of"),
    ({"sigma": 1.0, "gamma": 0.5}, "give gamma or sigma, not both"),
    ({"sigma": -1.0}, "sigma must be a number > 0"),
    ({"train_subset": 1}, "train_subset must be an integer >= 2"),
])
def test_bad_hyper_parameters_are_named(params, match, small):
    with pytest.raises(ValueError, match=match):
        KernelSVM(**params).fit(*small)


@pytest.mark.parametrize("kernel, params", [("rbf", {}), ("linear", {}), ("sigmoid", {"gamma": 0.01, "coef0": 0.5}),
                                            ("poly", {"degree": 3, "coef0": 1.0, "gamma": "auto"})])
def test_shared_kernel_scoring_equals_libsvms_per_machine_scores(small, kernel, params):
    """One kernel block against every support vector, times the stacked dual coefficients = the ten SVCs."""
    X, y = small
    ours = KernelSVM(kernel=kernel, **params).fit(X, y)
    libsvm = np.column_stack([est.decision_function(X) for est in ours.estimators_])
    np.testing.assert_allclose(ours.decision_function(X), libsvm, rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), ours.model_.predict(X))


def test_gamma_scale_is_libsvms_rule_on_the_fitted_rows(small):
    X, y = small
    svm = KernelSVM(train_subset=200, random_state=0).fit(X, y)
    fitted = X[svm.train_index_]
    assert svm.gamma_ == pytest.approx(1 / (X.shape[1] * fitted.var()))
    assert svm.estimators_[0]._gamma == pytest.approx(svm.gamma_)
