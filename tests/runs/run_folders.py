"""Run folders made in milliseconds, as the backends leave them (config.yaml, model.json, checkpoints, summary),
without a training loop: a ridge fitted on the demo's digits, and the demo's small CNN as built (untrained)."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

from mllab.experiments.recipes import config_for
from mllab.runs import checkpoints
from mllab.runs.rundir import RunDir
from mllab.runs.spec import spec_for


def _run_dir(root: Path, overrides: list[str]):
    from mllab.data.splits import prepare_splits

    cfg = config_for("demo", overrides)
    run = RunDir(root / "seed0").create()
    run.write_config(cfg)
    splits = prepare_splits(cfg.data)
    spec = spec_for(cfg, splits.train.x.shape[1:], splits.dataset.num_classes, splits.dataset.info,
                    str(splits.train.x.dtype))
    spec.write(run.path)
    run.write_env({"data": splits.dataset.summary()})
    return cfg, run, splits, spec


def ridge_run(root: Path, name: str = "ridge") -> Path:
    """A classical run of the demo's digits (ridge, or estimator ``name``), its checkpoint as mllab writes it."""
    cfg, run, splits, spec = _run_dir(root, [f"model.name={name}"])
    model = spec.build().fit(splits.train.x.reshape(len(splits.train.x), -1), splits.train.y)
    checkpoints.save_estimator(checkpoints.path_of(run.checkpoints, "last", "classical"), model, name)
    accuracy = float(model.score(splits.test.x.reshape(len(splits.test.x), -1), splits.test.y))
    run.write_summary({"status": "completed", "final": {"test_accuracy": accuracy}})
    return run.path


def cnn_run(root: Path) -> Path:
    """A torch run of the demo (small_cnn on 8x8 digits) with its initial weights as best.pt and last.pt."""
    cfg, run, splits, spec = _run_dir(root, [])
    state = {"model": spec.build().state_dict()}
    for name in ("best", "last"):
        run.save_checkpoint(name, state)
    run.write_summary({"status": "completed", "final": {"test_accuracy": 0.1}})
    return run.path


def as_older_mllab(run: Path, estimator) -> None:
    """Leave ``run`` as an mllab before npz+json checkpoints left a classical run: last.pkl, a model.json without
    checkpoint_format."""
    for p in (run / "checkpoints").iterdir():
        p.unlink()
    (run / "checkpoints" / "last.pkl").write_bytes(pickle.dumps(estimator))
    spec = json.loads((run / "model.json").read_text())
    del spec["checkpoint_format"]
    (run / "model.json").write_text(json.dumps(spec))


class Exploit:
    """Unpickled, runs ``touch MARKER``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def exploit_bytes(marker: Path) -> bytes:
    return pickle.dumps(Exploit(marker))



def scratch_run(root: Path) -> Path:
    """A NumPy-engine run of the demo's digits (an MLP), its initial parameters as last.npz."""
    import numpy as np

    from mllab.experiments.backends.numpy_backend import scratch_optimizer
    from mllab.scratch.train import save

    cfg, run, splits, spec = _run_dir(root, ["model.backend=numpy", "model.name=mlp", "model.params={hidden: [8]}",
                                             "data.transforms=[scale,flatten]", "optimizer.name=sgd"])
    model = spec.build()
    save(checkpoints.path_of(run.checkpoints, "last", "numpy"), model, scratch_optimizer(model, cfg), epoch=1,
         rng=np.random.default_rng(0))
    run.write_summary({"status": "completed", "final": {"test_accuracy": 0.1}})
    return run.path
