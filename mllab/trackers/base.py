"""The interface every tracker implements, and its errors.

>>> issubclass(MissingExtraError, TrackerError)
True
"""

from __future__ import annotations

from typing import Any

from mllab.core.errors import MllabError


class TrackerError(MllabError):
    """A tracker refused what mllab sent it, or cannot be reached; the message names it."""


class MissingExtraError(TrackerError, ImportError):
    """The optional package a tracker needs is not installed."""


def missing_extra(kind: str, package: str) -> MissingExtraError:
    return MissingExtraError(f"{kind} needs the '{package}' package, which is not installed: install with "
                             f"pip install 'mllab[{kind}]'")


class Tracker:
    """One run in one tracker. Subclasses write; the caller decides what (:mod:`mllab.trackers.content`)."""

    kind = "tracker"

    def ref(self) -> dict[str, Any]:
        """What opens this same run again (kept in the run folder, so a resumed run goes on in it)."""
        return {}

    def start(self, params: dict[str, Any], tags: dict[str, str]) -> None:
        """Hyper-parameters (bool, int, float or str values) and tags (str)."""

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Scalars at ``step`` (an epoch)."""

    def image(self, tag: str, png: bytes, step: int) -> None:
        """A PNG image (``png`` is the file's bytes) under ``tag``."""

    def close(self, status: str | None = None) -> None:
        """Flush and let go; with a ``status`` (the run's: completed, failed, interrupted, diverged) also mark
        the tracker's run ended."""

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, kind, err, tb) -> None:
        self.close("completed" if kind is None else "failed")
