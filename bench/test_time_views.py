"""Test-time views on trained runs: validation accuracy with no views, flip, flip + 1-pixel and flip + 2-pixel moves.

For each run folder given (a torch image classifier trained with ``data.val_fraction`` > 0 and no checkpoint picked on
validation), its last checkpoint is evaluated on its own validation split by the trainer with each setting of
``training.test_time_flip`` / ``test_time_shift`` (outputs averaged over the views); the test split is not
read. How ``training.test_time_shift`` was chosen for best_fashion (bench/RESULTS.md).

    OMP_NUM_THREADS=1 MLLAB_DATA=... .venv/bin/python bench/test_time_views.py RUN [RUN ...]
"""

from __future__ import annotations

import sys

import torch

from mllab.experiments.features import prepare_data
from mllab.runs.load import load_run
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Tensors, Trainer

VARIANTS = {"none": (False, 0), "flip": (True, 0), "flip + 1 px": (True, 1), "flip + 2 px": (True, 2)}


def accuracy(run, model, x: torch.Tensor, y: torch.Tensor, flip: bool, pixels: int) -> float:
    """Validation accuracy of ``model`` evaluated as the trainer does with these test-time views."""
    training = run.config.training.model_copy(update={"test_time_flip": flip, "test_time_shift": pixels,
                                                      "precision": "fp32"})
    trainer = Trainer(model, run.config.model_copy(update={"training": training}),
                      ClassifyTask(training.loss, run.spec.num_classes), quiet=True)
    return trainer.evaluate(Tensors(x, y))["accuracy"]


def main(paths: list[str]) -> None:
    torch.set_num_threads(1)
    print("| run | " + " | ".join(VARIANTS) + " |")
    print("|---|" + "---:|" * len(VARIANTS))
    for path in paths:
        run = load_run(path)
        splits = prepare_data(run.config.data)
        x, y = torch.as_tensor(splits.val.x).float(), torch.as_tensor(splits.val.y)
        model = run.model("last")
        row = [f"{accuracy(run, model, x, y, *v):.4f}" for v in VARIANTS.values()]
        print(f"| {'/'.join(str(path).rstrip('/').split('/')[-3:])} | " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
