"""How many epochs of each candidate net fit best_cifar10's budget of 60 CPU-minutes per seed (issue 19).

CIFAR-10 is not on these machines, so each candidate trains on random arrays of CIFAR-10's shape (the step
time does not depend on the pixel values): the recipe's optimizer, batch size, augmentation and layout,
``STEPS`` timed training steps after a warm-up, at ``--threads`` threads, as this process's CPU time, with the
allocator every mllab process trains with (:func:`mllab.core.allocator.keep_memory`). Epochs affordable = budget / (steps per epoch x step time + test pass).

    OMP_NUM_THREADS=1 python bench/cifar10_budget.py
"""

from __future__ import annotations

import math
import statistics
import sys
import time

import torch

from mllab.core.errors import NonFiniteLossError  # noqa: F401  (the trainer's module must import cleanly)
from mllab.experiments.recipes import config_for
from mllab.models.registry import create_model
from mllab.runs.rundir import environment
from mllab.training.optim import build_optimizer
from mllab.training.schedules import build_scheduler
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Trainer

BUDGET, TRAIN, TEST, STEPS = 60 * 60, 50_000, 10_000, 6
CANDIDATES = {
    "vgg_bn 32-64-128 x1": {"widths": [32, 64, 128], "convs": 1},
    "vgg_bn 32-64-128 x2": {"widths": [32, 64, 128], "convs": 2},
    "vgg_bn 64-128-256 x1": {"widths": [64, 128, 256], "convs": 1},
    "vgg_bn 64-128-256 x2 (the old recipe)": {"widths": [64, 128, 256], "convs": 2},
}


def step_cpu_seconds(params: dict, threads: int) -> tuple[float, float]:
    """(median CPU seconds of one training step, CPU seconds per test image) for vgg_bn with ``params``."""
    torch.set_num_threads(threads)
    cfg = config_for("best_cifar10", ["training.threads=1"])
    model = create_model("vgg_bn", (3, 32, 32), 10, **params, dropout=0.1)
    trainer = Trainer(model, cfg, ClassifyTask("cross_entropy", 10, 0.2), None, quiet=True)
    trainer.optimizer = build_optimizer(model, cfg.optimizer)
    trainer.scheduler = build_scheduler(trainer.optimizer, cfg.schedule, 1, STEPS + 2)
    trainer.penalized, trainer.generator = [], torch.Generator().manual_seed(0)
    bs = cfg.training.batch_size
    x, y = torch.rand(bs, 3, 32, 32), torch.randint(0, 10, (bs,))
    times = []
    for k in range(STEPS + 1):
        t0 = time.process_time()
        from mllab.training import augment

        trainer.step(trainer.layout(augment.augment_batch(x, cfg.training.augment, trainer.generator)), y)
        times.append(time.process_time() - t0)
    t0 = time.process_time()
    with torch.no_grad():
        model.eval()
        model(trainer.layout(torch.rand(1000, 3, 32, 32)))
    return statistics.median(times[1:]), (time.process_time() - t0) / 1000


def main(threads: int = 1) -> None:
    from mllab.core.allocator import keep_memory

    keep_memory()  # as mllab trains: freed memory kept, no page faulted in again each step (issue 31)
    env = environment()
    print(f"machine: {env['processor']} ({env['cpu_count']} cpus), torch {env['torch']}, {threads} thread(s); "
          f"budget {BUDGET / 60:.0f} CPU-min per seed, batch 256, random 3x32x32 arrays")
    for name, params in CANDIDATES.items():
        step, row = step_cpu_seconds(params, threads)
        epoch = math.ceil(TRAIN / 256) * step + TEST * row * 0  # test pass once at the end, below
        epochs = int((BUDGET - TEST * 2 * row) // epoch)  # 2 test passes: plain and flipped
        print(f"{name:40s} step {step:.3f} CPU-s, epoch {epoch / 60:.1f} CPU-min, test row {row * 1e3:.2f} ms: "
              f"{epochs} epochs in budget", flush=True)


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
