"""Whole networks: same initial weights, same batches, a few optimizer steps -> same parameters as torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch import nn

from mllab.scratch.models import SCRATCH_MODELS
from mllab.scratch.optim import SGD, Adam
from mllab.scratch.tensor import Tensor
from mllab.scratch.train import LOSSES


class Slope(nn.Module):
    """torch reference for report 004's activations with a parameter: act(slope * x)."""

    def __init__(self, fn, slope):
        super().__init__()
        self.fn, self.slope = fn, slope

    def forward(self, x):
        return self.fn(self.slope * x)


def torch_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 10))


def torch_lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def torch_cnn004_b():
    return nn.Sequential(nn.Conv2d(1, 16, 7), Slope(torch.sigmoid, 0.7), nn.Flatten(), nn.Linear(16 * 10 * 10, 128),
                         Slope(torch.sigmoid, 0.7), nn.Linear(128, 10), Slope(torch.sigmoid, 0.05))


def half_sse(out, y):
    return 0.5 * ((out - TF.one_hot(y, 10).double()) ** 2).sum() / len(y)


# (name, scratch factory call, torch module, input shape, loss name, torch loss)
NETWORKS = {
    "mlp": (lambda: SCRATCH_MODELS.get("mlp")((1, 8, 8), 10, hidden=(32, 16), activation="tanh", dtype="float64"),
            torch_mlp, (1, 8, 8), "cross_entropy", TF.cross_entropy),
    "lenet5": (lambda: SCRATCH_MODELS.get("lenet5")((1, 28, 28), 10, dtype="float64"), torch_lenet5, (1, 28, 28),
               "cross_entropy", TF.cross_entropy),
    "cnn004_b": (lambda: SCRATCH_MODELS.get("cnn004_b")((1, 16, 16), 10, activation="sigmoid",
                                                        activation_param=[0.7, 0.7, 0.05], dtype="float64"),
                 torch_cnn004_b, (1, 16, 16), "half_sse", half_sse),
}
OPTIMIZERS = {
    "sgd_momentum": (lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
                     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3)),
    "sgd_nesterov": (lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "adam": (lambda p: Adam(p, lr=3e-3, weight_decay=1e-4), lambda p: torch.optim.Adam(p, lr=3e-3, weight_decay=1e-4)),
}


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("net_name", sorted(NETWORKS))
def test_training_steps_match_torch(net_name, opt_name):
    make_scratch, make_torch, shape, loss_name, torch_loss = NETWORKS[net_name]
    scratch, reference = make_scratch(), make_torch().double()
    params, ref_params = scratch.parameters(), list(reference.parameters())
    assert [p.shape for p in params] == [tuple(p.shape) for p in ref_params]
    with torch.no_grad():  # torch starts from the scratch network's weights
        for p, r in zip(params, ref_params):
            r.copy_(torch.from_numpy(p.data))
    initial = [p.data.copy() for p in params]
    make_opt, make_ref_opt = OPTIMIZERS[opt_name]
    opt, ref_opt = make_opt(params), make_ref_opt(ref_params)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x, y = rng.random((6, *shape)), rng.integers(0, 10, 6)
        loss = LOSSES.get(loss_name)(scratch(Tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ref_loss = torch_loss(reference(torch.from_numpy(x)), torch.from_numpy(y))
        ref_opt.zero_grad()
        ref_loss.backward()
        ref_opt.step()
        np.testing.assert_allclose(loss.item(), ref_loss.item(), rtol=1e-6)
    for (name, p), r, p0 in zip(scratch.named_parameters(), ref_params, initial):
        assert np.abs(p.data - p0).max() > 1e-6, f"{net_name}: {name} did not move; the comparison would be empty"
        np.testing.assert_allclose(p.data, r.detach().numpy(), rtol=1e-6, atol=1e-9, err_msg=f"{net_name}: {name}")
