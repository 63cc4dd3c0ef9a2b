"""Probe scores on features whose separability is known by construction."""

import numpy as np
import pytest

from mllab.explain.probes import MAX_DIM, pooled, score_layer


def blobs(spread, n=300, d=8, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.eye(3, d) * 10
    return centres[y] + spread * rng.normal(size=(n, d)), y


def test_separated_classes_score_one_and_noise_scores_chance():
    (a, ya), (b, yb) = blobs(0.5, seed=0), blobs(0.5, seed=1)
    tight = score_layer(a, ya, b, yb)
    assert tight["linear_probe_accuracy"] == 1.0 and tight["knn_accuracy"] == 1.0
    assert tight["separability"] > 0.8 and tight["dim"] == 8 and tight["probe_converged"]
    rng = np.random.default_rng(2)
    noise = score_layer(rng.normal(size=(300, 8)), ya, rng.normal(size=(300, 8)), yb)
    assert noise["linear_probe_accuracy"] < 0.5 and abs(noise["separability"]) < 0.1


def test_pooling_keeps_small_maps_and_shrinks_large_ones_to_the_mean():
    small = np.random.default_rng(0).normal(size=(4, 2, 3, 3)).astype(np.float32)
    assert pooled(small) == pytest.approx(small.reshape(4, -1))
    big = np.ones((2, 64, 16, 16), np.float32)
    assert pooled(big).shape == (2, 64 * 5 * 5) and pooled(big).shape[1] <= MAX_DIM
    seq = np.arange(24, dtype=np.float32).reshape(2, 3, 4)  # (N, T, F): the last step
    assert pooled(seq).tolist() == seq[:, -1].tolist()


def test_default_layers_of_a_packed_text_lstm_are_each_layers_last_token_then_the_head():
    import torch

    from mllab.explain import features
    from mllab.explain.probes import default_probe_layers
    from mllab.models.registry import create_model

    torch.manual_seed(0)
    net = create_model("text_lstm", (7,), 2, vocab_size=30, hidden=6, embed_dim=4, layers=2).eval()
    x = torch.tensor([[5, 3, 9, 0, 0, 0, 0], [7, 1, 1, 2, 4, 8, 1]])
    layers = default_probe_layers(net, x)
    # embedding (padding at the last position) and the LayerNorms on packed tokens (9 rows, not 2) are left out
    assert layers == ["lstms.0:last", "lstms.1:last", "head.0", "head.1", "classifier", "output"]
    got = features(net, x, layers)
    with torch.no_grad():  # the first sentence alone, its 3 real tokens, through the first LSTM layer
        alone, _ = net.lstms[0](net.embedding(x[:1, :3]))
    assert got["lstms.0:last"][0] == pytest.approx(alone[0, -1].numpy(), abs=1e-6)


def test_bidirectional_last_state_splits_into_its_two_directions():
    import torch

    from mllab.explain import features
    from mllab.models.registry import create_model

    torch.manual_seed(0)
    net = create_model("rnn", (1, 6, 5), 3, cell="lstm", layers=2, hidden=4, bidirectional=True).eval()
    x = torch.rand(3, 1, 6, 5)
    got = features(net, x, ["recurrent:last", "recurrent:forward", "recurrent:backward", "classifier:in"])
    assert got["recurrent:last"] == pytest.approx(got["classifier:in"])  # the 2 x 4 features the classifier reads
    assert got["recurrent:forward"] == pytest.approx(got["classifier:in"][:, :4])
    assert got["recurrent:backward"] == pytest.approx(got["classifier:in"][:, 4:])
    with torch.no_grad():  # the backward direction of the top layer ends at the first row
        seq, _ = net.recurrent(net.as_sequence(x))
    assert got["recurrent:backward"] == pytest.approx(seq[:, 0, 4:].numpy(), abs=1e-6)
