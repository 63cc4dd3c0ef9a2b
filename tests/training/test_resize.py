import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from mllab.core.errors import ConfigError
from mllab.models.registry import MODELS
from mllab.runs.config import resolve_config
from mllab.training.resize import epoch_size, resize_batch
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Tensors, Trainer


@pytest.mark.parametrize("epochs,min_size,ramp", [(19, 18, 0.6), (20, 16, 0.6), (5, 20, 1.0), (3, 10, 0.1)])
def test_epoch_sizes_start_small_grow_evenly_and_end_at_full_size(epochs, min_size, ramp):
    sizes = [epoch_size(e, epochs=epochs, full=28, min_size=min_size, ramp=ramp) for e in range(epochs)]
    assert sizes[0] == min_size
    assert sizes == sorted(sizes) and all(s % 2 == 0 or s == min_size for s in sizes)
    assert all(s == 28 for s in sizes[int(np.ceil(ramp * epochs)):])  # full size from the end of the ramp on
    assert sizes[-1] == 28


def test_resizing_matches_pillows_antialiased_bilinear_resize():
    """torch's antialiased bilinear interpolation is the triangle filter Pillow's BILINEAR resize applies."""
    x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    for size in (20, 14, 9):
        ours = resize_batch(x, size)
        ref = [np.asarray(Image.fromarray(img[0].numpy(), mode="F").resize((size, size), Image.BILINEAR))
               for img in x]
        assert ours.shape == (2, 1, size, size)
        np.testing.assert_allclose(ours[:, 0].numpy(), np.stack(ref), atol=1e-5)


def test_resizing_keeps_the_full_size_batch_and_the_aspect_ratio():
    x = torch.rand(3, 2, 28, 28)
    assert resize_batch(x, 28) is x
    assert resize_batch(torch.rand(1, 3, 32, 16), 16).shape == (1, 3, 16, 8)


def images(n=96, seed=0):
    """Two classes of 12x12 images: a bright square top-left or bottom-right."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = 0.1 * torch.rand(n, 1, 12, 12, generator=g)
    for i, label in enumerate(y.tolist()):
        x[i, 0, 6 * label:6 * label + 6, 6 * label:6 * label + 6] += 1.0
    return Tensors(x, y)


def image_trainer(epochs=4, **resize):
    torch.manual_seed(0)
    net = MODELS.get("vgg_bn")((1, 12, 12), 2, widths=(4, 8), convs=1)
    cfg = resolve_config({"optimizer": {"lr": 0.05, "momentum": 0.9},
                          "training": {"batch_size": 32, "epochs": epochs, "progressive_resize": resize}})
    return Trainer(net, cfg, ClassifyTask("cross_entropy", 2), quiet=True)


def test_the_net_trains_on_the_scheduled_sizes_and_evaluates_at_full_size():
    t = image_trainer(epochs=4, min_size=6, ramp=0.5)
    seen = []
    t.model.register_forward_pre_hook(lambda module, args: seen.append((module.training, args[0].shape[-1])))
    history = t.fit(images(), images(seed=1))
    assert [h["image_size"] for h in history] == [6, 8, 12, 12]
    train_sizes = [s for training, s in seen if training]
    assert train_sizes == [6] * 3 + [8] * 3 + [12] * 6  # 96 images in batches of 32, four epochs
    assert seen[0] == (False, 6)  # the trainer's check that the net reads small images
    assert {s for training, s in seen[1:] if not training} == {12}  # validation at full size
    assert history[-1]["val_accuracy"] == 1.0


def test_without_progressive_resize_no_image_size_is_recorded():
    history = image_trainer(epochs=1).fit(images())
    assert "image_size" not in history[0]


def test_a_minimum_size_at_or_above_the_images_is_a_config_error_naming_the_key_and_the_size():
    with pytest.raises(ConfigError, match=r"progressive_resize.min_size: expected an image side below the data's "
                                          r"\(12 pixels.*found 12"):
        image_trainer(min_size=12).fit(images())


def test_a_net_that_cannot_read_smaller_images_is_refused_before_training_naming_the_net_and_the_size():
    torch.manual_seed(0)
    net = MODELS.get("lenet5")((1, 28, 28), 10)
    cfg = resolve_config({"training": {"progressive_resize": {"min_size": 20}}})
    t = Trainer(net, cfg, ClassifyTask("cross_entropy", 10), quiet=True)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    data = Tensors(torch.rand(8, 1, 28, 28), torch.zeros(8, dtype=torch.long))
    with pytest.raises(ConfigError, match=r"min_size: LeNet5 cannot read 20-pixel images \(.*\); set "
                                          r"training.progressive_resize.min_size=0, or use a net with global"):
        t.fit(data)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_progressive_resize_on_inputs_that_are_not_images_is_a_config_error():
    cfg = resolve_config({"training": {"progressive_resize": {"min_size": 8}}})
    t = Trainer(nn.Linear(2, 3), cfg, ClassifyTask("cross_entropy", 3), quiet=True)
    with pytest.raises(ConfigError, match=r"not images \(N, C, H, W\), found 8 for inputs of shape \(10, 2\)"):
        t.fit(Tensors(torch.rand(10, 2), torch.zeros(10, dtype=torch.long)))
    with pytest.raises(ConfigError, match="reads token ids"):
        Trainer(nn.Linear(2, 3), cfg, ClassifyTask("cross_entropy", 3), quiet=True, tokens=True)
