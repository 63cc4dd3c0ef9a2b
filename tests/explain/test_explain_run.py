"""The run-level choices of mllab explain: which images, which default layer, predictions of non-classifiers."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from mllab.explain.run import default_layers, one_per_class, predictions, row_labels
from mllab.models.registry import create_model


def test_one_per_class_takes_classes_in_turn_seeded_and_the_same_for_the_same_labels():
    y = np.repeat(np.arange(4), 25)[np.random.default_rng(0).permutation(100)]
    a, b = one_per_class(y, 6, seed=0), one_per_class(y.copy(), 6, seed=0)
    assert np.array_equal(a, b) and y[a].tolist() == [0, 1, 2, 3, 0, 1]
    assert not np.array_equal(a, one_per_class(y, 6, seed=1))


def test_a_vae_embeds_its_latent_mean_and_has_no_predictions():
    torch.manual_seed(0)
    vae = create_model("vae", (1, 8, 8), 10, latent=3, hidden=[16]).eval()
    x = np.random.default_rng(0).random((5, 1, 8, 8), dtype=np.float32)
    assert default_layers(vae, x) == ["mu"] and predictions(vae, x) is None
    net = create_model("mlp", (1, 8, 8), 10, widths=[16]).eval()
    assert predictions(net, x).shape == (5,)


def test_rows_are_labelled_by_recipe_and_told_apart_when_two_share_it():
    def fake_run(recipe, experiment, group):  # (stands in for mllab.runs.load.Run: config and path)
        return SimpleNamespace(config=SimpleNamespace(recipe=recipe, experiment=experiment),
                               path=Path("runs") / experiment / group / "seed0")

    runs = [fake_run("s000_mobilenetv3", "s000_mobilenetv3", "g1"), fake_run(None, "s000_rnn", "g2"),
            fake_run("s000_mobilenetv3", "s000_mobilenetv3", "g3")]
    assert row_labels(runs) == ["s000_mobilenetv3 (g1)", "s000_rnn", "s000_mobilenetv3 (g3)"]
