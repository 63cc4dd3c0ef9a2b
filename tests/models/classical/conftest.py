"""Data shared by the classical-model tests: scikit-learn's 8x8 digits, scaled to [0, 1]."""

import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def digits_split(digits):
    """(X_train, y_train, X_test, y_test): first 1200 images to train, the rest to test."""
    X, y = digits
    return X[:1200], y[:1200], X[1200:], y[1200:]


@pytest.fixture
def rng():
    return np.random.default_rng(0)
