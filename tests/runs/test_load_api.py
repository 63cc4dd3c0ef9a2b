"""``load_run(...)`` in scikit-learn's conventions: ``predict`` / ``predict_proba`` / ``score`` on raw inputs, checked
against the shape and dtype model.json records (issue 28: the 8x8-digits run took 28x28 images; one image
without its batch axis failed deep in torch)."""

import numpy as np
import pytest

from mllab.core.errors import MllabError
from mllab.data import load
from mllab.runs.load import InputError, load_run
from run_folders import cnn_run, ridge_run


@pytest.fixture(scope="module")
def digits():
    return load("digits").test


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    return load_run(cnn_run(tmp_path_factory.mktemp("cnn")))


@pytest.fixture(scope="module")
def ridge(tmp_path_factory):
    return load_run(ridge_run(tmp_path_factory.mktemp("ridge")))


@pytest.fixture(scope="module")
def knn(tmp_path_factory):
    return load_run(ridge_run(tmp_path_factory.mktemp("knn"), "knn"))


@pytest.mark.parametrize("which", ["cnn", "ridge"])
def test_one_example_without_its_batch_axis_is_predicted_as_in_a_batch(request, digits, which):
    run = request.getfixturevalue(which)
    batch = run.predict(digits.x[:5])
    assert batch.shape == (5,)
    for k in range(5):
        assert digits.x[k].shape == (1, 8, 8)
        np.testing.assert_array_equal(run.predict(digits.x[k]), batch[k:k + 1])


@pytest.mark.parametrize("which", ["cnn", "ridge"])
@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 1, 28, 28), (28, 28), (5, 64)])
def test_inputs_of_another_shape_are_refused_naming_expected_and_found(request, which, shape):
    run = request.getfixturevalue(which)
    with pytest.raises(InputError) as err:
        run.predict(np.zeros(shape, np.uint8))
    message = str(err.value)
    assert "expected examples of shape (1, 8, 8) after data.transforms ['scale']" in message
    assert f"found inputs of shape {shape}" in message and "\n" not in message


def test_inputs_the_transforms_refuse_say_so(cnn, digits):
    with pytest.raises(InputError, match=r"dtype float64 do not go through its data.transforms \['scale'\] "
                                         r"\(transform 'scale' expects uint8 pixels"):
        cnn.predict(digits.x[:3] / 255.0)
    with pytest.raises(InputError, match="expected an array of numbers"):
        cnn.predict([["a", "b"]])


def test_predict_proba_of_a_net_trained_with_cross_entropy_is_its_softmax(cnn, digits):
    proba = cnn.predict_proba(digits.x[:20])
    assert proba.shape == (20, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(proba.argmax(axis=1), cnn.predict(digits.x[:20]))
    np.testing.assert_allclose(cnn.predict_proba(digits.x[3]), proba[3:4])


def test_predict_proba_of_an_estimator_is_its_own_and_refused_where_there_is_none(knn, ridge, digits):
    flat = knn.inputs(digits.x[:10]).reshape(10, -1)
    np.testing.assert_array_equal(knn.predict_proba(digits.x[:10]), knn.model().predict_proba(flat))
    with pytest.raises(MllabError, match="ridge gives class scores, not probabilities"):
        ridge.predict_proba(digits.x[:10])


@pytest.mark.parametrize("which", ["cnn", "ridge", "knn"])
def test_score_is_the_accuracy_of_predict(request, digits, which):
    run = request.getfixturevalue(which)
    assert run.score(digits.x, digits.y) == pytest.approx(np.mean(run.predict(digits.x) == digits.y))
    assert run.score(digits.x[0], digits.y[0]) in (0.0, 1.0)
    with pytest.raises(InputError, match=r"labels of shape \(3,\) for 5 examples"):
        run.score(digits.x[:5], digits.y[:3])


def test_score_of_a_classical_run_is_its_recorded_test_accuracy(ridge, digits):
    assert ridge.score(digits.x, digits.y) == pytest.approx(ridge.summary["final"]["test_accuracy"])
