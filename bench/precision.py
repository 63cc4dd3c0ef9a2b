"""bf16 autocast vs float32: one training step of each net, in one process.

For every model: the same weights and batch (128 random 28x28 grey images; SqueezeNet 64x64 RGB),
SGD with momentum, forward (under bfloat16 autocast or not, as ``training.precision`` runs it) +
backward + step, in the memory layout the trainer picks for the net (channels-last for conv nets
without transposed convs). The two precisions alternate REPEATS times, each timing the median of
STEPS steps after a warm-up step; the medians are compared. The gain depends on the CPU's bf16
units (AMX tiles, AVX512-BF16), printed with the machine.

    .venv/bin/python bench/precision.py [--repeats 5] [--steps 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import copy
import statistics

import torch
from _step import MODELS_TIMED, batch, machine_line, step_seconds

from mllab.models.registry import MODELS
from mllab.training.memory_format import as_channels_last, wants_channels_last

# label -> (registered model, its params): the conv nets of bench/memory_format.py and report 000's Table III/VII nets
NETS = {**{name: (name, {}) for name in MODELS_TIMED},
        "rnn (lstm, 3 layers)": ("rnn", {"cell": "lstm", "layers": 3}),
        "rnn (vanilla, 3 layers)": ("rnn", {"cell": "rnn", "layers": 3}),
        "lstm_residual": ("lstm_residual", {}), "mlp_table3": ("mlp_table3", {})}


def compare(label: str, repeats: int, steps: int) -> dict[str, float]:
    name, params = NETS[label]
    torch.manual_seed(0)
    x, y = batch(name)
    base = MODELS.get(name)(tuple(x.shape[1:]), 10, **params)
    if wants_channels_last(base, None):
        base, x = base.to(memory_format=torch.channels_last), as_channels_last(x)
    times = {"fp32": [], "bf16": []}
    for _ in range(repeats):
        for precision in times:
            try:
                times[precision].append(step_seconds(copy.deepcopy(base), x, y, steps, precision))
            except RuntimeError as err:  # e.g. oneDNN has no bf16 LSTM on a CPU without bf16 units
                return {"error": str(err).split(". ")[0]}
    med = {k: statistics.median(v) for k, v in times.items()}
    return {**med, "speedup": med["fp32"] / med["bf16"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--models", nargs="*", default=list(NETS), choices=list(NETS), metavar="LABEL")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print("| model | fp32 step (s) | bf16 step (s) | speed-up |")
    print("|---|---:|---:|---:|")
    for label in args.models:
        r = compare(label, args.repeats, args.steps)
        row = (f"{r['fp32']:.3f} | {r['bf16']:.3f} | {r['speedup']:.2f}x" if "error" not in r
               else f"- | fails: {r['error']} | -")
        print(f"| `{label}` | {row} |", flush=True)
    print("\n" + machine_line(args.threads, args.repeats, args.steps))


if __name__ == "__main__":
    main()
