"""Deconvolution to input space (report 004), grids. (Weight images: tests/explain/test_weights.py.)"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from mllab.core.plotting import tile
from mllab.scratch import diagnostics as D
from mllab.scratch.functional import toeplitz_matrix
from mllab.scratch.layers import Conv2d


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1)])
def test_deconvolution_transpose_is_a_transposed_convolution(stride, padding):
    rng = np.random.default_rng(0)
    conv = Conv2d(2, 3, 3, stride, padding, rng=rng)
    x = rng.normal(size=(2, 9, 9))
    recon = D.deconvolve(conv, x)
    assert recon.shape == (3, 9, 9)
    w = torch.from_numpy(conv.weight.data)
    response = TF.conv2d(torch.from_numpy(x)[None], w, stride=stride, padding=padding)[0]  # (F, OH, OW), no bias
    for f in range(3):  # filter f alone, mapped back by the adjoint of its convolution
        back = TF.conv_transpose2d(response[f][None, None], w[f:f + 1], stride=stride, padding=padding,
                                   output_padding=(9 + 2 * padding - 3) % stride)
        np.testing.assert_allclose(recon[f], back[0].sum(0).numpy(), rtol=1e-10, atol=1e-12)


def test_deconvolution_pinv_reproduces_the_response():
    rng = np.random.default_rng(0)
    conv = Conv2d(1, 2, 3, rng=rng)
    x = rng.normal(size=(1, 6, 6))
    recon = D.deconvolve(conv, x, method="pinv")
    t = toeplitz_matrix(conv.weight.data, (1, 6, 6)).reshape(2, 16, 36)
    for f in range(2):  # T_f pinv(T_f) a_f = a_f: the reconstruction explains the response exactly
        np.testing.assert_allclose(t[f] @ recon[f].ravel(), t[f] @ x.ravel(), rtol=1e-8, atol=1e-10)


def test_image_grid_and_png(tmp_path):
    images = np.random.default_rng(0).random((10, 5, 4))
    grid = tile(images, cols=4, pad=1)
    assert grid.shape == (3 * 6 - 1, 4 * 5 - 1)
    np.testing.assert_array_equal(grid[6:11, 5:9], images[5])
    path = D.save_grid(tmp_path / "filters.png", images, ncols=4, title="filters")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
