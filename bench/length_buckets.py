"""Length buckets (``training.bucket_by_length``) vs plain shuffled batches: one BiLSTM of best_sst2.

The same untrained member of best_sst2's ensemble (a BiLSTM over word + char-n-gram vectors) trains on the same
1/8 of SST-2's training phrases, batch 64, fused Adam, batches trimmed to their longest phrase as the trainer
does, once in plain shuffled batches and once in length buckets (runs of POOL batches sorted by length); the
two alternate REPEATS times and the median process CPU times are compared. Also printed: the recurrence steps
of a whole epoch (sum over batches of the longest phrase) each way, which is what the buckets save.

best_sst2 reads GloVe: MLLAB_DATA must reach it (``mllab data fetch glove6b_100d``).

    OMP_NUM_THREADS=1 MLLAB_DATA=... .venv/bin/python bench/length_buckets.py [--repeats 3] [--pool 50]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from mllab.experiments.features import prepare_data
from mllab.experiments.recipes import config_for
from mllab.runs.rundir import environment
from mllab.runs.spec import spec_for
from mllab.training.batching import epoch_batches, token_lengths
from mllab.training.trainer import trim_padding

BATCH = 64


def member(cfg, splits) -> torch.nn.Module:
    """best_sst2's first ensemble member, untrained, with the same initial weights at every call."""
    torch.manual_seed(0)
    return spec_for(cfg, splits.train.x.shape[1:], splits.dataset.num_classes, splits.dataset.info).build().members[0]


def epoch_seconds(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batches: list[torch.Tensor]) -> float:
    """Process CPU seconds of one pass of forward, NLL, backward and fused Adam step over ``batches``."""
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    t0 = time.process_time()
    for idx in batches:
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.nll_loss(model(trim_padding(x[idx])), y[idx]).backward()
        opt.step()
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pool", type=int, default=50)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = config_for("best_sst2")
    splits = prepare_data(cfg.data)
    x, y = torch.as_tensor(splits.train.x), torch.as_tensor(splits.train.y).long()
    lengths = token_lengths(x)
    env = environment()
    print(f"# {env['processor']}, torch {env.get('torch')}, 1 thread; {len(x)} training phrases, batch {BATCH}, "
          f"pool {args.pool}")
    for name, pool in (("plain", 0), ("buckets", args.pool)):
        whole = epoch_batches(len(x), BATCH, torch.Generator().manual_seed(0), lengths=lengths, pool=pool)
        print(f"{name:8s} recurrence steps per epoch: {sum(int(lengths[b].max()) for b in whole)}")
    sub = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[: len(x) // 8]
    xs, ys, ls = x[sub], y[sub], lengths[sub]
    times = {"plain": [], "buckets": []}
    for r in range(args.repeats):
        for name, pool in (("plain", 0), ("buckets", args.pool)):
            batches = epoch_batches(len(xs), BATCH, torch.Generator().manual_seed(r), lengths=ls, pool=pool)
            times[name].append(epoch_seconds(member(cfg, splits), xs, ys, batches))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"1/8 epoch ({len(xs)} phrases), median of {args.repeats}: plain {med['plain']:.2f} CPU-s, "
          f"buckets {med['buckets']:.2f} CPU-s, ratio {med['plain'] / med['buckets']:.2f}")


if __name__ == "__main__":
    main()
