"""Layer modules (state, modes, BatchNorm statistics, Dropout, Toeplitz conv), initializers, optimizer state."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch import nn

from mllab.scratch import functional as F
from mllab.scratch.gradcheck import gradcheck_module
from mllab.scratch.init import SCRATCH_INITS, fans
from mllab.scratch.layers import (BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Linear, MaxPool2d,
                                  ReLU, Sequential, Tanh)
from mllab.scratch.optim import SGD, Adam
from mllab.scratch.tensor import Tensor


def _net(seed=0):
    rng = np.random.default_rng(seed)
    return Sequential(Conv2d(1, 2, 3, rng=rng), BatchNorm2d(2), ReLU(), MaxPool2d(2), Dropout(0.5, rng=rng))


def test_state_dict_round_trip_and_names():
    a, b = _net(0), _net(1)
    assert list(a.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"]
    assert [n for n, _ in a.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    b.load_state_dict(a.state_dict())
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k], v)


def test_load_state_dict_names_the_problem():
    net, state = _net(), _net().state_dict()
    with pytest.raises(KeyError, match="missing.*0.bias"):
        net.load_state_dict({k: v for k, v in state.items() if k != "0.bias"})
    with pytest.raises(ValueError, match=r"0.weight.*\(2, 1, 3, 3\)"):
        net.load_state_dict({**state, "0.weight": np.zeros((1, 1, 3, 3))})


def test_train_eval_reach_every_layer_and_astype_casts_all():
    net = _net().eval()
    assert all(not m.training for _, m in net.named_modules())
    net.train().astype(np.float32)
    assert all(m.training for _, m in net.named_modules())
    assert {v.dtype for v in net.state_dict().values()} == {np.dtype(np.float32)}


@pytest.mark.parametrize("layer,ref", [(BatchNorm1d(3, momentum=0.2), nn.BatchNorm1d(3, momentum=0.2)),
                                       (BatchNorm2d(3), nn.BatchNorm2d(3))])
def test_batchnorm_running_stats_and_eval_match_torch(layer, ref):
    rng = np.random.default_rng(0)
    shape = (8, 3) if isinstance(layer, BatchNorm1d) else (4, 3, 5, 5)
    ref = ref.double()
    for _ in range(3):
        x = rng.normal(2.0, 3.0, shape)
        np.testing.assert_allclose(layer(Tensor(x)).data, ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(layer.running_mean, ref.running_mean.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.running_var, ref.running_var.numpy(), rtol=1e-10)
    layer.eval(), ref.eval()
    x = rng.normal(size=shape)
    np.testing.assert_allclose(layer(Tensor(x)).data, ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)


def test_dropout_masks_scales_and_passes_gradient_through_the_mask():
    layer = Dropout(0.3, rng=np.random.default_rng(0))
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    y = layer(x)
    kept = y.data != 0
    assert abs(1 - kept.mean() - 0.3) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.data)  # d(x * mask)/dx = mask
    assert layer.eval()(x) is x


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_toeplitz_conv_equals_im2col_conv(stride, padding):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 9, 8))
    im2col = Conv2d(3, 4, 3, stride, padding, rng=np.random.default_rng(1))
    toeplitz = Conv2d(3, 4, 3, stride, padding, method="toeplitz")
    toeplitz.load_state_dict(im2col.state_dict())
    grads = []
    for layer in (im2col, toeplitz):
        xt = Tensor(x, requires_grad=True)
        out = layer(xt)
        (out * out).sum().backward()
        grads.append((out.data, xt.grad, layer.weight.grad, layer.bias.grad))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # one sample as one matrix product: conv(x) == T @ pad(x).ravel()
    t = F.toeplitz_matrix(im2col.weight.data, x.shape[1:], stride, padding)
    flat = np.pad(x[0], ((0, 0), (padding, padding), (padding, padding))).ravel()
    np.testing.assert_allclose(t @ flat, (grads[0][0][0] - im2col.bias.data[:, None, None]).ravel(), rtol=1e-10)


@pytest.mark.parametrize("make,shape", [
    (lambda: Linear(5, 3), (2, 5)),
    (lambda: Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 5, 5)),
    (lambda: Conv2d(2, 2, 3, padding=1, method="toeplitz"), (1, 2, 4, 4)),
    (lambda: ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (1, 2, 3, 3)),
    (lambda: BatchNorm2d(2), (3, 2, 3, 3)),
    (lambda: Sequential(Linear(4, 6), Tanh(0.5), BatchNorm1d(6), Linear(6, 2)), (5, 4)),
])
def test_layers_pass_gradcheck(make, shape):
    report = gradcheck_module(make(), np.random.default_rng(0).normal(size=shape))
    assert report.ok, str(report)


def test_initializers_have_their_statistics():
    rng, shape = np.random.default_rng(0), (400, 100, 3, 3)
    fan_in, fan_out = fans(shape)
    assert (fan_in, fan_out) == (900, 3600)
    draw = lambda name: SCRATCH_INITS.get(name)(shape, fan_in, fan_out, rng)  # noqa: E731
    assert draw("normal_fanin").std() == pytest.approx(fan_in**-0.5, rel=0.01)
    assert draw("kaiming").std() == pytest.approx((2 / fan_in) ** 0.5, rel=0.01)
    assert draw("xavier_normal").std() == pytest.approx((2 / (fan_in + fan_out)) ** 0.5, rel=0.01)
    assert np.abs(draw("xavier")).max() == pytest.approx((6 / (fan_in + fan_out)) ** 0.5, rel=0.01)
    assert np.abs(draw("torch_default")).max() == pytest.approx(fan_in**-0.5, rel=0.01)
    assert not draw("zeros").any() and (draw("constant") == 0.01).all()
    # torch's fan rule, including ConvTranspose's (Cin, Cout, k, k) layout
    w = torch.empty(3, 5, 2, 2)
    assert fans(tuple(w.shape)) == nn.init._calculate_fan_in_and_fan_out(w)


@pytest.mark.parametrize("make,make_ref", [
    (lambda p: SGD(p, lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.01),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    (lambda p: Adam(p, lr=0.01, betas=(0.8, 0.99)), lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99))),
])
def test_optimizer_state_round_trips_mid_run(make, make_ref):
    """Save state after 3 steps, restore into a fresh optimizer: the next steps equal torch's uninterrupted ones."""
    rng = np.random.default_rng(0)
    w0, grads = rng.normal(size=(4, 3)), [rng.normal(size=(4, 3)) for _ in range(6)]
    p, ref = Tensor(w0.copy(), requires_grad=True), torch.tensor(w0, requires_grad=True)
    opt, ref_opt = make([p]), make_ref([ref])
    for i, g in enumerate(grads):
        if i == 3:
            state, opt = opt.state_dict(), make([p])
            opt.load_state_dict(state)
        p.grad, ref.grad = g, torch.from_numpy(g)
        opt.step(), ref_opt.step()
    np.testing.assert_allclose(p.data, ref.detach().numpy(), rtol=1e-12)


def test_sgd_rejects_nesterov_without_momentum():
    with pytest.raises(ValueError, match="nesterov"):
        SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1, nesterov=True)


def test_float32_conv_close_to_torch():
    rng = np.random.default_rng(0)
    x, w = rng.random((2, 3, 8, 8), dtype=np.float32), rng.random((4, 3, 3, 3), dtype=np.float32)
    out = F.conv2d(Tensor(x), Tensor(w), padding=1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1), rtol=1e-5)
