"""Terminal progress: one bar per epoch (loss, accuracy, images/s); silent off a TTY."""

from __future__ import annotations

import sys


class EpochBar:
    """A thin tqdm wrapper; ``quiet`` or a non-TTY stderr disables it."""

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
