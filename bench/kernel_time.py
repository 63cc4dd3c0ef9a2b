"""The training step's time in the kernel: user and system CPU seconds and minor page faults per step, under
each memory allocator, for the torch and NumPy engines (issue 31).

Each (recipe, allocator) pair runs in a fresh process (the allocator is chosen before the process starts):
the recipe's own model and optimizer settings and batch size, random inputs of its dataset's shape, 1
thread, WARMUP steps, then ``resource.getrusage`` around STEPS steps. Allocators:

- ``system``: glibc's malloc as the process starts (``MLLAB_MALLOC=system``);
- ``env-mmap-threshold``: glibc with ``MALLOC_MMAP_THRESHOLD_=32 MiB`` (glibc's cap) and
  ``MALLOC_TRIM_THRESHOLD_=1 GiB`` set before the process starts;
- ``mllab``: :func:`mllab.core.allocator.keep_memory` (what mllab's processes run with);
- ``jemalloc``, ``tcmalloc``: ``LD_PRELOAD`` of Debian's ``libjemalloc2`` / ``libtcmalloc-minimal4`` (skipped
  when not installed).

Target: system time under 5 % of a step's CPU time for every engine.

    .venv/bin/python bench/kernel_time.py [--recipes best_cifar10 scratch_lenet5_mnist] [--steps 8]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

RECIPES = ("best_cifar10", "s000_nin", "s003_lenet_mnist_noreg", "scratch_lenet5_mnist", "s002_mlp_scratch")
SHAPES = {"cifar10": (3, 32, 32), "svhn": (3, 32, 32), "mnist": (1, 28, 28), "nist36": (1, 32, 32)}
STEPS = {"best_cifar10": 6, "s000_nin": 8, "s002_mlp_scratch": 2000}  # else 40: a few seconds of CPU each
WARMUP = 3
LIB = "/usr/lib/x86_64-linux-gnu"
ALLOCATORS = {
    "system": {"MLLAB_MALLOC": "system"},
    "env-mmap-threshold": {"MLLAB_MALLOC": "system", "MALLOC_MMAP_THRESHOLD_": str(32 << 20),
                           "MALLOC_TRIM_THRESHOLD_": str(1 << 30)},
    "mllab": {},
    "jemalloc": {"MLLAB_MALLOC": "system", "LD_PRELOAD": f"{LIB}/libjemalloc.so.2"},
    "tcmalloc": {"MLLAB_MALLOC": "system", "LD_PRELOAD": f"{LIB}/libtcmalloc_minimal.so.4"},
}


def torch_steps(cfg, shape):
    """A function running n SGD steps of the recipe's torch model on one random batch."""
    import torch
    import torch.nn.functional as F

    from mllab.models.registry import create_model

    torch.manual_seed(0)
    model = create_model(cfg.model.name, shape, 10, **cfg.model.params)
    o = cfg.optimizer
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=o.momentum, nesterov=o.nesterov,
                          weight_decay=o.weight_decay)
    x, y = torch.rand(cfg.training.batch_size, *shape), torch.randint(0, 10, (cfg.training.batch_size,))

    def run(n):
        for _ in range(n):
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()
    return run


def numpy_steps(cfg, shape):
    """A function running n steps of the recipe's NumPy-engine model (``fit_epoch``, as its backend trains)."""
    import numpy as np

    from mllab.scratch.models import create_scratch_model
    from mllab.scratch.optim import SGD
    from mllab.scratch.train import fit_epoch

    params = {**cfg.model.params, **({"init": cfg.model.init} if cfg.model.init != "default" else {})}
    model = create_scratch_model(cfg.model.name, shape, 10, seed=0, **params)
    opt = SGD(model.parameters(), lr=0.01, momentum=cfg.optimizer.momentum)
    rng, bs = np.random.default_rng(0), cfg.training.batch_size

    def run(n):
        x = rng.random((n * bs, *shape), dtype=np.float32)
        fit_epoch(model, opt, x, rng.integers(0, 10, n * bs), batch_size=bs, rng=rng)
    return run


def child(recipe: str, steps: int) -> dict:
    """Per-step user/system seconds and minor faults of ``steps`` steps of ``recipe`` in this process."""
    import torch
    from threadpoolctl import threadpool_limits

    from mllab.core.allocator import keep_memory
    from mllab.experiments.recipes import config_for

    applied = keep_memory()
    torch.set_num_threads(1)
    threadpool_limits(1)
    cfg = config_for(recipe)
    shape = SHAPES[cfg.data.name]
    run = (numpy_steps if cfg.model.backend == "numpy" else torch_steps)(cfg, shape)
    run(WARMUP)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    run(steps)
    r1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - t0
    return {"recipe": recipe, "engine": cfg.model.backend, "steps": steps, "mllab_allocator": applied,
            "user": (r1.ru_utime - r0.ru_utime) / steps, "sys": (r1.ru_stime - r0.ru_stime) / steps,
            "minflt": (r1.ru_minflt - r0.ru_minflt) / steps, "wall": wall / steps, "maxrss_mb": r1.ru_maxrss / 1024}


def measure(recipe: str, allocator: str, steps: int) -> dict | None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           **ALLOCATORS[allocator]}
    if "LD_PRELOAD" in env and not Path(env["LD_PRELOAD"]).is_file():
        return None
    out = subprocess.run([sys.executable, __file__, "--child", recipe, "--steps", str(steps)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return {**json.loads(out.splitlines()[-1]), "allocator": allocator}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES))
    parser.add_argument("--allocators", nargs="+", default=list(ALLOCATORS), choices=list(ALLOCATORS))
    parser.add_argument("--steps", type=int, help="steps measured (default: per recipe, a few CPU-seconds)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        return print(json.dumps(child(opts.child, opts.steps)))
    print("| recipe | engine | allocator | user s/step | system s/step | system share | minor faults/step "
          "| wall s/step | peak RSS MB |\n|---|---|---|---:|---:|---:|---:|---:|---:|")
    for recipe in opts.recipes:
        for allocator in opts.allocators:
            r = measure(recipe, allocator, opts.steps or STEPS.get(recipe, 40))
            if r is None:
                continue
            share = r["sys"] / (r["user"] + r["sys"])
            print(f"| {recipe} | {r['engine']} | {allocator} | {r['user']:.4f} | {r['sys']:.4f} | {share:.1%} | "
                  f"{r['minflt']:.0f} | {r['wall']:.4f} | {r['maxrss_mb']:.0f} |", flush=True)
    import numpy
    import torch

    print(f"\n1 thread, {WARMUP} warm-up steps then getrusage around the steps, one fresh process per row; python "
          f"{platform.python_version()}, torch {torch.__version__}, numpy {numpy.__version__}, "
          f"{platform.libc_ver()[0]} {platform.libc_ver()[1]}, {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
