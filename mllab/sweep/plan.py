"""A sweep's plan: the grid's settings, their seed groups and trials, each trial with a stable id.

The sweep folder and the trial ids are hashes of resolved configs, so the same command names the same
folders again (that is how a sweep resumes), and a trial's id says which config and seed it ran.

>>> settings({"a": ["1", "2"], "b": ["x"]})
[['a=1', 'b=x'], ['a=2', 'b=x']]
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from mllab.core.config import flatten
from mllab.core.errors import ConfigError
from mllab.runs.config import NOT_COMPUTED

# provenance and machine settings (marked on the config schema): they do not change what a trial computes, so
# not its id (its seed does)
NOT_HASHED = NOT_COMPUTED


@dataclass(frozen=True)
class Trial:
    id: str              # hash of the resolved config and seed
    setting: int         # index in the sweep's settings
    seed: int
    path: Path           # the run folder: <sweep>/<setting slug>/seed<seed>
    cfg: object          # the RunConfig it trains (seed set, seeds=1)


def parse_grid(items: list[str]) -> dict[str, list[str]]:
    """``["key=v1,v2", ...]`` -> ``{key: [v1, v2]}`` (values stay text; the config parses them)."""
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        parts = [v.strip() for v in values.split(",") if v.strip()] if sep else []
        if not key.strip() or not parts:
            raise ConfigError(f"--grid {item!r}: expected KEY=V1,V2,... (e.g. --grid optimizer.lr=0.1,0.01)")
        if key.strip() in grid:
            raise ConfigError(f"--grid {key.strip()} is given twice: give all its values in one --grid")
        grid[key.strip()] = parts
    return grid


def settings(grid: dict[str, list[str]]) -> list[list[str]]:
    """Every combination of the grid's values as ``key=value`` overrides (the first key varies slowest)."""
    keys = list(grid)
    return [[f"{k}={v}" for k, v in zip(keys, combo)] for combo in itertools.product(*(grid[k] for k in keys))]


def config_hash(cfg, n: int = 10) -> str:
    """Hash of a resolved config's computing part (``NOT_HASHED`` left out)."""
    flat = {k: v for k, v in flatten(cfg.model_dump(mode="json")).items()
            if k not in NOT_HASHED and not k.startswith(NOT_HASHED)}
    return hashlib.sha256(json.dumps(flat, sort_keys=True).encode()).hexdigest()[:n]


def slug(overrides: list[str], full: bool = False) -> str:
    """A folder name for a setting: ``optimizer.lr=0.01, training.epochs=2`` -> ``lr0.01-epochs2``
    (``full``: ``optimizer_lr0.01-training_epochs2``)."""
    def part(o: str) -> str:
        key, value = o.split("=", 1)
        return (key.replace(".", "_") if full else key.rsplit(".", 1)[-1]) + value

    text = "-".join(part(o) for o in overrides) or "base"
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in text)


def setting_folders(all_settings: list[list[str]]) -> list[str]:
    """One folder name per setting; full keys where the short ones would collide."""
    short = [slug(s) for s in all_settings]
    return short if len(set(short)) == len(short) else [slug(s, full=True) for s in all_settings]


def seed_config(cfg, seed: int, threads: int | None):
    """The trial config: one seed, and the torch threads its worker uses."""
    training = cfg.training.model_copy(update={"threads": threads}) if threads else cfg.training
    return cfg.model_copy(update={"seed": seed, "seeds": 1, "training": training})


def trials(folder: Path, setting_cfgs: list, names: list[str], seeds: int, threads: int | None) -> list[Trial]:
    """Grid x seeds: seeds ``cfg.seed, cfg.seed + 1, ...`` of every setting."""
    out = []
    for i, (cfg, name) in enumerate(zip(setting_cfgs, names)):
        for k in range(seeds):
            tcfg = seed_config(cfg, cfg.seed + k, threads)
            out.append(Trial(id=config_hash(tcfg, 12), setting=i, seed=cfg.seed + k,
                             path=folder / name / f"seed{cfg.seed + k}", cfg=tcfg))
    return out
