"""Adam's step: torch's fused kernel (what mllab.training.optim uses) vs the default foreach implementation.

For each model, ``STEPS`` Adam steps on the same fixed gradients with each implementation, timed as process
CPU time at one thread (median step), and the largest parameter difference between the two after them. Then
whole training steps of best_sst2 (forward, backward, step on its own batches of 64 SST-2 phrases): its two
BiLSTMs have 17.4 M parameters, 97 % of them in their word and subword embeddings, so the optimizer's step
weighs there.

    OMP_NUM_THREADS=1 MLLAB_DATA=... python bench/optimizer_step.py
"""

from __future__ import annotations

import copy
import statistics
import time

import torch

from mllab.experiments.features import prepare_data
from mllab.experiments.recipes import config_for
from mllab.runs.rundir import environment
from mllab.runs.spec import spec_for

STEPS = 20


def recipe(name: str):
    """Recipe ``name``'s config, data splits and (untrained) model."""
    cfg = config_for(name)
    splits = prepare_data(cfg.data)
    return cfg, splits, spec_for(cfg, splits.train.x.shape[1:], splits.dataset.num_classes, splits.dataset.info).build()


def run(model: torch.nn.Module, grads: list[torch.Tensor], **kind) -> tuple[float, torch.nn.Module]:
    """Median CPU seconds of one Adam step of ``kind`` with ``grads``, and the model after ``STEPS`` steps."""
    model = copy.deepcopy(model)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, **kind)
    times = []
    for _ in range(STEPS):
        for p, g in zip(params, grads):
            p.grad = g.clone()
        t0 = time.process_time()
        opt.step()
        times.append(time.process_time() - t0)
    return statistics.median(times[2:]), model


def training_steps(cfg, splits, model: torch.nn.Module, **kind) -> float:
    """Median CPU seconds of one whole training step (forward, backward, Adam step of ``kind``) of a copy of
    ``model`` on the first training batches of ``splits``, at ``cfg``'s batch size."""
    model = copy.deepcopy(model)
    opt, bs = torch.optim.Adam(model.parameters(), lr=1e-3, **kind), cfg.training.batch_size
    x, y = torch.as_tensor(splits.train.x[:bs * STEPS]), torch.as_tensor(splits.train.y[:bs * STEPS]).long()
    times = []
    for i in range(STEPS):
        t0 = time.process_time()
        opt.zero_grad()
        torch.nn.functional.nll_loss(model(x[i * bs:(i + 1) * bs]), y[i * bs:(i + 1) * bs]).backward()
        opt.step()
        times.append(time.process_time() - t0)
    return statistics.median(times[2:])


def main() -> None:
    torch.set_num_threads(1)
    env = environment()
    print(f"# {env['processor']}, torch {env.get('torch')}, 1 thread; {STEPS} steps, median")
    print(f"{'model':24s} {'params':>10s} {'foreach ms':>10s} {'fused ms':>9s} {'ratio':>6s} {'max |diff|':>10s}")
    recipes = {name: recipe(name) for name in ("best_sst2", "s003_lenet_mnist_l2", "best_mnist")}
    for name, (_, _, model) in recipes.items():
        g = torch.Generator().manual_seed(0)
        grads = [torch.randn(p.shape, generator=g) * 1e-2 for p in model.parameters()]
        slow, a = run(model, grads, foreach=True)
        fast, b = run(model, grads, fused=True)
        diff = max((x - y).abs().max().item() for x, y in zip(a.parameters(), b.parameters()))
        n = sum(p.numel() for p in model.parameters())
        print(f"{name:24s} {n:10d} {slow * 1e3:10.2f} {fast * 1e3:9.2f} {slow / fast:6.1f} {diff:10.1e}", flush=True)
    slow, fast = (training_steps(*recipes["best_sst2"], **kind) for kind in ({"foreach": True}, {"fused": True}))
    print(f"best_sst2 training step (forward, backward, Adam): foreach {slow * 1e3:.1f} ms, fused {fast * 1e3:.1f} ms, "
          f"ratio {slow / fast:.2f}")


if __name__ == "__main__":
    main()
