"""Channels-last training: chosen for conv nets, same numbers as the default layout, checkpoints interchangeable."""

import pytest
import torch

from mllab.models.registry import MODELS
from mllab.runs.config import resolve_config
from mllab.training.memory_format import as_channels_last, wants_channels_last
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Tensors, Trainer


def build(name, spec=(1, 28, 28)):
    torch.manual_seed(0)
    return MODELS.entry(name).factory(spec, 10)


@pytest.mark.parametrize("name, expected", [
    ("lenet5", True), ("nin", True), ("mobilenetv3_small", True), ("vgg_bn", True),
    ("dc_vae", False),  # ConvTranspose2d: slower channels-last (bench/memory_format.py)
    ("mlp", False), ("rnn", False),
])
def test_default_choice_follows_the_layers(name, expected):
    assert wants_channels_last(build(name), None) is expected


def test_an_explicit_setting_wins():
    assert wants_channels_last(build("mlp"), True) and not wants_channels_last(build("lenet5"), False)


def test_as_channels_last_changes_layout_not_values():
    x = torch.rand(4, 3, 5, 6)
    y = as_channels_last(x)
    assert y.is_contiguous(memory_format=torch.channels_last) and not y.is_contiguous()
    torch.testing.assert_close(y, x)
    flat = torch.rand(4, 7)
    assert as_channels_last(flat) is flat


def images(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    return Tensors(torch.rand(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g))


def fit(channels_last: bool):
    cfg = resolve_config({"optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
                          "training": {"epochs": 2, "batch_size": 64, "channels_last": channels_last}})
    model = build("lenet5", (3, 32, 32))
    trainer = Trainer(model, cfg, ClassifyTask("cross_entropy", 10), None, quiet=True)
    history = trainer.fit(images())
    return trainer, model, history


def test_channels_last_trains_to_the_same_weights():
    t_cl, m_cl, h_cl = fit(True)
    _, m_ref, h_ref = fit(False)
    conv_cl, conv_ref = (next(p for p in m.parameters() if p.dim() == 4) for m in (m_cl, m_ref))
    assert conv_cl.is_contiguous(memory_format=torch.channels_last) and not conv_cl.is_contiguous()
    assert conv_ref.is_contiguous()
    assert h_cl[-1]["train_loss"] == pytest.approx(h_ref[-1]["train_loss"], rel=1e-4)
    for (name, a), b in zip(m_cl.state_dict().items(), m_ref.state_dict().values()):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4, msg=name)
    fresh = build("lenet5", (3, 32, 32))  # a channels-last state dict loads into a default-layout model
    fresh.load_state_dict(m_cl.state_dict())
    test = images(seed=1)
    torch.testing.assert_close(t_cl.predict(test.x), fresh.eval()(test.x).argmax(1))
