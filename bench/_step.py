"""Shared by the per-step benches: the nets timed, their input batch, one timed SGD step, the machine line."""

from __future__ import annotations

import platform
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from mllab.runs.rundir import environment
from mllab.training.precision import autocast, cpu_bf16_units, to_float32

MODELS_TIMED = ("lenet5", "cnn_bn", "vgg_bn", "nin", "mobilenetv3_small", "squeezenet1_1", "conv_autoencoder",
                "dc_vae")
SPEC, BATCH = (1, 28, 28), 128
SPECS = {"squeezenet1_1": (3, 64, 64)}  # RGB only, and 28x28 is below its downsampling


def batch(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """BATCH random images of the net's input spec and random labels (seeded by the caller)."""
    spec = SPECS.get(name, SPEC)
    return torch.rand(BATCH, *spec), torch.randint(0, 10, (BATCH,))


def loss_of(out, x, y):
    out = out if torch.is_tensor(out) else out[0]  # a VAE returns (reconstruction, mu, logvar)
    return F.cross_entropy(out, y) if out.dim() == 2 else F.mse_loss(out, x)


def step_seconds(model, x, y, steps: int, precision: str = "fp32") -> float:
    """Median time of ``steps`` SGD steps (forward in ``precision``, as the trainer runs it) after a warm-up."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    times = []
    for k in range(steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with autocast(torch.device("cpu"), precision):
            out = to_float32(model(x))
        loss_of(out, x, y).backward()
        opt.step()
        if k:  # the first step allocates
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def machine_line(threads: int, repeats: int, steps: int) -> str:
    env = environment()
    bf16 = cpu_bf16_units()
    return (f"batch {BATCH} x {SPEC} (SqueezeNet {SPECS['squeezenet1_1']}), {threads} thread(s), "
            f"{repeats} repeats x median of {steps} steps\n"
            f"machine: {env['processor']} ({env['cpu_count']} cpus; bf16 units: {', '.join(bf16) or 'none'}), "
            f"python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}")
