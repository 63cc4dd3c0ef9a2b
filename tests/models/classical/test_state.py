"""Every registered classical model saved without pickle (``.npz`` + ``.json``) and loaded back answers exactly as
the fitted one: predictions, decision values, probabilities, projections (issue 27)."""

import json

import numpy as np
import pytest

from mllab.models.registry import MODELS
from mllab.runs.checkpoints import CheckpointError, load_estimator, save_estimator

NAMES = MODELS.names(kind="classical")
ANSWERS = ("predict", "decision_function", "predict_proba", "transform")


FAST = {"logistic": {"epochs": 1}}  # on top of each entry's example_params


def fitted(name, digits, **params):
    X, y = digits
    entry = MODELS.entry(name)
    return entry.factory(**{**entry.meta.get("example_params", {}), **FAST.get(name, {}), **params}).fit(X[:300],
                                                                                                      y[:300])


def saved_and_loaded(estimator, tmp_path, name):
    return load_estimator(save_estimator(tmp_path / "last.npz", estimator, name))


@pytest.mark.parametrize("name, params", [(n, {}) for n in NAMES] + [
    ("svm", {"strategy": "ovo"}), ("gmm", {"mode": "clusters"}), ("lda", {"n_components": 2}),
    ("logistic", {"form": "ovr"})])
def test_a_loaded_estimator_answers_exactly_as_the_fitted_one(name, params, digits, tmp_path):
    X = digits[0][300:400]
    estimator = fitted(name, digits, **params)
    loaded = saved_and_loaded(estimator, tmp_path, name)
    assert type(loaded) is type(estimator) and loaded.get_params() == estimator.get_params()
    answered = [a for a in ANSWERS if hasattr(estimator, a)]
    assert answered
    for answer in answered:
        np.testing.assert_array_equal(getattr(loaded, answer)(X), getattr(estimator, answer)(X), err_msg=answer)
    assert {p.name for p in tmp_path.iterdir()} == {"last.npz", "last.json"}


@pytest.mark.parametrize("classes", [[3, 5], [1, 2, 7]])
@pytest.mark.parametrize("strategy", ["ovr", "ovo"])
def test_svm_scores_from_stacked_arrays_are_libsvms(digits, classes, strategy):
    """The SVM scores every strategy from arrays alone (so a loaded one needs no libsvm object): equal to libsvm."""
    X, y = digits
    keep = np.isin(y, classes)
    svm = MODELS.get("svm")(strategy=strategy).fit(X[keep], y[keep])
    np.testing.assert_array_equal(svm.predict(X), svm.model_.predict(X))
    np.testing.assert_allclose(svm.decision_function(X), svm.model_.decision_function(X), rtol=1e-9, atol=1e-9)


@pytest.fixture
def ridge_files(digits, tmp_path):
    save_estimator(tmp_path / "last.npz", fitted("ridge", digits), "ridge")
    return tmp_path / "last.npz", tmp_path / "last.json"


def _edit_json(path, **changes):
    meta = json.loads(path.read_text())
    path.write_text(json.dumps({**meta, **changes}))


@pytest.mark.parametrize("tamper, names, says", [
    (lambda npz, js: _edit_json(js, model="lenet5"), "json", "'lenet5' is not a classical model"),
    (lambda npz, js: _edit_json(js, model="nope"), "json", "nope"),
    (lambda npz, js: _edit_json(js, format="pickle"), "json", "format 'pickle'"),
    (lambda npz, js: _edit_json(js, params={"alpha": 1.0, "evil": 1}), "json", "evil"),
    (lambda npz, js: _edit_json(js, arrays=["coef_", "classes_"]), "npz", "intercept_"),
    (lambda npz, js: _edit_json(js, arrays=["coef_", "classes_", "intercept_", "secret_"]), "npz", "secret_"),
    (lambda npz, js: js.write_text("[1, 2]"), "json", "expected a JSON object"),
    (lambda npz, js: js.write_text("[" * 100_000), "json", "not readable JSON"),
    (lambda npz, js: npz.write_bytes(npz.read_bytes()[:200]), "npz", "BadZipFile"),
    (lambda npz, js: np.savez(npz, coef_=np.zeros((10, 3)), classes_=np.arange(10), intercept_=np.zeros(10)),
     "npz", "do not make the fitted estimator"),
    (lambda npz, js: np.savez_compressed(npz, coef_=np.zeros((10, 64)), classes_=np.arange(10),
                                         intercept_=np.zeros(10)), "npz", "compressed members"),
    (lambda npz, js: np.save(npz.with_suffix(".npy"), np.array([{}]), allow_pickle=True) or
     npz.write_bytes(npz.with_suffix(".npy").read_bytes()), "npz", "BadZipFile"),
])
def test_a_damaged_estimator_checkpoint_is_one_line_naming_the_file(ridge_files, tamper, names, says):
    npz, js = ridge_files
    tamper(npz, js)
    with pytest.raises(CheckpointError) as err:
        load_estimator(npz)
    message = str(err.value)
    assert message.startswith(f"{npz if names == 'npz' else js}: ") and says in message and "\n" not in message


def test_an_array_of_objects_is_never_unpickled(ridge_files):
    npz, js = ridge_files
    fitted_arrays = dict(np.load(npz))  # classes_ replaced by an object array: a pickle inside its .npy
    np.savez(npz, **{**fitted_arrays, "classes_": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(CheckpointError, match="Object arrays cannot be loaded when allow_pickle=False"):
        load_estimator(npz)


def test_hyper_parameters_that_would_start_many_workers_are_refused(digits, tmp_path):
    save_estimator(tmp_path / "last.npz", fitted("knn", digits), "knn")
    _edit_json(tmp_path / "last.json", params={"n_neighbors": 3, "weights": "uniform", "p": 2, "n_jobs": 10**9})
    with pytest.raises(CheckpointError, match="n_jobs=1000000000"):
        load_estimator(tmp_path / "last.npz")
