"""Channels-last vs the default (NCHW) layout: one training step of each conv net, in one process.

For every model: the same weights and batch (128 random 28x28 grey images), SGD with momentum,
forward + backward + step; the two layouts alternate REPEATS times, each timing the median of
STEPS steps after a warm-up step, and the medians are compared. ``training.channels_last``
(unset) picks channels-last for nets with Conv2d and no ConvTranspose2d
(mllab/training/memory_format.py); this script is the measurement behind that rule.

    .venv/bin/python bench/memory_format.py [--repeats 5] [--steps 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import copy
import statistics

import torch
from _step import MODELS_TIMED, batch, machine_line, step_seconds

from mllab.models.registry import MODELS
from mllab.training.memory_format import as_channels_last, wants_channels_last


def compare(name: str, repeats: int, steps: int) -> dict[str, float]:
    torch.manual_seed(0)
    x, y = batch(name)
    base = MODELS.get(name)(tuple(x.shape[1:]), 10)
    times = {"nchw": [], "channels_last": []}
    for _ in range(repeats):
        for layout in times:
            model = copy.deepcopy(base)
            xb = x
            if layout == "channels_last":
                model, xb = model.to(memory_format=torch.channels_last), as_channels_last(x)
            times[layout].append(step_seconds(model, xb, y, steps))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {**med, "speedup": med["nchw"] / med["channels_last"], "default": wants_channels_last(base, None)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print("| model | NCHW step (s) | channels-last step (s) | speed-up | mllab default |")
    print("|---|---:|---:|---:|---|")
    for name in MODELS_TIMED:
        r = compare(name, args.repeats, args.steps)
        print(f"| `{name}` | {r['nchw']:.3f} | {r['channels_last']:.3f} | {r['speedup']:.2f}x "
              f"| {'channels-last' if r['default'] else 'NCHW'} |", flush=True)
    print("\n" + machine_line(args.threads, args.repeats, args.steps))


if __name__ == "__main__":
    main()
