"""The autodiff core: accumulation semantics, graph walking, dtypes, numerically safe ops."""

import warnings

import numpy as np
import pytest
import torch

from mllab.scratch import functional as F
from mllab.scratch.tensor import Tensor, no_grad


def _diamond(x):
    """x is used on two paths that meet again: the gradient must add both."""
    a = x * 3.0
    return (a * x + a.exp()).sum()


def test_backward_twice_doubles_leaf_grads_like_torch_retain_graph():
    x0 = np.array([[0.1, -0.4], [0.7, 0.2]])
    x, xt = Tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, yt = _diamond(x), _diamond(xt)
    y.backward()
    yt.backward(retain_graph=True)
    once = x.grad.copy()
    np.testing.assert_allclose(once, xt.grad.numpy(), rtol=1e-12)
    y.backward()
    yt.backward()
    np.testing.assert_allclose(x.grad, 2 * once, rtol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)
    x.zero_grad()
    y.backward()
    np.testing.assert_allclose(x.grad, once, rtol=1e-12)


def test_intermediate_grads_are_not_kept_unless_retained():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    hidden = x * x
    kept = (x + 1.0).retain_grad()
    (hidden * kept).sum().backward()
    assert hidden.grad is None
    np.testing.assert_allclose(kept.grad, [1.0, 4.0])  # d(sum(h * k))/dk = h
    np.testing.assert_allclose(x.grad, 2 * x.data * (x.data + 1) + x.data**2)


def test_deep_graph_has_no_recursion_limit():
    x = Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001**20_000, rtol=1e-9)


def test_backward_on_non_scalar_needs_grad():
    y = Tensor(np.ones(3), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match="scalar"):
        y.backward()
    y.backward(np.arange(3.0))
    np.testing.assert_allclose(y._parents[0].grad, [0.0, 2.0, 4.0])


def test_dtype_follows_inputs():
    assert Tensor([1, 2]).dtype == np.float64  # Python numbers / ints: float64
    x = Tensor(np.ones((2, 1, 5, 5), np.float32), requires_grad=True)
    w = Tensor(np.ones((3, 1, 3, 3), np.float32), requires_grad=True)
    h = F.sigmoid(F.conv2d(x, w, padding=1) * 0.5 + 1.0, 0.7)
    loss = F.cross_entropy(F.max_pool2d(h, 2).reshape(2, -1), np.array([0, 1]))
    assert h.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_no_grad_records_nothing():
    x = Tensor(np.ones(2), requires_grad=True)
    with no_grad():
        y = (x * 2.0).sum()
    assert not y.requires_grad and y._parents == ()
    assert (x * 2.0).requires_grad


def test_ndarray_on_the_left_gives_a_tensor():
    x = Tensor(np.ones(2), requires_grad=True)
    y = np.array([1.0, 2.0]) * x
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 2.0])


def test_matmul_rejects_vectors_clearly():
    with pytest.raises(ValueError, match="Reshape vectors"):
        Tensor(np.ones(3)) @ Tensor(np.ones(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturating_ops_emit_no_floating_point_warnings(dtype):
    big = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):  # under: silent
        warnings.simplefilter("error")
        s = F.sigmoid(Tensor(big, requires_grad=True), 5.0)
        np.testing.assert_allclose(s.data, [0, 0, 0.5, 1, 1], atol=1e-30)
        s.sum().backward()
        F.elu(Tensor(big)).sum()
        F.softmax(Tensor(big.reshape(1, -1)))
        F.log_softmax(Tensor(big.reshape(1, -1)))
        F.binary_cross_entropy_with_logits(Tensor(big), np.ones(5, dtype))
        F.tanh(Tensor(big), 3.0)
        e = Tensor(big).exp()  # overflows to inf silently; the training loop's check reports it
    assert np.isinf(e.data[-1])


def test_cross_entropy_names_bad_labels():
    with pytest.raises(ValueError, match=r"labels in \[0, K\).*\[0, 5\]"):
        F.cross_entropy(Tensor(np.zeros((2, 4))), np.array([0, 5]))
