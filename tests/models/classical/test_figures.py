"""Each figure helper writes a non-empty PNG; the figure data (outcomes, maps) are right."""

import numpy as np
import pytest

from mllab.models.classical.figures import (lda_outcomes, plot_lda_outcomes, plot_support_vectors_pca,
                                            plot_weight_maps, weight_maps)
from mllab.models.classical.lda import FisherLDA
from mllab.models.classical.linear import LassoClassifier, RidgeClassifier
from mllab.models.classical.logistic import LogisticRegression
from mllab.models.classical.svm import KernelSVM

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000


@pytest.mark.parametrize("model", [RidgeClassifier(), LassoClassifier(alpha=1e-2),
                                   LogisticRegression(epochs=1, device="cpu", random_state=0)])
def test_weight_maps_png(model, digits, tmp_path):
    X, y = digits
    assert_png(plot_weight_maps(model.fit(X, y), tmp_path / "maps.png", image_shape=(1, 8, 8)))


def test_weight_maps_reshape_and_average_channels():
    coef = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 12)
    maps = weight_maps(coef, (3, 2, 2))
    np.testing.assert_allclose(maps, coef.reshape(2, 3, 2, 2).mean(axis=1))
    with pytest.raises(ValueError, match="does not reshape to"):
        weight_maps(coef, (28, 28))


@pytest.mark.parametrize("strategy", ["ovr", "ovo"])
def test_support_vectors_png(digits, tmp_path, strategy):
    X, y = digits
    svm = KernelSVM(kernel="linear", strategy=strategy, train_subset=300, random_state=0).fit(X, y)
    assert_png(plot_support_vectors_pca(svm, X, y, tmp_path / "sv.png", class_index=9))


def test_lda_outcomes_png_and_counts(digits, tmp_path):
    X, y = digits
    positive = y >= 5
    lda = FisherLDA(shrinkage="auto").fit(X, positive)
    z, outcome, threshold = lda_outcomes(lda, X, positive)
    predicted = lda.predict(X)
    assert np.sum(outcome == "TP") == np.sum(predicted & positive)
    assert np.sum(outcome == "FN") == np.sum(~predicted & positive)
    np.testing.assert_array_equal(z > threshold, predicted)  # the line drawn is the decision boundary
    assert_png(plot_lda_outcomes(lda, X, positive, tmp_path / "lda.png"))


def test_lda_outcomes_need_two_classes(digits, tmp_path):
    X, y = digits
    with pytest.raises(ValueError, match="need two"):
        plot_lda_outcomes(FisherLDA(shrinkage="auto").fit(X, y), X, y, tmp_path / "lda.png")


def test_importing_the_module_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import sys, mllab.models.classical.figures; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
