"""The run directory: the unit of record (DESIGN.md).

::

    runs/<experiment>/<group>/seed<k>/
        config.yaml        resolved config (rebuilds the run)
        env.json           versions, machine, device, command
        metrics.jsonl      one JSON line per epoch
        checkpoints/       last.pt (every epoch), best.pt (by training.select)
        predictions.npz    test labels and predictions (for figures)
        figures/           PNGs drawn from the files above
        summary.json       final metrics, status, times
        report.html

Every write is atomic (temp file + rename): a killed run leaves the last
complete version of each file. Checkpoints load with ``weights_only=True``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from mllab.data.files import atomic_path, atomic_write_text


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
        import yaml

        from mllab.experiments.config import resolve_config

        return resolve_config(yaml.safe_load((self.path / "config.yaml").read_text()))

    def write_env(self, extra: dict[str, Any]) -> None:
        atomic_write_text(self.path / "env.json", json.dumps({**environment(), **extra}, indent=2))

    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_text(self.path / "summary.json", json.dumps(summary, indent=2, default=str))

    def read_summary(self) -> dict[str, Any]:
        p = self.path / "summary.json"
        return json.loads(p.read_text()) if p.is_file() else {}

    # --- per-epoch metrics -----------------------------------------------------------
    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append one epoch's line and fsync it (a killed run keeps every finished epoch)."""
        with open(self.path / "metrics.jsonl", "a") as f:
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

    # --- checkpoints -------------------------------------------------------------------
    def save_checkpoint(self, name: str, state: dict[str, Any]) -> Path:
        import torch

        target = self.checkpoints / f"{name}.pt"
        with atomic_path(target, suffix=".pt") as tmp:
            torch.save(state, tmp)
        return target

    def load_checkpoint(self, name: str, map_location="cpu") -> dict[str, Any]:
        import torch

        path = self.checkpoints / f"{name}.pt"
        if not path.is_file():
            raise FileNotFoundError(f"run {self.path}: no checkpoint {path.name} (the run stopped before its first "
                                    f"epoch ended); start it again instead of resuming")
        return torch.load(path, map_location=map_location, weights_only=True)

    def has_checkpoint(self, name: str) -> bool:
        return (self.checkpoints / f"{name}.pt").is_file()


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
