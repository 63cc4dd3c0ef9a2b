"""mllab.metrics: PSNR against its definition and scikit-image's convention, accuracy, errors."""

import numpy as np
import pytest

from mllab.core.metrics import accuracy, psnr


def test_psnr_is_ten_log10_peak_squared_over_mse(rng):
    a, b = rng.uniform(size=(4, 8, 8)), rng.uniform(size=(4, 8, 8))
    assert psnr(a, b) == pytest.approx(10 * np.log10(1.0 / np.mean((a - b) ** 2)), rel=1e-12)
    assert psnr(255 * a, 255 * b, data_range=255) == pytest.approx(psnr(a, b), rel=1e-12)


def test_psnr_of_identical_arrays_is_infinite():
    assert psnr(np.ones(3), np.ones(3)) == float("inf")


@pytest.mark.parametrize("args, match", [
    ((np.zeros(3), np.zeros(4)), "same shape"),
    ((np.zeros(3), np.zeros(3), 0.0), "data_range must be positive"),
    ((np.zeros(0), np.zeros(0)), "empty"),
])
def test_psnr_errors(args, match):
    with pytest.raises(ValueError, match=match):
        psnr(*args)


def test_accuracy():
    assert accuracy([1, 2, 3, 4], [1, 2, 0, 0]) == 0.5
    with pytest.raises(ValueError, match="same length"):
        accuracy([1, 2], [1])
