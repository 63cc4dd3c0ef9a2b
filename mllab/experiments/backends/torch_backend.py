"""The ``torch`` backend: ``mllab.models.nets`` networks trained by :class:`~mllab.training.trainer.Trainer`.

Its task follows the model's registered task: ``classify`` (the config's loss
with its label smoothing) or ``reconstruct`` / ``generate`` (MSE or BCE, or
the model's own loss: a VAE adds its KL term). Fit and evaluate use the same
task, so ``mllab eval`` reproduces every recorded test metric.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mllab.core.errors import MllabError
from mllab.experiments.backends import BACKENDS, build_for_run
from mllab.runs.predictions import save_generative, save_predictions


def task_for(cfg, num_classes: int):
    """The training task of ``cfg``'s model: what its loss and metrics are."""
    from mllab.training.tasks import ClassifyTask, ReconstructTask

    if is_reconstruction(cfg):
        return ReconstructTask(cfg.training.loss if cfg.training.loss == "bce" else "mse")
    return ClassifyTask(cfg.training.loss, num_classes, cfg.training.label_smoothing)


def is_reconstruction(cfg) -> bool:
    from mllab.models.registry import MODELS

    return MODELS.entry(cfg.model.name).meta.get("task") in ("reconstruct", "generate")


def takes_tokens(cfg) -> bool:
    from mllab.models.registry import MODELS

    return MODELS.entry(cfg.model.name).meta.get("input") == "tokens"


def pick_device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise MllabError("training.device=cuda but no CUDA device is available; use training.device=auto")
    return name


def to_tensors(split, device):
    import torch

    from mllab.training.trainer import Tensors

    if split.x.dtype == np.uint8:
        raise MllabError("the model would see raw uint8 pixels: add 'scale' to data.transforms")
    x = torch.from_numpy(np.ascontiguousarray(split.x))
    return Tensors(x.to(device), torch.from_numpy(split.y.astype(np.int64)).to(device))


def draw_weight_figures(model, splits, run, tag: str) -> list:
    """The first layer's filters or weights as images (``init`` before training, ``trained`` after): the
    same figures as the NumPy engine's (reports 002, 004); nothing for non-image inputs."""
    from mllab.explain.weights import save_weight_figures

    shape = splits.train.x.shape[1:]
    if len(shape) != 3:
        return []
    run.figures.mkdir(exist_ok=True)
    return save_weight_figures(model, shape, run.figures, tag)


@BACKENDS.register("torch")
class TorchBackend:
    """Registered networks trained with the torch trainer (checkpoints ``.pt``)."""

    def fit(self, cfg, run, splits, quiet: bool, resume: bool) -> dict[str, Any]:
        import torch

        from mllab.training.init import apply_init
        from mllab.training.trainer import Trainer

        model = build_for_run(cfg, run, splits)
        if cfg.training.threads:
            torch.set_num_threads(cfg.training.threads)
        device = pick_device(cfg.training.device)
        apply_init(model, cfg.model.init)
        if cfg.output.figures and not resume:
            draw_weight_figures(model, splits, run, "init")  # the initial weights: "before training"
        model.to(device)
        run.write_env({"device": device, "threads": torch.get_num_threads(), "data": splits.dataset.summary()})
        train, test = to_tensors(splits.train, device), to_tensors(splits.test, device)
        val = to_tensors(splits.val, device) if splits.val is not None else None
        task = task_for(cfg, splits.dataset.num_classes)
        trainer = Trainer(model, cfg, task, run, device=device, quiet=quiet, tokens=takes_tokens(cfg))
        trainer.fit(train, val, resume=resume)
        history = run.read_metrics()
        if cfg.training.select:
            model.load_state_dict(run.load_checkpoint("best", map_location=device)["model"])
        if cfg.output.figures:
            draw_weight_figures(model, splits, run, "trained")
        scores, labels = trainer.evaluate_and_predict(test)
        final = {f"test_{k}": v for k, v in scores.items()}
        final.update({k: v for k, v in history[-1].items() if k.startswith(("train_", "val_"))})
        if is_reconstruction(cfg):
            save_generative(model, test.x, run.path / "generative.npz", cfg.seed)
        else:
            save_predictions(run.path, splits.test, splits.dataset.classes, labels.cpu().numpy())
        return {
            "final": final, "epochs_done": len(history), "best_epoch": trainer.state["best_epoch"],
            "params": sum(p.numel() for p in model.parameters()),
            "images_per_s": float(np.median([r["images_per_s"] for r in history])),
            "device": device, "train_size": len(splits.train), "test_size": len(splits.test),
        }

    def evaluate(self, cfg, run, splits, checkpoint: str) -> dict[str, float]:
        from mllab.training.trainer import Trainer

        device = pick_device(cfg.training.device)
        model = run.model(checkpoint).to(device)
        fp32 = cfg.model_copy(update={"training": cfg.training.model_copy(update={"precision": "fp32"})})
        trainer = Trainer(model, fp32, task_for(cfg, splits.dataset.num_classes), None, device=device, quiet=True,
                          tokens=takes_tokens(cfg))
        return {f"test_{k}": v for k, v in trainer.evaluate(to_tensors(splits.test, device)).items()}
