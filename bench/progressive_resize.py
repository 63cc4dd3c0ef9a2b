"""What progressive resizing saves: best_fashion's net, one SGD step at each image side, one thread.

For each side from 16 to 28 pixels, the median process CPU time of a training step (batch 128, channels-last,
as the trainer runs it) relative to 28 x 28, measured in interleaved rounds so that load on the machine hits
every size alike; then the cost in full-size epochs of a few ``training.progressive_resize`` schedules
(:func:`mllab.training.resize.epoch_size`) against the recipe's 14 full-size epochs.

    OMP_NUM_THREADS=1 python bench/progressive_resize.py
"""

from __future__ import annotations

import statistics
import time

import torch

from mllab.models.nets.vgg_bn import vgg_bn
from mllab.training.resize import epoch_size

SIZES, ROUNDS, STEPS, BATCH = (16, 18, 20, 22, 24, 26, 28), 5, 6, 128
SCHEDULES = {"14 epochs at 28 (the recipe)": (14, 0, 0.6), "19 epochs, 18 -> 28 over 60 %": (19, 18, 0.6),
             "20 epochs, 16 -> 28 over 60 %": (20, 16, 0.6), "20 epochs, 20 -> 28 over 50 %": (20, 20, 0.5)}


def step_seconds(model, opt, size: int) -> float:
    """Median CPU seconds of ``STEPS`` SGD steps on a random batch of ``size`` x ``size`` images."""
    x = torch.rand(BATCH, 1, size, size).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y, label_smoothing=0.1).backward()
        opt.step()

    step()
    times = []
    for _ in range(STEPS):
        t0 = time.process_time()
        step()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> None:
    torch.set_num_threads(1)
    model = vgg_bn((1, 28, 28), 10, widths=(16, 32, 64), convs=2, dropout=0.2).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    times: dict[int, list[float]] = {s: [] for s in SIZES}
    for _ in range(ROUNDS):
        for size in SIZES:
            times[size].append(step_seconds(model, opt, size))
    cost = {s: statistics.median(t) / statistics.median(times[28]) for s, t in times.items()}
    print(f"{'side':>4s} {'ms/step':>8s} {'x 28px':>7s} {'pixels':>7s}")
    for s in SIZES:
        print(f"{s:4d} {statistics.median(times[s]) * 1e3:8.1f} {cost[s]:7.3f} {(s / 28) ** 2:7.3f}")
    print(f"\n{'schedule':32s} {'full-size epochs of cost':>24s}  sizes")
    for name, (epochs, min_size, ramp) in SCHEDULES.items():
        sizes = [epoch_size(e, epochs=epochs, full=28, min_size=min_size, ramp=ramp) if min_size else 28
                 for e in range(epochs)]
        print(f"{name:32s} {sum(cost[s] for s in sizes):24.2f}  {sizes}")


if __name__ == "__main__":
    main()
