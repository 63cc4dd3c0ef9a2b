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
from mllab.core.errors import MllabError, NotARunError
from mllab.core.files import atomic_write_text, overwrite_in_place, writing
from mllab.core.yamlfile import one_line

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
        """``summary.json`` ({} when the run has none); a damaged one is a :class:`RunFileError` naming it."""
        p = self.path / "summary.json"
        if not p.is_file():
            return {}
        summary = read_json(p)
        if not isinstance(summary, dict):
            raise RunFileError(damaged(p, f"expected a JSON object, found {type(summary).__name__}"))
        return summary

    # --- per-epoch metrics -----------------------------------------------------------
    def append_metrics(self, record: dict[str, Any]) -> None:
        """Append one epoch's line and fsync it (a killed run keeps every finished epoch)."""
        with writing(self.path / "metrics.jsonl"), open(self.path / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read_metrics(self) -> list[dict[str, Any]]:
        """One dict per epoch line of ``metrics.jsonl``: ``epoch`` (an integer from 1) and numbers (or null).
        A last line cut short by a kill is left out; any other damage is a :class:`RunFileError` naming the
        file and the line."""
        p = self.path / "metrics.jsonl"
        if not p.is_file():
            return []
        lines = read_bounded(p, MAX_METRICS_BYTES).decode("utf-8").split("\n")
        records = []
        for number, line in enumerate(lines, 1):
            if not line.strip() or (number == len(lines) and not _parses(line)):  # an unfinished last line
                continue
            records.append(_epoch_record(p, number, _json(p, line, f"line {number}: ")))
        return records

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


MAX_SUMMARY_BYTES = 4 << 20  # a summary is a few kB
MAX_METRICS_BYTES = 64 << 20  # a line per epoch of ~300 bytes: 200 000 epochs


class RunFileError(MllabError, ValueError):
    """A file of a run folder that is damaged or not what mllab writes there."""


def damaged(path: Path, problem: str) -> str:
    """The one line for a damaged run file."""
    return (f"{one_line(str(path))}: {one_line(problem)}; the run folder is damaged: copy it again, or train the run "
            "again")


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, refused (:class:`RunFileError`) when it is over ``limit`` bytes or not UTF-8."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise RunFileError(damaged(path, f"larger than {limit} bytes, not a file mllab writes"))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RunFileError(damaged(path, f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})")) \
            from None
    return data


def read_json(path: Path, limit: int = MAX_SUMMARY_BYTES) -> Any:
    """The JSON file ``path`` of a run folder, at most ``limit`` bytes; damage is a :class:`RunFileError` naming it."""
    return _json(path, read_bounded(path, limit).decode("utf-8"))


def _json(path: Path, text: str, where: str = "") -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise RunFileError(damaged(path, f"{where}not JSON ({type(err).__name__}: {str(err)[:100]})")) from None


def _parses(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except (ValueError, RecursionError):
        return False


def _epoch_record(path: Path, number: int, record: Any) -> dict[str, Any]:
    """A metrics line checked: an object with an integer ``epoch`` from 1, every other value a number or null."""
    epoch = record.get("epoch") if isinstance(record, dict) else None
    bad = [k for k, v in record.items() if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)))] \
        if isinstance(record, dict) else []
    if type(epoch) is not int or epoch < 1 or bad:
        found = f"a {type(record).__name__}" if not isinstance(record, dict) else \
            f"epoch {epoch!r}" + (f", non-numbers in {bad[:3]}" if bad else "")
        raise RunFileError(damaged(path, f"line {number}: expected an object with an integer epoch (from 1) and "
                                         f"numbers; found {found}"))
    return record


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
