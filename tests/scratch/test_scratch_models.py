"""Every registered scratch model (a new one is tested the moment it is registered), and the specific shapes."""

import numpy as np
import pytest

from mllab.scratch.layers import Conv2d, Linear, Sigmoid
from mllab.scratch.models import SCRATCH_MODELS
from mllab.scratch.tensor import Tensor
from mllab.scratch.train import LOSSES


@pytest.mark.parametrize("name", SCRATCH_MODELS.names())
def test_registered_model_builds_runs_and_backpropagates(name):
    meta = SCRATCH_MODELS.entry(name).meta
    assert meta["kind"] == "scratch" and meta["task"] in ("classify", "reconstruct")
    shape, k = meta["example_input"], meta["example_classes"]
    net = SCRATCH_MODELS.get(name)(shape, k)
    assert sum(p.size for p in net.parameters()) == meta["params"]
    x = np.random.default_rng(0).random((3, *shape), dtype=np.float32)
    out = net(Tensor(x))
    assert out.dtype == np.float32  # factories build float32 networks
    if meta["task"] == "classify":
        assert out.shape == (3, k)
        loss = LOSSES.get("mse_onehot")(out, np.array([0, 1, 1]))
    else:
        assert out.shape == x.shape and 0 <= out.data.min() and out.data.max() <= 1
        loss = LOSSES.get("mse")(out, x)
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())
    again = SCRATCH_MODELS.get(name)(shape, k)  # same seed -> same weights
    assert all(np.array_equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))


def test_lenet5_parameter_count_and_sizes():
    for size in (28, 32):
        net = SCRATCH_MODELS.get("lenet5")((1, size, size), 10)
        assert sum(p.size for p in net.parameters()) == 61_706  # = the torch lenet5 (report 003)
        assert net(Tensor(np.zeros((2, 1, size, size), np.float32))).shape == (2, 10)
    assert sum(p.size for p in SCRATCH_MODELS.get("lenet5")((3, 32, 32), 10).parameters()) == 62_006
    with pytest.raises(ValueError, match="28x28 or 32x32"):
        SCRATCH_MODELS.get("lenet5")((1, 30, 30), 10)


def test_report_004_architectures():
    a = SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10)
    conv, dense = a.layers[0], a.layers[3]
    assert isinstance(conv, Conv2d) and conv.weight.shape == (16, 1, 7, 7) and (conv.stride, conv.padding) == (1, 0)
    assert isinstance(dense, Linear) and dense.weight.shape == (10, 16 * 22 * 22)
    assert conv.weight.data.std() == pytest.approx(49**-0.5, rel=0.15)  # N(0, 1/m), m = 49 inputs
    assert not conv.bias.data.any()
    b = SCRATCH_MODELS.get("cnn004_b")((1, 28, 28), 10, activation="sigmoid", activation_param=[0.7, 0.7, 0.05])
    assert [l.weight.shape for l in b.layers if isinstance(l, Linear)] == [(128, 7744), (10, 128)]
    assert [l.slope for l in b.layers if isinstance(l, Sigmoid)] == [0.7, 0.7, 0.05]
    logits = SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10, output_activation=False)
    assert isinstance(logits.layers[-1], Linear)
    with pytest.raises(ValueError, match="3 values"):
        SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10, activation_param=[1, 2, 3])
    p2 = SCRATCH_MODELS.get("cnn004_p2")((1, 28, 28), 2)
    assert p2.layers[0].weight.shape == (2, 1, 28, 28)


def test_toeplitz_method_builds_the_same_network():
    x = Tensor(np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32))
    a = SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10)
    t = SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10, method="toeplitz")
    np.testing.assert_allclose(a(x).data, t(x).data, rtol=1e-4, atol=1e-5)


def test_unknown_activation_lists_choices():
    with pytest.raises(ValueError, match="leaky_relu"):
        SCRATCH_MODELS.get("mlp")((4,), 2, activation="swish")
