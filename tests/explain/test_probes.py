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
