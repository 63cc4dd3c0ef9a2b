"""Ray's per-trial overhead against the local executor, on the same sweep.

The sweep has report 003's shape made cheap: the demo recipe, a 2 x 2 grid (learning rate x epochs) x 2 seeds
= 8 trials, figures off. Each repeat runs it, each time into a fresh folder, on: the local process pool
(``local``: spawns its workers for the sweep), Ray as the CLI runs it (``ray-cold``: a local Ray on
127.0.0.1 started and stopped by the sweep), and an already running local Ray (``ray-warm``: its workers
kept between sweeps, as on a cluster). The tables must be equal. Overhead per trial = (Ray wall - local
wall) / trials; medians over the repeats.

    OMP_NUM_THREADS=1 .venv/bin/python bench/sweep_executors.py [--repeats 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import ray
import torch

from mllab.runs.rundir import environment
from mllab.sweep.sweep import run_sweep

OVERRIDES = ["output.figures=false", "training.batch_size=128"]
GRID = ["optimizer.lr=0.003,0.01", "training.epochs=2,4"]
SEEDS = 2


def one(kind: str, root: Path, workers: int) -> tuple[float, str]:
    warm = kind == "ray-warm"
    if warm and not ray.is_initialized():
        ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        one("ray-warm", root / "warm-up", workers)  # workers started and imports done, as on a running cluster
    elif not warm and ray.is_initialized():
        ray.shutdown()
    t0 = time.perf_counter()
    result = run_sweep("demo", OVERRIDES, GRID, seeds=SEEDS, executor=kind.split("-")[0], workers=workers, out=root)
    wall = time.perf_counter() - t0
    assert all(t["status"] == "completed" for t in result["trials"]), kind
    return wall, (result["folder"] / "table.csv").read_text()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    trials = 2 * 2 * SEEDS
    kinds = ("local", "ray-cold", "ray-warm")
    walls: dict[str, list[float]] = {k: [] for k in kinds}
    tables: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for kind in kinds:
                wall, table = one(kind, Path(tmp) / f"{kind}{r}", args.workers)
                walls[kind].append(wall)
                tables.add(table)
                print(f"repeat {r} {kind}: {wall:.1f} s", flush=True)
    ray.shutdown()
    env = environment()
    print(f"machine: {env['processor']}, {env['cpu_count']} CPUs; python {env['python']}, torch {torch.__version__}, "
          f"ray {ray.__version__}")
    print(f"{trials} trials, {args.workers} workers, {args.repeats} repeats; all tables equal: {len(tables) == 1}")
    local = statistics.median(walls["local"])
    for kind in kinds:
        m = statistics.median(walls[kind])
        print(f"{kind:9s} median {m:5.1f} s ({m / trials:.2f} s/trial), ratio to local {m / local:.2f}, "
              f"overhead per trial vs local {(m - local) / trials:+.2f} s")
    print(next(iter(tables)))

if __name__ == "__main__":
    main()
