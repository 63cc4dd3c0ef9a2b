"""``Run.penultimate``: what the trained net's ``classifier`` layer sees (report 000 fits SVMs on it), captured
through mllab's one hook mechanism (mllab.models.hooks), against a hook written here."""

import numpy as np
import pytest
import torch

from mllab.data import load
from mllab.runs.load import load_run
from run_folders import cnn_run


def test_penultimate_is_the_classifiers_input_flattened_and_leaves_the_model_as_it_was(tmp_path):
    run = load_run(cnn_run(tmp_path))
    x = run.transform(np.concatenate([load("digits").test.x] * 3))  # 1350: more than one batch of 1000
    model = run.model()
    seen = []
    handle = model.classifier.register_forward_pre_hook(lambda mod, args: seen.append(args[0].flatten(1)))
    try:
        with torch.no_grad():
            model(torch.from_numpy(x))
    finally:
        handle.remove()
    got = run.penultimate(x)
    assert got.dtype == np.float32 and got.shape == (1350, seen[0].shape[1])
    assert got == pytest.approx(seen[0].numpy(), abs=1e-6)
    assert not model.training and not any(m._forward_pre_hooks or m._forward_hooks for m in model.modules())
