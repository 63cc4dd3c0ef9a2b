"""``load_run(path)``: a finished run back from its folder, with its trained model, for any engine.

>>> run = load_run("runs/demo/<group>/seed0")  # doctest: +SKIP
>>> run.summary["final"]["test_accuracy"], len(run.metrics)  # doctest: +SKIP
(0.9822, 5)
>>> labels = run.predict(x)  # raw inputs, as the dataset's loader gives them  # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import mllab.runs.checkpoints as checkpoints
from mllab.core.errors import MllabError, NotARunError
from mllab.runs.rundir import RunDir, not_a_run
from mllab.runs.spec import ModelSpec, spec_for

BATCH = 1000  # rows per forward pass when predicting with a numpy-engine net or capturing features


@dataclass
class Run:
    """A run folder read back: ``config`` (RunConfig), ``summary`` and ``metrics`` (one dict per epoch);
    :meth:`model` rebuilds the trained model, :meth:`predict` labels new inputs with it."""

    path: Path
    config: Any
    summary: dict[str, Any]
    metrics: list[dict[str, Any]]
    _models: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def env(self) -> dict[str, Any]:
        """``env.json``: versions, machine, device and the dataset's description (transform statistics)."""
        p = self.path / "env.json"
        return json.loads(p.read_text()) if p.is_file() else {}

    @property
    def spec(self) -> ModelSpec:
        """What rebuilds the model (``model.json``; for runs older than it, derived from the config and data)."""
        return ModelSpec.read(self.path) or _spec_from_data(self.config)

    def checkpoint_name(self, checkpoint: str = "auto") -> str:
        """``best`` when the run selected one (``training.select``) and saved it, else ``last``."""
        if checkpoint != "auto":
            return checkpoint
        return "best" if self.config.training.select and RunDir(self.path).has_checkpoint("best") else "last"

    def model(self, checkpoint: str = "auto"):
        """The trained model in eval mode: a torch ``nn.Module``, a scratch network or a fitted estimator.

        ``checkpoint``: ``best``, ``last`` or ``auto`` (best if the run selected one). Built once per run.
        """
        name = self.checkpoint_name(checkpoint)
        if name not in self._models:
            path, engine = RunDir(self.path).checkpoint(name)
            model = checkpoints.restore(self.spec.build() if engine != "classical" else None, path, engine)
            if hasattr(model, "eval"):
                model.eval()
            self._models[name] = model
        return self._models[name]

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Raw inputs through the run's ``data.transforms`` (with the training statistics it recorded), and
        through the feature network of ``data.features_from`` when the run was trained on its features."""
        from mllab.data.transforms import transform_inputs

        x = transform_inputs(np.asarray(x), self.config.data.transforms, self.env.get("data", {}))
        if self.config.data.features_from:
            x = load_run(self.config.data.features_from).penultimate(x)
        return x

    def predict(self, x: np.ndarray, checkpoint: str = "auto") -> np.ndarray:
        """Predicted labels (N,) for raw inputs ``x`` (as the dataset's loader gives them)."""
        engine = self.spec.engine
        if self.summary.get("final", {}).get("test_accuracy") is None and engine != "classical":
            raise MllabError(f"run {self.path}: {self.config.model.name} is not a classifier (it records no "
                             "test accuracy); use run.model() to reconstruct or sample")
        x, model = self.transform(x), self.model(checkpoint)
        if engine == "classical":
            return np.asarray(model.predict(x.reshape(len(x), -1)))
        if engine == "numpy":
            return _scratch_outputs(model, x).argmax(1)
        return _torch_trainer(self, model).predict(_as_tensor(x)).numpy()

    def penultimate(self, x: np.ndarray) -> np.ndarray:
        """What the trained torch net's ``classifier`` layer sees for already transformed inputs: (N, d) float32
        (report 000 fits SVMs on these features)."""
        import torch

        model = self.model()
        if not hasattr(model, "classifier"):
            raise MllabError(f"run {self.path}: model {self.config.model.name!r} has no 'classifier' layer to "
                             "take features from")
        captured: list[torch.Tensor] = []
        hook = model.classifier.register_forward_pre_hook(lambda m, args: captured.append(args[0].flatten(1)))
        try:
            xt = _as_tensor(x)
            with torch.no_grad():
                for i in range(0, len(xt), BATCH):
                    model(xt[i:i + BATCH])
        finally:
            hook.remove()
        return torch.cat(captured).numpy().astype(np.float32)


def load_run(path: str | Path) -> Run:
    """The run in folder ``path`` (``runs/<experiment>/<group>/seed<k>``): config, summary, metrics, model."""
    rd = RunDir(path)
    if not (rd.path / "config.yaml").is_file():
        raise NotARunError(not_a_run(rd.path))
    return Run(rd.path, rd.read_config(), rd.read_summary(), rd.read_metrics())


def _spec_from_data(cfg) -> ModelSpec:
    """For runs written before ``model.json``: the shapes come from loading the run's data again."""
    from mllab.data.splits import prepare_splits

    if cfg.data.features_from:
        raise MllabError("this run predates model.json and was trained on network features "
                         "(data.features_from): its model cannot be rebuilt; train it again")
    splits = prepare_splits(cfg.data)
    return spec_for(cfg, splits.train.x.shape[1:], splits.dataset.num_classes, splits.dataset.info)


def _as_tensor(x: np.ndarray):
    import torch

    if x.dtype == np.uint8:
        raise MllabError("the model would see raw uint8 pixels: add 'scale' to data.transforms")
    return torch.from_numpy(np.ascontiguousarray(x))


def _scratch_outputs(model, x: np.ndarray) -> np.ndarray:
    from mllab.scratch.tensor import Tensor, no_grad

    model.eval()
    with no_grad():
        return np.concatenate([model(Tensor(x[i:i + BATCH])).data for i in range(0, len(x), BATCH)])


def _torch_trainer(run: Run, model):
    """A trainer over ``model`` for prediction only: the run's batch size, layout and token trimming;
    float32 (a bf16-trained run predicts in float32, as it was evaluated)."""
    from mllab.models.registry import MODELS
    from mllab.train.tasks import ClassifyTask
    from mllab.train.trainer import Trainer

    cfg = run.config
    cfg = cfg.model_copy(update={"training": cfg.training.model_copy(update={"precision": "fp32"})})
    tokens = MODELS.entry(cfg.model.name).meta.get("input") == "tokens"
    return Trainer(model, cfg, ClassifyTask(cfg.training.loss, run.spec.num_classes), None, device="cpu",
                   quiet=True, tokens=tokens)
