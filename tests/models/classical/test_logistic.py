"""Logistic regression by torch SGD: parity with scikit-learn's exact optimum, forms, determinism."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogistic

from mllab.models.classical.logistic import LogisticRegression, resolve_device

# Full-batch gradient descent with momentum, long enough to reach the optimum of the convex loss.
FULL_BATCH = dict(lr=0.5, momentum=0.9, epochs=300, batch_size=120, random_state=0, device="cpu")


@pytest.fixture
def overlapping(rng):
    """Three classes that overlap, so the unpenalized optimum is finite."""
    X = rng.normal(size=(120, 4))
    y = (X @ rng.normal(size=(4, 3)) + 1.5 * rng.normal(size=(120, 3))).argmax(axis=1)
    return X, y


def exact(X, y):
    return SklearnLogistic(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)


def test_softmax_reaches_the_multinomial_optimum(overlapping):
    X, y = overlapping
    ours = LogisticRegression(form="softmax", **FULL_BATCH).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), exact(X, y).predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("form", ["ovr", "multi_binary"])
def test_binary_forms_reach_each_class_vs_rest_optimum(overlapping, form):
    X, y = overlapping
    ours = LogisticRegression(form=form, **FULL_BATCH).fit(X, y)
    for k in range(3):
        ref = exact(X, y == k)
        np.testing.assert_allclose(ours.coef_[k], ref.coef_[0], atol=1e-5)
        np.testing.assert_allclose(ours.intercept_[k], ref.intercept_[0], atol=1e-5)


@pytest.mark.parametrize("form", ["ovr", "multi_binary"])
def test_two_classes_train_one_binary_classifier(overlapping, form):
    X, y = overlapping
    binary = np.where(y == 2, "yes", "no")
    ours = LogisticRegression(form=form, **FULL_BATCH).fit(X, binary)
    ref = exact(X, binary)
    assert ours.coef_.shape == (1, 4)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("form", ["ovr", "multi_binary", "softmax"])
def test_same_random_state_same_model_and_different_state_different_model(digits, form):
    X, y = digits[0][:300], digits[1][:300]

    def fit(seed):
        return LogisticRegression(form=form, epochs=2, lr=0.05, random_state=seed, device="cpu").fit(X, y)

    np.testing.assert_array_equal(fit(3).coef_, fit(3).coef_)
    assert not np.array_equal(fit(3).coef_, fit(4).coef_)


def test_report_settings_learn_digits_and_the_loss_falls(digits_split):
    X, y, X_test, y_test = digits_split
    clf = LogisticRegression(random_state=0, device="cpu").fit(X, y)  # lr 1e-3, momentum 0.9, 10 epochs
    assert clf.score(X_test, y_test) > 0.8  # chance is 0.1; 1200 images, 190 small steps
    assert len(clf.loss_curve_) == 10 and clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_ovr_probabilities_are_normalized_sigmoids(digits):
    X, y = digits[0][:200], digits[1][:200]
    clf = LogisticRegression(form="ovr", epochs=1, random_state=0, device="cpu").fit(X, y)
    sigmoid = 1 / (1 + np.exp(-clf.decision_function(X)))
    np.testing.assert_allclose(clf.predict_proba(X), sigmoid / sigmoid.sum(1, keepdims=True), rtol=1e-10)


def test_device_auto_and_bad_device():
    assert resolve_device("auto").type in {"cpu", "cuda"}
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("abacus")


@pytest.mark.parametrize("params, match", [
    ({"form": "one_vs_one"}, "form must be one of"),
    ({"lr": 0.0}, "lr must be a number > 0"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1"),
])
def test_bad_hyper_parameters_are_named(params, match, overlapping):
    with pytest.raises(ValueError, match=match):
        LogisticRegression(**params).fit(*overlapping)
