import pytest
import torch
from torch import nn

from mllab.training.config import OptimizerConfig, PenaltyConfig
from mllab.training.optim import build_optimizer, penalized, penalty_term


def net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def test_lr_multiplier_by_name_prefix():
    opt = build_optimizer(net(), OptimizerConfig(name="sgd", lr=0.1, lr_mult={"2.": 0.1}))
    lrs = sorted(g["lr"] for g in opt.param_groups)
    assert lrs == pytest.approx([0.01, 0.1])
    assert sum(len(g["params"]) for g in opt.param_groups) == 4


def test_unknown_lr_mult_prefix_is_an_error():
    with pytest.raises(ValueError, match="classifier"):
        build_optimizer(net(), OptimizerConfig(lr_mult={"classifier": 0.1}))


def test_l2_penalty_equals_sgd_weight_decay():
    """Adding l2 * sum w^2 to the loss is SGD weight decay 2 * l2 (closed form)."""
    x, y = torch.randn(8, 4, generator=torch.Generator().manual_seed(1)), torch.tensor([0, 1] * 4)
    results = []
    for use_penalty in (True, False):
        model = net()
        pcfg = PenaltyConfig(l2=1e-2, params="*")
        ocfg = OptimizerConfig(lr=0.1, momentum=0.9, weight_decay=0 if use_penalty else 2e-2)
        opt = build_optimizer(model, ocfg)
        for _ in range(5):
            loss = nn.functional.cross_entropy(model(x), y)
            if use_penalty:
                loss = loss + penalty_term(penalized(model, pcfg), pcfg)
            opt.zero_grad()
            loss.backward()
            opt.step()
        results.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    torch.testing.assert_close(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_l1_penalty_gradient_is_sign():
    model = net()
    cfg = PenaltyConfig(l1=0.5, params="*weight")
    params = penalized(model, cfg)
    assert len(params) == 2  # the two weight matrices, not the biases
    penalty_term(params, cfg).backward()
    for p in params:
        torch.testing.assert_close(p.grad, 0.5 * p.detach().sign())


def test_penalty_glob_matching_nothing_is_an_error():
    with pytest.raises(ValueError, match="matches no parameter"):
        penalized(net(), PenaltyConfig(l2=1.0, params="conv*"))
