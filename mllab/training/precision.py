"""Mixed precision for the training step: the forward pass under bfloat16 autocast.

With ``training.precision: bf16`` the matrix products and convolutions of the
forward pass (and so of the backward pass) run in bfloat16, while weights,
gradients, optimizer state, the loss and every evaluation stay float32. On CPUs
with AMX tiles (Intel Sapphire Rapids and later) oneDNN runs those in hardware:
NiN and LeNet-5 train 2.4-2.7x faster per step at one thread (the 3-layer LSTM
3.3x), while depthwise convolutions (MobileNetV3) get slower. A CPU without
native bf16 units (AVX512-BF16 or AMX) is refused: on an AMD EPYC with AVX2 only,
the benched nets' steps ran 6-33x slower than float32 and oneDNN has no bf16 LSTM.
See ``bench/precision.py`` and bench/RESULTS.md. Off by default: the faithful
recipes train in float32, as the reports did.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch

from mllab.core.errors import MllabError
from mllab.training.features import FEATURES, TrainingFeature

PRECISIONS = ("fp32", "bf16")


class PrecisionError(MllabError, RuntimeError):
    """The asked precision cannot run (fast, or at all) on this device."""


def cpu_bf16_units() -> list[str]:
    """The CPU's native bfloat16 units torch can use: ``avx512_bf16`` and/or ``amx`` (empty: none)."""
    probes = {"avx512_bf16": "_is_avx512_bf16_supported", "amx": "_is_amx_tile_supported"}
    return [unit for unit, probe in probes.items() if getattr(torch.cpu, probe, lambda: False)()]


def check_precision(device: torch.device, precision: str) -> None:
    """Refuse ``bf16`` where the device has no bfloat16 units (a CUDA GPU without, a CPU without AVX512-BF16/AMX)."""
    if precision != "bf16":
        return
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise PrecisionError(f"training.precision: bf16 asked, but {torch.cuda.get_device_name(device)} has no "
                             "bfloat16 support; use training.precision=fp32")
    if device.type == "cpu" and not cpu_bf16_units():
        capability = torch.backends.cpu.get_cpu_capability()
        raise PrecisionError(f"training.precision: bf16 asked, but this CPU ({capability}) has no bfloat16 units "
                             f"(AVX512-BF16 or AMX): emulated bf16 ran 6-33x slower than float32 and LSTMs fail "
                             f"in oneDNN (bench/RESULTS.md); use training.precision=fp32")


def autocast(device: torch.device, precision: str):
    """The context the forward pass runs in: bf16 autocast, or nothing for fp32.

    >>> with autocast(torch.device("cpu"), "bf16"):
    ...     (torch.ones(2, 2) @ torch.ones(2, 2)).dtype
    torch.bfloat16
    """
    if precision not in PRECISIONS:
        raise ValueError(f"training.precision: expected one of {PRECISIONS}, found {precision!r}")
    return torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16" else nullcontext()


def to_float32(out: Any) -> Any:
    """A model output (a tensor, or a tuple of them such as a VAE's named tuple) with floating tensors in float32."""
    if torch.is_tensor(out):
        return out.float() if out.is_floating_point() else out
    if isinstance(out, (tuple, list)):
        items = [to_float32(o) for o in out]
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)
    return out


class BFloat16(TrainingFeature):
    """``training.precision: bf16``: the trainer's training forward pass under :func:`autocast`; refused at
    construction on a device without bfloat16 units."""

    def setup(self, trainer) -> None:
        check_precision(trainer.device, "bf16")
        forward = trainer.train_forward

        def bf16_forward(xb):
            with autocast(trainer.device, "bf16"):
                return to_float32(forward(xb))

        trainer.train_forward = bf16_forward


@FEATURES.register("training.precision", order=20)
def bfloat16(training) -> BFloat16 | None:
    """The training forward pass in bfloat16 (weights, loss and evaluation stay float32)."""
    return BFloat16() if training.precision == "bf16" else None
