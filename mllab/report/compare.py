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

    ``labels``: one per run folder; default: their config differences and the seed (:func:`legend_labels`).
    The legend stands outside the panels, right of them; a run of one epoch is a marker, not a line.
    """
    runs = run_folders(paths)
    labels = labels or legend_labels([read_yaml(r / "config.yaml") for r in runs])
    histories = [RunDir(r).read_metrics() for r in runs]
    missing = [m for m in metrics if not any(m in rec for h in histories for rec in h)]
    if missing:
        found = sorted({k for h in histories for rec in h for k in rec})
        raise ConfigError(f"metric(s) {missing} are in none of these runs; recorded: {found}")
    fig = plotting.figure(4.6 * len(metrics) + 0.9 + 0.065 * max(map(len, labels)), 3.6)
    fig.set_layout_engine("constrained")  # makes room for the legend outside the axes
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics):
        for i, (label, history) in enumerate(zip(labels, histories)):
            rows = [r for r in history if isinstance(r.get(metric), (int, float))]
            ax.plot([r["epoch"] for r in rows], [r[metric] for r in rows], label=label, color=f"C{i % 10}",
                    marker="o" if len(rows) < 12 else None, ms=4)
        first, last = min(r["epoch"] for h in histories for r in h), max(r["epoch"] for h in histories for r in h)
        ax.set_xlim(first - 0.5, last + 0.5)  # one epoch: a marker in the middle, not a span of 0.1 epoch
        if last - first < 8:
            ax.set_xticks(range(first, last + 1))
        else:
            ax.xaxis.set_major_locator(plotting.integer_ticks())
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside right upper", fontsize=7, frameon=False)
    return plotting.save(fig, path)


def legend_labels(configs: list[dict[str, Any]]) -> list[str]:
    """What tells the runs apart: the config keys that differ between them, then the seed.

    >>> legend_labels([{"seed": 0, "optimizer": {"lr": 0.1}}, {"seed": 1, "optimizer": {"lr": 0.01}}])
    ['optimizer.lr=0.1, seed 0', 'optimizer.lr=0.01, seed 1']
    >>> legend_labels([{"seed": 0}, {"seed": 1}])
    ['seed 0', 'seed 1']
    """
    differences = config_differences(configs)
    same = all(d == "(same config)" for d in differences)
    return [", ".join(([] if same else [d]) + [f"seed {c.get('seed', '-')}"]) for d, c in zip(differences, configs)]
