"""The run directory: the unit of record (DESIGN.md).

::

    runs/<experiment>/<group>/seed<k>/
        config.yaml        resolved config (rebuilds the run)
        env.json           versions, machine, device, command
        metrics.jsonl      one JSON line per epoch
        model.json         what rebuilds the model (engine, name, input shape, classes, params)
        checkpoints/       last (every epoch), best (by training.select): in the format model.json names
        predictions.npz    test labels and predictions (for figures)
        figures/           PNGs drawn from the files above
        summary.json       final metrics, status, times
        report.html

Every write is atomic (temp file + rename): a killed run leaves the last
complete version of each file. Checkpoints load with ``weights_only=True``.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
from pathlib import Path
from typing import Any

import mllab.runs.checkpoints as checkpoints
from mllab.core.errors import NotARunError
from mllab.core.files import atomic_write_text, overwrite_in_place, writing

log = logging.getLogger(__name__)


class RunDir:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def figures(self) -> Path:
        return self.path / "figures"

    def create(self) -> "RunDir":
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        self.figures.mkdir(exist_ok=True)
        return self

    # --- config, environment, summary -------------------------------------------------
    def write_config(self, cfg) -> None:
        atomic_write_text(self.path / "config.yaml", cfg.to_yaml())

    def read_config(self):
        """The run's resolved config (a :class:`~mllab.runs.config.RunConfig`)."""
        from mllab.core.yamlfile import read_yaml
        from mllab.runs.config import resolve_config

        path = self.path / "config.yaml"
        if not path.is_file():
            raise NotARunError(not_a_run(self.path))
        return resolve_config(read_yaml(path))

    def write_env(self, extra: dict[str, Any]) -> None:
        atomic_write_text(self.path / "env.json", json.dumps({**environment(), **extra}, indent=2))

    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_text(self.path / "summary.json", json.dumps(summary, indent=2, default=str))

    def write_status(self, summary: dict[str, Any]) -> bool:
        """Best effort, for the end of a run that may be failing because the disk is full: ``write_summary``,
        else the summary rewritten in the blocks of the one before (which needs no free space when it is no
        longer), else nothing (a run whose summary still says "running" is told by its dead owner:
        :func:`mllab.runs.liveness.status`). Returns whether the summary was written."""
        try:
            self.write_summary(summary)
            return True
        except Exception as first:  # noqa: BLE001 - best effort: the caller raises the run's own error
            compact = json.dumps(summary, separators=(",", ":"), default=str).encode()
            try:
                overwrite_in_place(self.path / "summary.json", compact)
                return True
            except Exception as err:  # noqa: BLE001
                log.info("%s: summary.json not updated (%s; then %s)", self.path, first, err)
        return False

    def write_error(self, message: str, details: str = "") -> None:
        """``error.txt``: the one-line ``message`` first, then ``details`` (a traceback); best effort (the
        error may be a full disk): the message alone when both do not fit."""
        for text in (f"{message}\n\n{details}" if details else f"{message}\n", f"{message}\n"):
            try:
                atomic_write_text(self.path / "error.txt", text)
                return
            except Exception as err:  # noqa: BLE001 - the caller raises the run's own error, which says it all
                log.info("%s: error.txt not written (%s)", self.path, err)

    def read_summary(self) -> dict[str, Any]:
        p = self.path / "summary.json"
        return json.loads(p.read_text()) if p.is_file() else {}

    # --- per-epoch metrics -----------------------------------------------------------
    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append one epoch's line and fsync it (a killed run keeps every finished epoch)."""
        with writing(self.path / "metrics.jsonl"), open(self.path / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read_metrics(self) -> list[dict[str, Any]]:
        p = self.path / "metrics.jsonl"
        if not p.is_file():
            return []
        return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]

    def truncate_metrics(self, epochs_done: int) -> None:
        """Keep the lines of epochs 1..epochs_done (resuming from that checkpoint)."""
        kept = [r for r in self.read_metrics() if r["epoch"] <= epochs_done]
        atomic_write_text(self.path / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in kept))

    # --- checkpoints (formats: mllab.runs.checkpoints) ------------------------------------
    def save_checkpoint(self, name: str, state: dict[str, Any]) -> Path:
        """A torch checkpoint ``checkpoints/<name>.pt``."""
        return checkpoints.save_torch(checkpoints.path_of(self.checkpoints, name, "torch"), state)

    def load_checkpoint(self, name: str, map_location="cpu") -> dict[str, Any]:
        """A torch checkpoint written by :meth:`save_checkpoint` (``weights_only=True``)."""
        path = checkpoints.path_of(self.checkpoints, name, "torch")
        if not path.is_file():
            raise checkpoints.missing(self.path, name)
        return checkpoints.load_torch(path, map_location)

    def has_checkpoint(self, name: str) -> bool:
        """Whether checkpoint ``name`` exists, in any engine's format."""
        return checkpoints.find(self.checkpoints, name) is not None


def not_a_run(path: Path) -> str:
    """Why ``path`` is not a run folder, and what to give instead."""
    path = Path(path)
    if (path / "group.yaml").is_file() or any(path.glob("seed*/config.yaml")):
        return (f"{path} is a seed group, not a run: give one of its seed folders ({path}/seed<k>), "
                f"or use 'mllab report {path}' for the whole group")
    if not path.exists():
        return f"{path} does not exist: give a run folder (runs/<experiment>/<group>/seed<k>; 'mllab runs list' shows them)"
    return f"{path} is not a run folder (no config.yaml): give runs/<experiment>/<group>/seed<k> ('mllab runs list')"


def environment() -> dict[str, Any]:
    """Versions and machine facts recorded with every run."""
    import numpy

    env = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "numpy": numpy.__version__,
        "argv": sys.argv,
    }
    for mod in ("torch", "sklearn", "mllab"):
        try:
            env[mod] = __import__(mod).__version__
        except ImportError:
            pass
    return env


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
