"""One set of loss names across engines: a config's ``training.loss`` means the same loss in the torch and the
NumPy engine (same value, same gradient on the same outputs), and the NumPy engine refuses only names it lacks."""

import numpy as np
import pytest
import torch

from mllab.core.errors import ConfigError
from mllab.scratch.tensor import Tensor
from mllab.scratch.train import LOSSES as NUMPY_LOSSES
from mllab.training.losses import LOSSES as TORCH_LOSSES

K = 4
LABELS = np.array([0, 1, 3, 2, 1, 0])
OUT = np.random.default_rng(0).normal(size=(6, K))  # logits / scores (N, K)
REAL = np.random.default_rng(1).random((6, K))  # a real-valued target (reconstruction)


def test_every_numpy_loss_name_is_a_torch_loss_name():
    assert set(NUMPY_LOSSES.names()) <= set(TORCH_LOSSES.names())
    assert set(TORCH_LOSSES.names()) - set(NUMPY_LOSSES.names()) == {"nll"}  # log-probabilities: torch only


@pytest.mark.parametrize("name", NUMPY_LOSSES.names())
def test_a_loss_name_gives_the_same_value_and_gradient_in_both_engines(name):
    target = REAL if name == "mse" else LABELS
    out_t = torch.tensor(OUT, requires_grad=True)
    ref = TORCH_LOSSES.get(name)(out_t, torch.from_numpy(target), K)
    ref.backward()
    out_n = Tensor(OUT.copy(), requires_grad=True)
    got = NUMPY_LOSSES.get(name)(out_n, target)
    got.backward()
    assert got.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(out_n.grad, out_t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_the_numpy_engine_refuses_a_torch_only_loss_naming_the_ones_it_has():
    from mllab.experiments.backends.numpy_backend import _check_supported
    from mllab.experiments.recipes import config_for

    cfg = config_for("s002_mlp_scratch", ["training.loss=nll"])
    with pytest.raises(ConfigError, match=r"^training.loss: 'nll' is not available with model.backend=numpy; "
                                          r"choose one of bce, cross_entropy, half_sse, l1, mse, mse_onehot"):
        _check_supported(cfg)
