"""A seed group folder: ``runs/<experiment>/<group>/`` with ``group.yaml`` and one ``seed<k>/`` run per seed.

``group.yaml`` holds the group's config (all its seeds), written before the
first seed starts, so a killed group can be resumed; groups written before it
existed are read from their lowest seed's config.
"""

from __future__ import annotations

from pathlib import Path

from mllab.core.errors import ConfigError, NotARunError
from mllab.core.yamlfile import read_yaml
from mllab.runs.config import resolve_config
from mllab.runs.rundir import RunDir

GROUP_CONFIG = "group.yaml"


def is_group(path: Path) -> bool:
    """Whether ``path`` is a seed-group folder (``group.yaml``, or seed folders for groups written before it)."""
    path = Path(path)
    return (path / GROUP_CONFIG).is_file() or any(path.glob("seed*/config.yaml"))


def seed_dir(group: Path, seed: int) -> RunDir:
    return RunDir(Path(group) / f"seed{seed}")


def group_config(group: Path):
    """A group's config: ``group.yaml``, else (older groups) its lowest seed's config over the seeds present."""
    group = Path(group)
    if (group / GROUP_CONFIG).is_file():
        return resolve_config(read_yaml(group / GROUP_CONFIG))
    seeds = sorted(int(p.parent.name[4:]) for p in group.glob("seed*/config.yaml") if p.parent.name[4:].isdigit())
    if not seeds:
        raise NotARunError(f"{group}: neither {GROUP_CONFIG} nor seed*/config.yaml here: "
                           f"give a run folder or a group folder (runs/<experiment>/<group>)")
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ConfigError(f"{group}: seed folders {seeds} are not consecutive; resume each with --resume SEED_FOLDER")
    first = seed_dir(group, seeds[0]).read_config()
    return first.model_copy(update={"seeds": len(seeds)})
