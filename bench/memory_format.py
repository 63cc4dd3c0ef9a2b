"""Channels-last vs the default (NCHW) layout: one training step of each conv net, in one process.

For every model: the same weights and batch (128 random 28x28 grey images), SGD with momentum,
forward + backward + step; the two layouts alternate REPEATS times, each timing the median of
STEPS steps after a warm-up step, and the medians are compared. ``training.channels_last``
(unset) picks channels-last for nets with Conv2d and no ConvTranspose2d
(mllab/train/memory_format.py); this script is the measurement behind that rule.

    .venv/bin/python bench/memory_format.py [--repeats 5] [--steps 3] [--threads 1]
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

from mllab.experiments.rundir import environment
from mllab.models.registry import MODELS
from mllab.train.memory_format import as_channels_last, wants_channels_last

MODELS_TIMED = ("lenet5", "cnn_bn", "vgg_bn", "nin", "mobilenetv3_small", "squeezenet1_1", "conv_autoencoder",
                "dc_vae")
SPEC, BATCH = (1, 28, 28), 128
SPECS = {"squeezenet1_1": (3, 64, 64)}  # RGB only, and 28x28 is below its downsampling


def loss_of(out, x, y):
    out = out if torch.is_tensor(out) else out[0]  # a VAE returns (reconstruction, mu, logvar)
    return F.cross_entropy(out, y) if out.dim() == 2 else F.mse_loss(out, x)


def step_seconds(model, x, y, steps: int) -> float:
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    times = []
    for k in range(steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_of(model(x), x, y).backward()
        opt.step()
        if k:  # the first step allocates
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compare(name: str, repeats: int, steps: int) -> dict[str, float]:
    torch.manual_seed(0)
    spec = SPECS.get(name, SPEC)
    base = MODELS.get(name)(spec, 10)
    x, y = torch.rand(BATCH, *spec), torch.randint(0, 10, (BATCH,))
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
    env = environment()
    print(f"\nbatch {BATCH} x {SPEC} (SqueezeNet {SPECS['squeezenet1_1']}), {args.threads} thread(s), "
          f"{args.repeats} repeats x median of {args.steps} steps")
    print(f"machine: {env['processor']} ({env['cpu_count']} cpus), python {platform.python_version()}, "
          f"torch {torch.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
