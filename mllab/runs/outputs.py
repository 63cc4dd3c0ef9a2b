"""A loaded run's model applied to inputs, per engine: NumPy-engine nets in batches, torch nets through a
prediction-only trainer (the run's batch size, layout, token trimming and test-time views), and the softmax
that turns either's outputs into probabilities. Used by :class:`mllab.runs.load.Run`.
"""

from __future__ import annotations

import numpy as np

from mllab.core.errors import MllabError

BATCH = 1000  # rows per forward pass when predicting with a numpy-engine net or capturing features


def as_tensor(x: np.ndarray):
    import torch

    if x.dtype == np.uint8:
        raise MllabError("the model would see raw uint8 pixels: add 'scale' to data.transforms")
    return torch.from_numpy(np.ascontiguousarray(x))


def scratch_outputs(model, x: np.ndarray) -> np.ndarray:
    from mllab.scratch.tensor import Tensor, no_grad

    model.eval()
    with no_grad():
        return np.concatenate([model(Tensor(x[i:i + BATCH])).data for i in range(0, len(x), BATCH)])


def torch_trainer(run, model):
    """A trainer over ``model`` for prediction only (``run``: a :class:`~mllab.runs.load.Run`): the run's batch
    size, layout and token trimming; float32 (a bf16-trained run predicts in float32, as it was evaluated)."""
    from mllab.models.registry import MODELS
    from mllab.training.tasks import ClassifyTask
    from mllab.training.trainer import Trainer

    cfg = run.config
    cfg = cfg.model_copy(update={"training": cfg.training.model_copy(update={"precision": "fp32"})})
    tokens = MODELS.entry(cfg.model.name).meta.get("input") == "tokens"
    return Trainer(model, cfg, ClassifyTask(cfg.training.loss, run.spec.num_classes), None, device="cpu",
                   quiet=True, tokens=tokens)


def torch_outputs(run, model, x: np.ndarray) -> np.ndarray:
    """The net's outputs (N, C) for transformed inputs, as its trainer evaluates them (layout, test-time views)."""
    import torch

    trainer = torch_trainer(run, model)
    trainer.evaluated().eval()
    xt, bs = as_tensor(x), run.config.training.eval_batch_size
    with torch.no_grad():
        return torch.cat([trainer.eval_forward(trainer.layout(trainer.trim(xt[i:i + bs])))
                          for i in range(0, len(xt), bs)]).numpy()


def softmax(outputs: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64 (of logits, or of log-probabilities: then the probabilities themselves)."""
    z = outputs.astype(np.float64) - outputs.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
