"""Step CPU time of best_fashion's candidate nets at one thread: what fits 10 CPU-minutes per seed (issue 19).

Each vgg_bn candidate takes ``STEPS`` timed SGD steps (after two warm-up steps) on random 1x28x28 batches in
channels-last layout, as the trainer runs it; the median step's process CPU time per image, and the epochs
of 54 000 training images (a 10 % validation split cut from Fashion-MNIST's 60 000) that 600 CPU-s buy,
leaving out evaluation.

    OMP_NUM_THREADS=1 python bench/fashion_budget.py
"""

from __future__ import annotations

import statistics
import time

import torch

from mllab.models.nets.vgg_bn import vgg_bn

BUDGET, TRAIN, STEPS = 600, 54_000, 7
CANDIDATES = {"16-32-64 x2 (the recipe)": ((16, 32, 64), 2), "32-64-128 x1": ((32, 64, 128), 1),
              "20-40-80 x2": ((20, 40, 80), 2), "24-48-96 x2": ((24, 48, 96), 2), "32-64-128 x2": ((32, 64, 128), 2),
              "16-32-64 x[1,2,2]": ((16, 32, 64), [1, 2, 2]), "16-32-64 x[1,3,3]": ((16, 32, 64), [1, 3, 3]),
              "16-48-96 x[1,2,2]": ((16, 48, 96), [1, 2, 2])}


def image_seconds(widths, convs, batch: int) -> float:
    """Median CPU seconds per image of one SGD step of vgg_bn(widths, convs) on a batch of ``batch``."""
    x = torch.rand(batch, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,))
    model = vgg_bn((1, 28, 28), 10, widths=widths, convs=convs, dropout=0.2).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    times = []
    for i in range(STEPS + 2):
        t0 = time.process_time()
        step()
        if i >= 2:
            times.append(time.process_time() - t0)
    return statistics.median(times) / batch


def main() -> None:
    torch.set_num_threads(1)
    print(f"{'candidate':26s} {'batch':>5s} {'ms/image':>8s} {'epochs in 600 CPU-s':>20s}")
    for name, (widths, convs) in CANDIDATES.items():
        for batch in (128, 256) if name.endswith("(the recipe)") else (128,):
            s = image_seconds(widths, convs, batch)
            print(f"{name:26s} {batch:5d} {s * 1e3:8.3f} {BUDGET / (s * TRAIN):20.1f}", flush=True)


if __name__ == "__main__":
    main()
