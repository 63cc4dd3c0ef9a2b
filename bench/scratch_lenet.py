"""Scratch engine vs PyTorch on CPU: the same training, run alternately in one process.

Both engines start from the same weights and see the same shuffled samples, in float32, with the same
number of threads for NumPy's BLAS and for torch. Scratch and torch runs alternate REPEATS times (after a
short warm-up of each) and the medians are compared; the ratio scratch / torch of the wall times is the
result, printed with the ratio of CPU times (less disturbed when other jobs share the machine). The scratch
side is ``mllab.scratch.train.fit_epoch`` as a user runs it (non-finite checks on). Workloads:

- default: one epoch of LeNet-5 on the 60,000 MNIST training images (batch 128, SGD lr 0.01 momentum 0.9,
  cross-entropy). Target: ratio <= 1.
- ``--report004 N``: what report 004 timed (72 s per epoch, Xeon Gold 6140): one epoch of per-sample SGD
  (lr 1e-3) of its architecture A (16 7x7 filters -> 10, tanh slope 0.5, 1/2 SSE loss) on N training
  images, then testing on N test images.
- ``--report002 N``: report 002's NumPy MLP (784-64 sigmoid-10, softmax cross-entropy, SGD lr 2e-3
  momentum 0.9, batch 5): one epoch on N training images.

    MLLAB_DATA=/work/shared/data .venv/bin/python bench/scratch_lenet.py [--repeats 5] [--threads 1]
    # quicker: time the first 100 batches and extrapolate to the 469 of an epoch
    MLLAB_DATA=/work/shared/data .venv/bin/python bench/scratch_lenet.py --batches 100
    MLLAB_DATA=/work/shared/data .venv/bin/python bench/scratch_lenet.py --report004 5000
    MLLAB_DATA=/work/shared/data .venv/bin/python bench/scratch_lenet.py --report002 20000
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as TF
from threadpoolctl import threadpool_info, threadpool_limits
from torch import nn

from mllab.data import load
from mllab.data.transforms import apply_transforms
from mllab.scratch.models import SCRATCH_MODELS
from mllab.scratch.optim import SGD
from mllab.scratch.train import evaluate, fit_epoch

BATCH, LR, MOMENTUM = 128, 0.01, 0.9
Run = Callable[[], float]  # runs the timed work, returns the mean training loss


class Slope(nn.Module):
    """act(slope * x): report 004's activations with a slope."""

    def __init__(self, fn, slope: float):
        super().__init__()
        self.fn, self.slope = fn, slope

    def forward(self, x):
        return self.fn(self.slope * x)


def torch_lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def torch_cnn004_a() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 16, 7), Slope(torch.tanh, 0.5), nn.Flatten(), nn.Linear(16 * 22 * 22, 10),
                         Slope(torch.tanh, 0.5))


def torch_mlp002() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.Sigmoid(), nn.Linear(64, 10))


def half_sse(out, y):
    """Report 004's 1/2 sum of squared errors against one-hot targets, averaged over the batch."""
    return 0.5 * ((out - TF.one_hot(y, out.shape[1]).to(out.dtype)) ** 2).sum() / len(y)


def torch_epoch(model, opt, x, y, order, batch: int = BATCH, loss_fn=TF.cross_entropy) -> float:
    """The loop a person writes by hand; returns the mean training loss."""
    model.train()
    total = 0.0
    for start in range(0, len(order), batch):
        idx = torch.from_numpy(order[start:start + batch])
        loss = loss_fn(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    return total / len(order)


def torch_test_loss(model, x, y, loss_fn, batch: int = 1000) -> float:
    model.eval()
    with torch.no_grad():
        return sum(float(loss_fn(model(x[s:s + batch]), y[s:s + batch])) * len(x[s:s + batch])
                   for s in range(0, len(x), batch)) / len(x)


def torch_accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def same_weights(scratch, reference: nn.Module) -> None:
    with torch.no_grad():
        for p, q in zip(scratch.parameters(), reference.parameters()):
            q.copy_(torch.from_numpy(p.data))


def machine() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    blas = ", ".join(f"{i['internal_api']} {i['version']}" for i in threadpool_info() if i["user_api"] == "blas")
    return (f"{cpu}; Python {platform.python_version()}, numpy {np.__version__} ({blas}), "
            f"torch {torch.__version__}")


def lenet(ds, n: int, seed: int) -> tuple[Run, Run, object]:
    """One epoch (or its first n images) of LeNet-5, batch 128, SGD momentum, cross-entropy."""
    x, y = ds.train.x[:n], ds.train.y[:n].astype(np.int64)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    scratch, reference = SCRATCH_MODELS.get("lenet5")((1, 28, 28), 10, seed=seed), torch_lenet5()
    same_weights(scratch, reference)
    order = np.random.default_rng(seed).permutation(n)  # = the order fit_epoch draws from the same seed
    s_opt = SGD(scratch.parameters(), lr=LR, momentum=MOMENTUM)
    t_opt = torch.optim.SGD(reference.parameters(), lr=LR, momentum=MOMENTUM)
    return (lambda: fit_epoch(scratch, s_opt, x, y, batch_size=BATCH, rng=np.random.default_rng(seed))["loss"],
            lambda: torch_epoch(reference, t_opt, xt, yt, order), (scratch, reference))


def report004(ds, n: int, seed: int) -> tuple[Run, Run, object]:
    """Per-sample SGD (lr 1e-3) of report 004's arch A on n images, then a test pass on n test images."""
    x, y = ds.train.x[:n], ds.train.y[:n].astype(np.int64)
    tx, ty = ds.test.x[:n], ds.test.y[:n].astype(np.int64)
    scratch = SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10, activation="tanh", activation_param=0.5, seed=seed)
    reference = torch_cnn004_a()
    same_weights(scratch, reference)
    order = np.random.default_rng(seed).permutation(n)
    s_opt, t_opt = SGD(scratch.parameters(), lr=1e-3), torch.optim.SGD(reference.parameters(), lr=1e-3)

    def scratch_run() -> float:
        loss = fit_epoch(scratch, s_opt, x, y, batch_size=1, rng=np.random.default_rng(seed), loss="half_sse")
        evaluate(scratch, tx, ty, loss="half_sse")
        return loss["loss"]

    def torch_run() -> float:
        loss = torch_epoch(reference, t_opt, torch.from_numpy(x), torch.from_numpy(y), order, 1, half_sse)
        torch_test_loss(reference, torch.from_numpy(tx), torch.from_numpy(ty), half_sse)
        return loss
    return scratch_run, torch_run, None


