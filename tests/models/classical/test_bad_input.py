"""Every registered classical model rejects bad input with a ValueError that says what is wrong."""

import numpy as np
import pytest

from mllab.models.registry import MODELS

NAMES = MODELS.names(kind="classical")
CLASSIFIERS = MODELS.names(kind="classical", task="classify")


def build(name):
    entry = MODELS.entry(name)
    return entry.factory(**entry.meta["example_params"])


@pytest.fixture
def data(rng):
    X = rng.normal(size=(40, 4))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value, match", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_inputs(name, data, value, match):
    X, y = data
    X = X.copy()
    X[3, 1] = value
    with pytest.raises(ValueError, match=match):
        build(name).fit(X, y)


@pytest.mark.parametrize("name", NAMES)
def test_one_dimensional_X(name, data):
    with pytest.raises(ValueError, match="Expected a 2-dimensional container|Expected 2D"):
        build(name).fit(data[0][:, 0], data[1])


@pytest.mark.parametrize("name", NAMES)
def test_wrong_width_at_predict_time(name, data):
    X, y = data
    model = build(name).fit(X, y)
    method = model.predict if name in CLASSIFIERS else model.transform
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4 features"):
        method(X[:, :3])


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_labels_and_rows_must_match(name, data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        build(name).fit(X, y[:-1])


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_single_class_names_the_fix(name, data):
    X, _ = data
    with pytest.raises(ValueError, match="only one class .* at least 2 classes"):
        build(name).fit(X, np.zeros(len(X), dtype=int))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_continuous_targets_are_refused(name, data):
    X, _ = data
    with pytest.raises(ValueError, match="Unknown label type"):
        build(name).fit(X, X[:, 0])
