"""Scratch engine vs PyTorch: one epoch of LeNet-5 on the 60,000 MNIST training images (CPU).

Both start from the same weights and see the same shuffled batches (batch 128,
SGD lr 0.01 momentum 0.9, cross-entropy, float32), with the same number of
threads for NumPy's BLAS and for torch. The two are run alternately REPEATS
times and the medians compared. The scratch epoch is ``mllab.scratch.train.fit_epoch``
as a user runs it (non-finite checks on). Target: ratio scratch / torch <= 3.

    MLLAB_DATA=/work/shared/data .venv/bin/python bench/scratch_lenet.py [--repeats 3] [--threads 1]
    # quicker: time the first 100 batches and extrapolate to the 469 of an epoch
    MLLAB_DATA=/work/shared/data .venv/bin/python bench/scratch_lenet.py --batches 100

``--report004 N`` times instead what report 004 timed (72 s per epoch, Xeon Gold 6140):
one epoch of per-sample SGD of its architecture A (16 7x7 filters -> 10, tanh slope 0.5,
1/2 SSE loss) on N training images, plus testing on N test images.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

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


def torch_lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def torch_epoch(model, opt, x, y, order) -> float:
    """The loop a person writes by hand; returns the mean training loss."""
    model.train()
    total = 0.0
    for start in range(0, len(order), BATCH):
        idx = torch.from_numpy(order[start:start + BATCH])
        loss = TF.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    return total / len(order)


def torch_accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def machine() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    blas = ", ".join(f"{i['internal_api']} {i['version']}" for i in threadpool_info() if i["user_api"] == "blas")
    return (f"{cpu}; Python {platform.python_version()}, numpy {np.__version__} ({blas}), "
            f"torch {torch.__version__}")


def report004_epoch(ds, n: int, repeats: int) -> None:
    """Per-sample SGD epoch of report 004's architecture A on n images, then a test pass on n images."""
    x, y = ds.train.x[:n], ds.train.y[:n].astype(np.int64)
    times = []
    for r in range(repeats):
        net = SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10, activation="tanh", activation_param=0.5, seed=r)
        t0 = time.perf_counter()
        train = fit_epoch(net, SGD(net.parameters(), lr=1e-3), x, y, batch_size=1, rng=np.random.default_rng(r),
                          loss="half_sse")
        test = evaluate(net, ds.test.x[:n], ds.test.y[:n].astype(np.int64), loss="half_sse")
        times.append(time.perf_counter() - t0)
        print(f"repeat {r}: {times[-1]:.2f} s (train acc {train['accuracy']:.3f}, test acc {test['accuracy']:.3f})")
    print(f"\nreport 004 arch A, per-sample SGD on {n} + test on {n} MNIST images: "
          f"{statistics.median(times):.2f} s/epoch (median of {repeats}); the report: 72 s/epoch")
    print(f"machine: {machine()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", type=int, default=0,
                    help="time only this many batches and extrapolate (0: a full epoch)")
    ap.add_argument("--report004", type=int, default=0, metavar="N",
                    help="time report 004's per-sample epoch on N train + N test images instead")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ds = apply_transforms(load("mnist"), ["scale"])  # float32 in [0, 1], (N, 1, 28, 28)
    if args.report004:
        with threadpool_limits(limits=args.threads):
            return report004_epoch(ds, args.report004, args.repeats)
    x, y = ds.train.x, ds.train.y.astype(np.int64)
    n = len(x) if args.batches == 0 else min(len(x), args.batches * BATCH)
    scale = len(x) / n  # extrapolation factor to a full epoch (1 for a full epoch)
    x, y = x[:n], y[:n]
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    times = {"scratch": [], "torch": []}
    with threadpool_limits(limits=args.threads):
        warm, warm_ref = SCRATCH_MODELS.get("lenet5")((1, 28, 28), 10), torch_lenet5()  # first-call setup (oneDNN)
        fit_epoch(warm, SGD(warm.parameters(), lr=LR), x[:5 * BATCH], y[:5 * BATCH], rng=np.random.default_rng(0))
        torch_epoch(warm_ref, torch.optim.SGD(warm_ref.parameters(), lr=LR), xt, yt, np.arange(5 * BATCH))
        for r in range(args.repeats):
            scratch = SCRATCH_MODELS.get("lenet5")((1, 28, 28), 10, seed=r)
            reference = torch_lenet5()
            with torch.no_grad():  # same initial weights
                for p, q in zip(scratch.parameters(), reference.parameters()):
                    q.copy_(torch.from_numpy(p.data))
            order = np.random.default_rng(r).permutation(n)  # = the order fit_epoch draws from the same seed

            t0 = time.perf_counter()
            s_metrics = fit_epoch(scratch, SGD(scratch.parameters(), lr=LR, momentum=MOMENTUM), x, y,
                                  batch_size=BATCH, rng=np.random.default_rng(r))
            times["scratch"].append((time.perf_counter() - t0) * scale)

            t0 = time.perf_counter()
            t_loss = torch_epoch(reference, torch.optim.SGD(reference.parameters(), lr=LR, momentum=MOMENTUM),
                                 xt, yt, order)
            times["torch"].append((time.perf_counter() - t0) * scale)
            print(f"repeat {r}: scratch {times['scratch'][-1]:.2f} s (train loss {s_metrics['loss']:.4f}), "
                  f"torch {times['torch'][-1]:.2f} s (train loss {t_loss:.4f})", flush=True)

        test_x, test_y = ds.test.x, ds.test.y.astype(np.int64)
        s_acc = evaluate(scratch, test_x, test_y)["accuracy"]
        t_acc = torch_accuracy(reference, torch.from_numpy(test_x), torch.from_numpy(test_y))

    s_med, t_med = statistics.median(times["scratch"]), statistics.median(times["torch"])
    what = "one epoch" if scale == 1 else f"{n // BATCH} batches x {scale:.2f} (extrapolated to one epoch)"
    print(f"\nLeNet-5, MNIST 60,000 train images, batch {BATCH}, SGD momentum, float32, {args.threads} thread(s); "
          f"{what}; median of {args.repeats}")
    print(f"scratch (numpy): {s_med:.2f} s/epoch   runs: {', '.join(f'{t:.2f}' for t in times['scratch'])}")
    print(f"torch (CPU):     {t_med:.2f} s/epoch   runs: {', '.join(f'{t:.2f}' for t in times['torch'])}")
    print(f"ratio scratch/torch: {s_med / t_med:.2f} (target <= 3)")
    print(f"test accuracy after the last repeat: scratch {s_acc:.4f}, torch {t_acc:.4f}")
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
