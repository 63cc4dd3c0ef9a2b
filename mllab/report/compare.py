"""Several runs' curves on one figure, labelled by what differs between their configs.

Report 002 compares learning rates, report 004 activations, leak constants and
data presentation: train each setting as its own run (``key=value``
overrides), then ``mllab runs compare RUN...`` overlays their per-epoch
metrics. A legend entry is the list of config values that differ between the
runs (``optimizer.lr=0.01``), so no labels need typing.

>>> config_differences([{"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 3}}])
['b.c=2', 'b.c=3']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mllab.core import plotting
from mllab.core.config import flatten
from mllab.core.errors import ConfigError, NotARunError
from mllab.core.yamlfile import read_yaml
from mllab.runs.config import NOT_SETTINGS
from mllab.runs.rundir import RunDir

# provenance, not settings (marked on the config schema): they differ between runs of one setting, say nothing
# about it, or repeat it (overrides show as the keys they set)
IGNORED = NOT_SETTINGS


def config_differences(configs: list[dict[str, Any]]) -> list[str]:
    """One label per config: ``key=value`` for every key whose value is not the same in all of them."""
    flat = [flatten(c) for c in configs]
    keys = sorted({k for f in flat for k in f})
    differing = [k for k in keys if k not in IGNORED and len({repr(f.get(k)) for f in flat}) > 1]
    return [", ".join(f"{k}={f.get(k)}" for k in differing) or "(same config)" for f in flat]


def run_folders(paths: list[Path]) -> list[Path]:
    """Seed folders from run folders or group folders (a group contributes each of its seeds)."""
    out = []
    for p in map(Path, paths):
        seeds = sorted(p.glob("seed*/metrics.jsonl"))
        if (p / "metrics.jsonl").is_file():
            out.append(p)
        elif seeds:
            out.extend(s.parent for s in seeds)
        else:
            raise NotARunError(f"{p}: no metrics.jsonl here or in seed*/ (give run or group folders)")
    return out


def default_figure_path(paths: list[Path]) -> Path:
    """``compare.png`` in the deepest folder that holds every run compared (never the current directory)."""
    import os

    return Path(os.path.commonpath([Path(p).resolve() for p in paths])) / "compare.png"


def compare_curves(paths: list[Path], metrics: list[str], path: Path, labels: list[str] | None = None) -> Path:
    """Overlay ``metrics`` (one panel each) per epoch for the runs in ``paths``; returns the PNG path.

    ``labels``: one per run folder; default: their config differences.
    """
    runs = run_folders(paths)
    labels = labels or config_differences([read_yaml(r / "config.yaml") for r in runs])
    histories = [RunDir(r).read_metrics() for r in runs]
    missing = [m for m in metrics if not any(m in rec for h in histories for rec in h)]
    if missing:
        found = sorted({k for h in histories for rec in h for k in rec})
        raise ConfigError(f"metric(s) {missing} are in none of these runs; recorded: {found}")
    fig = plotting.figure(5 * len(metrics), 3.6)
    axes = fig.subplots(1, len(metrics), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for label, history in zip(labels, histories):
            rows = [r for r in history if metric in r]
            ax.plot([r["epoch"] for r in rows], [r[metric] for r in rows], label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.xaxis.set_major_locator(plotting.integer_ticks())
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    return plotting.save(fig, path)
