"""The report's classical models are registered with complete metadata."""

import pytest

from mllab.models.registry import MODELS

NAMES = MODELS.names(kind="classical")


def test_the_report_models_are_registered():
    expected = {"logistic", "ridge", "lasso", "spline_regression", "svm", "lda", "gmm", "knn", "pca"}
    assert expected <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_meta_is_complete(name):
    entry = MODELS.entry(name)
    assert entry.meta["task"] == ("reduce" if name == "pca" else "classify")
    assert entry.doc, f"{name}: the estimator needs a docstring (its first line is the listing)"
    example = entry.meta["example_params"]
    params = entry.factory(**example).get_params()
    assert {k: params[k] for k in example} == example  # example params are real hyper-parameters, stored as given


@pytest.mark.parametrize("name", NAMES)
def test_hyper_parameters_are_keyword_only(name):
    with pytest.raises(TypeError):
        MODELS.get(name)(1.0)
