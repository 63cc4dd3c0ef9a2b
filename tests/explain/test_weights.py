"""First-layer weights as images: one drawing function (core.plotting.weight_grid) and one first-layer finder
for both engines, used by both engines' runs before and after training."""

import numpy as np
import pytest
from PIL import Image

from mllab.core import plotting
from mllab.experiments.trial import run_one
from mllab.explain.weights import first_layer_weight
from mllab.runs.config import resolve_config
from mllab.runs.rundir import RunDir


def test_weight_images_scale_each_image_and_keep_colour():
    w = np.random.default_rng(0).normal(size=(16, 1, 7, 7))
    images = plotting.weight_images(w)
    assert images.shape == (16, 7, 7)
    assert np.allclose(images.min((1, 2)), 0) and np.allclose(images.max((1, 2)), 1)
    assert images[3] == pytest.approx((w[3, 0] - w[3, 0].min()) / np.ptp(w[3, 0]))
    assert plotting.weight_images(np.ones((4, 3, 5, 5))).shape == (4, 5, 5, 3)  # RGB filters, constant -> 0
    dense = np.random.default_rng(1).normal(size=(5, 3 * 4 * 4))
    rgb = plotting.weight_images(dense, (3, 4, 4))
    assert rgb.shape == (5, 4, 4, 3) and rgb[0, 1, 2] == pytest.approx(
        (dense[0].reshape(3, 4, 4)[:, 1, 2] - dense[0].min()) / np.ptp(dense[0]))
    assert plotting.weight_images(np.zeros((2, 36))).shape == (2, 6, 6)  # a square without a shape
    with pytest.raises(ValueError, match="784 inputs"):
        plotting.weight_images(np.zeros((32, 784)), (32, 32))


def test_first_layer_is_found_in_torch_and_scratch_networks():
    from mllab.models.registry import create_model
    from mllab.scratch.models import SCRATCH_MODELS

    net = create_model("lenet5", (1, 28, 28), 10)
    assert np.array_equal(first_layer_weight(net, (1, 28, 28)), net.features[0].weight.detach().numpy())
    mlp = create_model("mlp", (1, 8, 8), 10, widths=[16])
    assert first_layer_weight(mlp, (1, 8, 8)).shape == (16, 64)
    scratch = SCRATCH_MODELS.entry("mlp").factory((1, 8, 8), 10, hidden=[16])
    first = next(m for _, m in scratch.named_modules() if hasattr(m, "weight"))
    assert first_layer_weight(scratch, (1, 8, 8)) is first.weight.data
    text = create_model("text_lstm", (7,), 2, vocab_size=30, hidden=6, embed_dim=4)
    assert first_layer_weight(text, (7,)) is None  # token ids: no image-reading layer


@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_both_engines_draw_the_first_layer_before_and_after_training(tmp_path, backend):
    params = {"widths": [16]} if backend == "torch" else {"hidden": [16]}
    cfg = resolve_config({"experiment": "w", "model": {"name": "mlp", "backend": backend, "params": params},
                          "optimizer": {"name": "sgd", "lr": 0.5}, "data": {"train_subset": 300, "test_subset": 50},
                          "training": {"epochs": 1, "batch_size": 32, "threads": 1}})
    run_one(cfg, RunDir(tmp_path / "r"), tmp_path)
    figures = tmp_path / "r" / "figures"
    before, after = (np.asarray(Image.open(figures / f"first_layer_{t}.png").convert("L"), float)
                     for t in ("init", "trained"))
    assert before.shape == after.shape and np.abs(before - after).mean() > 1  # training changed the weights
