"""The scratch training loop: learning, orders, deltas metric, non-finite errors, exact resume."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from mllab.core.errors import NonFiniteLossError
from mllab.data import load
from mllab.scratch.layers import BatchNorm1d, Dropout, Flatten, Linear, ReLU, Sequential
from mllab.scratch.models import SCRATCH_MODELS
from mllab.scratch.optim import SGD, Adam
from mllab.scratch.tensor import Tensor
from mllab.scratch.train import LOSSES, evaluate, fit_epoch, save
from mllab.scratch.train import load as load_ckpt


@pytest.fixture(scope="module")
def digits():
    ds = load("digits")  # scikit-learn's 8x8 digits, embedded
    x = (ds.train.x.astype(np.float32) / np.float32(ds.train.x.max()))
    return x, ds.train.y.astype(np.int64)


def test_mlp_learns_digits(digits):
    x, y = digits
    net = SCRATCH_MODELS.get("mlp")(x.shape[1:], 10, hidden=(32,))
    opt, rng = SGD(net.parameters(), lr=0.1, momentum=0.9), np.random.default_rng(0)
    history, step = [], 0
    for _ in range(3):
        history.append(fit_epoch(net, opt, x, y, batch_size=32, rng=rng, step=step))
        step = history[-1]["step"]  # the global step carries over epochs
    assert history[-1]["loss"] < history[0]["loss"]
    assert step == 3 * -(-len(x) // 32)
    scores = evaluate(net, x, y)
    assert scores["accuracy"] > 0.9
    assert scores["loss"] == pytest.approx(LOSSES.get("cross_entropy")(net(Tensor(x)), y).item(), rel=1e-5)


def test_fixed_order_ignores_the_rng_and_per_sample_sgd_runs(digits):
    x, y = digits[0][:40], digits[1][:40]
    results = []
    for seed in (0, 1):
        net = SCRATCH_MODELS.get("cnn004_a")(x.shape[1:], 10, kernel=3, activation="tanh", activation_param=0.5)
        m = fit_epoch(net, SGD(net.parameters(), lr=0.01), x, y, batch_size=1, rng=np.random.default_rng(seed),
                      loss="half_sse", shuffle=False)
        results.append((m, net.state_dict()))
    assert results[0][0] == results[1][0] and results[0][0]["step"] == 40
    assert all(np.array_equal(results[0][1][k], results[1][1][k]) for k in results[0][1])


def test_conv_delta_is_the_per_sample_gradient_magnitude(digits):
    """With lr 0 nothing moves, so the metric must not depend on the batch size, and must equal torch's."""
    x, y = digits[0][:12], digits[1][:12]
    net = SCRATCH_MODELS.get("cnn004_a")(x.shape[1:], 10, kernel=3, dtype="float64")
    deltas = [fit_epoch(net, SGD(net.parameters(), lr=0.0), x, y, batch_size=b, rng=np.random.default_rng(0),
                        loss="half_sse")["conv_delta"] for b in (1, 4, 12)]
    np.testing.assert_allclose(deltas, deltas[0], rtol=1e-10)
    conv = net.layers[0]
    v = TF.conv2d(torch.tensor(x, dtype=torch.float64), torch.from_numpy(conv.weight.data),
                  torch.from_numpy(conv.bias.data)).requires_grad_()
    out = TF.leaky_relu(TF.linear(TF.leaky_relu(v, 0.01).flatten(1), *[torch.from_numpy(p.data)
                                                                       for p in net.layers[3].parameters()]), 0.01)
    (0.5 * ((out - TF.one_hot(torch.from_numpy(y), 10)) ** 2).sum()).backward()  # sum of per-sample losses
    assert deltas[0] == pytest.approx(v.grad.abs().sum().item() / len(x), rel=1e-8)
    mlp = SCRATCH_MODELS.get("mlp")(x.shape[1:], 10)
    assert "conv_delta" not in fit_epoch(mlp, SGD(mlp.parameters(), lr=0.1), x, y, rng=np.random.default_rng(0))


def test_divergence_raises_a_clear_error_naming_layer_and_step(digits):
    x, y = digits[0][:64], digits[1][:64]
    net = SCRATCH_MODELS.get("cnn004_a")(x.shape[1:], 10, kernel=3)  # leaky ReLU: unbounded, like report 004's
    with pytest.raises(NonFiniteLossError, match=r"non-finite values .* in (output of layer \d \(\w+\)|loss|gradient of "
                                             r"[\w.]+) at step \d+.*lower the learning rate"):
        with np.errstate(all="ignore"):
            for _ in range(5):
                fit_epoch(net, SGD(net.parameters(), lr=1.0), x, y, batch_size=8, rng=np.random.default_rng(0),
                          loss="half_sse")


def _dropout_bn_net():
    rng = np.random.default_rng(3)
    return Sequential(Flatten(), Linear(64, 32, rng=rng), BatchNorm1d(32), ReLU(), Dropout(0.3),
                      Linear(32, 10, rng=rng))


@pytest.mark.parametrize("make_opt", [lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True),
                                      lambda p: Adam(p, lr=1e-3)])
def test_resume_from_checkpoint_is_exact(digits, tmp_path, make_opt):
    """Dropout masks, shuffling, BatchNorm statistics and optimizer state all continue exactly."""
    x, y = digits[0][:300].astype(np.float64), digits[1][:300]
    net = _dropout_bn_net()
    opt, rng = make_opt(net.parameters()), np.random.default_rng(0)
    fit_epoch(net, opt, x, y, batch_size=50, rng=rng)
    save(tmp_path / "ckpt.npz", net, opt, epoch=1, rng=rng)
    straight = fit_epoch(net, opt, x, y, batch_size=50, rng=rng)

    fresh = _dropout_bn_net()
    fresh_opt = make_opt(fresh.parameters())
    epoch, fresh_rng = load_ckpt(tmp_path / "ckpt.npz", fresh, fresh_opt)
    resumed = fit_epoch(fresh, fresh_opt, x, y, batch_size=50, rng=fresh_rng)
    assert epoch == 1 and resumed == straight
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[k], v, err_msg=k)


def test_autoencoder_trains_on_reconstruction(digits):
    x = digits[0][:200].reshape(-1, 1, 8, 8)
    net = SCRATCH_MODELS.get("autoencoder")((1, 8, 8), None, hidden=(32, 8, 32))
    opt, rng = Adam(net.parameters(), lr=3e-3), np.random.default_rng(0)
    first = fit_epoch(net, opt, x, None, batch_size=20, rng=rng, loss="mse")
    for _ in range(4):
        last = fit_epoch(net, opt, x, None, batch_size=20, rng=rng, loss="mse")
    assert last["loss"] < first["loss"] and sorted(last) == ["loss", "step"]
    assert evaluate(net, x, loss="mse")["loss"] < first["loss"]
