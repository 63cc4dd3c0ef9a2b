"""Terminal progress, as Keras and Lightning show it: a bar for the current epoch, one line per finished epoch.

The bar (tqdm, images done, running loss and accuracy, images/s) is drawn only on a terminal and cleared when
the epoch ends; the epoch's line (its number, train and validation metrics, time) stays, on a terminal or in a
log file. ``quiet`` silences both. Every engine that trains by epochs prints the same line
(:func:`epoch_line`): the torch trainer and the NumPy engine.

>>> epoch_line({"epoch": 3, "lr": 0.01, "train_loss": 0.41234, "train_accuracy": 0.875, "val_loss": 0.39,
...             "val_accuracy": 0.8833333, "seconds": 1.234, "images_per_s": 1500.0}, epochs=30)
'epoch  3/30  train_loss 0.4123  train_accuracy 0.8750  val_loss 0.3900  val_accuracy 0.8833  1.2 s'
"""

from __future__ import annotations

import sys
from typing import Any


def epoch_line(record: dict[str, Any], epochs: int) -> str:
    """One epoch's metrics line: ``epoch E/N``, then each ``train_`` and ``val_`` metric, then the time."""
    width = len(str(epochs))
    parts = [f"epoch {record['epoch']:>{width}}/{epochs}"]
    parts += [f"{k} {_number(v)}" for k, v in record.items() if k.startswith(("train_", "val_"))]
    if "seconds" in record:
        parts.append(f"{record['seconds']:.1f} s")
    return "  ".join(parts)


def _number(value: Any) -> str:
    """4 decimals for metrics in [0, 10) (losses, accuracies), 4 significant digits otherwise (PSNR, big losses)."""
    if isinstance(value, float) and abs(value) < 10:
        return f"{value:.4f}"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def print_epoch(record: dict[str, Any], epochs: int, quiet: bool = False) -> None:
    """Write :func:`epoch_line` to stderr, where the bar is (unless ``quiet``)."""
    if quiet:
        return
    from tqdm import tqdm

    tqdm.write(epoch_line(record, epochs), file=sys.stderr)


class EpochBar:
    """A thin tqdm wrapper for the current epoch; ``quiet`` or a non-TTY stderr disables it."""

    def __init__(self, total: int, epoch: int, epochs: int, quiet: bool = False):
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"epoch {epoch}/{epochs}", unit="img", unit_scale=True,
                            leave=False, dynamic_ncols=True)

    def wants_postfix(self, batch: int, every: int = 20) -> bool:
        """Whether to refresh the loss/accuracy shown (reading them costs a device sync)."""
        return self.bar is not None and batch % every == 0

    def update(self, n: int, **postfix: float) -> None:
        if self.bar is not None:
            self.bar.update(n)
            if postfix:
                self.bar.set_postfix({k: f"{v:.4g}" for k, v in postfix.items()}, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