def report002(ds, n: int, seed: int) -> tuple[Run, Run, object]:
    """Report 002's MLP (784-64 sigmoid-10), SGD lr 2e-3 momentum 0.9, batch 5, one epoch on n images."""
    x, y = ds.train.x[:n], ds.train.y[:n].astype(np.int64)
    scratch = SCRATCH_MODELS.get("mlp")((1, 28, 28), 10, hidden=[64], activation="sigmoid", seed=seed)
    reference = torch_mlp002()
    same_weights(scratch, reference)
    order = np.random.default_rng(seed).permutation(n)
    s_opt = SGD(scratch.parameters(), lr=2e-3, momentum=MOMENTUM)
    t_opt = torch.optim.SGD(reference.parameters(), lr=2e-3, momentum=MOMENTUM)
    return (lambda: fit_epoch(scratch, s_opt, x, y, batch_size=5, rng=np.random.default_rng(seed))["loss"],
            lambda: torch_epoch(reference, t_opt, torch.from_numpy(x), torch.from_numpy(y), order, 5), None)


def alternate(build, ds, n: int, repeats: int, scale: float) -> tuple[dict, object]:
    """Warm both engines up, then time scratch and torch alternately; returns the times and the last models."""
    for run in build(ds, min(n, 640), 0)[:2]:  # first-call setup (oneDNN, BLAS buffers) outside the timing
        run()
    times: dict[str, list[float]] = {"scratch": [], "torch": [], "scratch cpu": [], "torch cpu": []}
    for r in range(repeats):
        scratch_run, torch_run, models = build(ds, n, r)
        losses = {}
        for name, run in (("scratch", scratch_run), ("torch", torch_run)):
            t0, c0 = time.perf_counter(), time.process_time()
            losses[name] = run()
            times[name].append((time.perf_counter() - t0) * scale)
            times[f"{name} cpu"].append((time.process_time() - c0) * scale)
        print(f"repeat {r}: scratch {times['scratch'][-1]:.2f} s (train loss {losses['scratch']:.4f}), "
              f"torch {times['torch'][-1]:.2f} s (train loss {losses['torch']:.4f})", flush=True)
    return times, models


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", type=int, default=0,
                    help="LeNet-5: time only this many batches and extrapolate (0: a full epoch)")
    ap.add_argument("--report004", type=int, default=0, metavar="N",
                    help="time report 004's per-sample epoch on N train + N test images instead")
    ap.add_argument("--report002", type=int, default=0, metavar="N",
                    help="time report 002's MLP (batch 5) for one epoch on N train images instead")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ds = apply_transforms(load("mnist"), ["scale"])  # float32 in [0, 1], (N, 1, 28, 28)
    total = len(ds.train.x)
    if args.report004:
        build, n, what = report004, args.report004, f"report 004 arch A, per-sample SGD on {args.report004} " \
            f"+ test on {args.report004} MNIST images (the report: 72 s/epoch)"
    elif args.report002:
        build, n, what = report002, args.report002, f"report 002 MLP 784-64-10, batch 5, {args.report002} images"
    else:
        n = total if args.batches == 0 else min(total, args.batches * BATCH)
        build, what = lenet, ("LeNet-5, MNIST 60,000 train images, batch 128, SGD momentum; " +
                              ("one epoch" if n == total else f"{n // BATCH} batches extrapolated to one epoch"))
    scale = total / n if build is lenet else 1.0
    with threadpool_limits(limits=args.threads):
        times, models = alternate(build, ds, n, args.repeats, scale)
        if build is lenet:
            test_x, test_y = ds.test.x, ds.test.y.astype(np.int64)
            s_acc = evaluate(models[0], test_x, test_y)["accuracy"]
            t_acc = torch_accuracy(models[1], torch.from_numpy(test_x), torch.from_numpy(test_y))

    s_med, t_med = statistics.median(times["scratch"]), statistics.median(times["torch"])
    print(f"\n{what}; float32, {args.threads} thread(s); median of {args.repeats}")
    print(f"scratch (numpy): {s_med:.2f} s   runs: {', '.join(f'{t:.2f}' for t in times['scratch'])}")
    print(f"torch (CPU):     {t_med:.2f} s   runs: {', '.join(f'{t:.2f}' for t in times['torch'])}")
    ratios = [s / t for s, t in zip(times["scratch"], times["torch"])]
    print(f"ratio scratch/torch: {s_med / t_med:.2f} (per repeat: {', '.join(f'{q:.2f}' for q in ratios)})")
    s_cpu, t_cpu = statistics.median(times["scratch cpu"]), statistics.median(times["torch cpu"])
    print(f"CPU time (all threads of the process; less disturbed by other jobs on a shared machine): "
          f"scratch {s_cpu:.2f} s, torch {t_cpu:.2f} s, ratio {s_cpu / t_cpu:.2f}")
    if build is lenet:
        print(f"test accuracy after the last repeat: scratch {s_acc:.4f}, torch {t_acc:.4f}")
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
