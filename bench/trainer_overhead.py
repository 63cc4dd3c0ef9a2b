"""Trainer overhead: one epoch of LeNet-5 on MNIST through mllab's Trainer vs a plain PyTorch loop.

Same model weights, data tensors, batch size, optimizer and thread count, in one
process; the two are run alternately REPEATS times and the medians compared (wall time, and the process's
CPU time, which other jobs on a shared machine disturb less). Both run with the allocator mllab trains with
(:func:`mllab.core.allocator.keep_memory`), so the ratio is the loop's own cost. Target: ratio (mllab / plain)
<= 1.05.

    MLLAB_DATA=../shared/data .venv/bin/python bench/trainer_overhead.py [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from mllab.data import load
from mllab.data.transforms import apply_transforms
from mllab.models.registry import MODELS
from mllab.runs.config import resolve_config
from mllab.runs.rundir import environment
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Tensors, Trainer

BATCH = 128


def plain_epoch(model, x, y, seed):
    """The loop a person writes by hand: permutation, slice, forward, backward, step."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    model.train()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    for i in range(0, len(y), BATCH):
        idx = order[i:i + BATCH]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def mllab_epoch(model, x, y, seed):
    cfg = resolve_config({"seed": seed, "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": True},
                          # NCHW, the plain loop's layout: this measures overhead, not the layout
                          "training": {"epochs": 1, "batch_size": BATCH, "channels_last": False}})
    Trainer(model, cfg, ClassifyTask("cross_entropy", 10), None, quiet=True).fit(Tensors(x, y))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    from mllab.core.allocator import keep_memory

    keep_memory()
    torch.set_num_threads(args.threads)
    ds = apply_transforms(load("mnist"), ["scale"])
    x, y = torch.from_numpy(ds.train.x), torch.from_numpy(ds.train.y)
    torch.manual_seed(0)
    base = MODELS.get("lenet5")((1, 28, 28), 10)
    times, cpus = {"plain": [], "mllab": []}, {"plain": [], "mllab": []}
    for r in range(args.repeats):
        for name, fn in (("plain", plain_epoch), ("mllab", mllab_epoch)):
            model = copy.deepcopy(base)
            t0, c0 = time.perf_counter(), time.process_time()
            fn(model, x, y, seed=r)
            times[name].append(time.perf_counter() - t0)
            cpus[name].append(time.process_time() - c0)
            print(f"repeat {r} {name:5s} {times[name][-1]:.2f} s (CPU {cpus[name][-1]:.2f} s)", flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    env = environment()
    print(f"\nLeNet-5, MNIST 60000 images, batch {BATCH}, {args.threads} threads, {args.repeats} repeats")
    print(f"plain loop median {med['plain']:.2f} s, mllab Trainer median {med['mllab']:.2f} s, "
          f"ratio {med['mllab'] / med['plain']:.3f}; CPU time medians {cpu['plain']:.2f} s, {cpu['mllab']:.2f} s, "
          f"ratio {cpu['mllab'] / cpu['plain']:.3f}")
    print(f"machine: {env['processor']} ({env['cpu_count']} cpus), python {platform.python_version()}, "
          f"torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
