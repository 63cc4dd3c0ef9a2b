"""Network features as data: the input of a trained run's ``classifier`` layer.

Report 000 fits SVMs and a Gaussian mixture on the 1024-d penultimate-layer
features of a trained network (Table II). ``data.features_from: RUN`` replaces
every split's inputs with those features: the run's model is rebuilt from its
``config.yaml``, its checkpoint loaded (``best`` if it selected one, else
``last``) and a forward pre-hook on its ``classifier`` module records what
the classifier sees. Every registered torch classifier names its final layer
``classifier``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np


def network_features(run_path: str | Path, splits):
    """``splits`` with ``x`` replaced by the run's penultimate features (float32, (N, d))."""
    import torch

    from mllab.experiments.build import build_model
    from mllab.experiments.rundir import RunDir
    from mllab.experiments.runner import to_tensors

    run = RunDir(run_path)
    cfg = run.read_config()
    if cfg.data.name != splits.dataset.name or cfg.data.transforms != splits.dataset.info.get("transforms"):
        raise ValueError(f"data.features_from={run_path}: that run was trained on {cfg.data.name} with transforms "
                         f"{cfg.data.transforms}; this config loads {splits.dataset.name} with "
                         f"{splits.dataset.info.get('transforms')}. Use the same data.name and data.transforms.")
    _, model = build_model(cfg.model, splits, cfg.seed)
    if not hasattr(model, "classifier"):
        raise ValueError(f"data.features_from: model {cfg.model.name!r} has no 'classifier' layer to take features from")
    model.load_state_dict(run.load_checkpoint("best" if cfg.training.select else "last")["model"])
    model.eval()
    captured: list[torch.Tensor] = []
    hook = model.classifier.register_forward_pre_hook(lambda m, args: captured.append(args[0].flatten(1)))
    try:
        def features(split):
            if split is None:
                return None
            x = to_tensors(split, "cpu").x
            captured.clear()
            with torch.no_grad():
                for i in range(0, len(x), 1024):
                    model(x[i:i + 1024])
            return replace(split, x=torch.cat(captured).numpy().astype(np.float32))

        return replace(splits, train=features(splits.train), val=features(splits.val), test=features(splits.test))
    finally:
        hook.remove()
