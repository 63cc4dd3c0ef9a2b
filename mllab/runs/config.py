"""A run's config: the sections of every layer composed, validated, and written with the run.

Defaults + a YAML mapping + ``key=value`` overrides; every section is strict
(unknown keys and wrong types are errors naming the key path). The resolved
config is saved with every run (``config.yaml``), so a run can be rebuilt from it.

>>> cfg = resolve_config({"model": {"name": "small_cnn"}}, ["training.epochs=3"])
>>> cfg.training.epochs, cfg.data.name
(3, 'digits')
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from pydantic import Field, field_validator

from mllab.core.config import Section, deep_copy, folder_named, parse_override, set_path, validate
from mllab.data.config import DataConfig
from mllab.models.config import ModelConfig
from mllab.training.config import OptimizerConfig, PenaltyConfig, ScheduleConfig, TrainingConfig


class OutputConfig(Section):
    root: str = "runs"
    figures: bool = True


class RunConfig(Section):
    experiment: Annotated[str, folder_named()] = Field("default", description="the folder under the runs root "
                                                       "this run is filed in: runs/<experiment>/")
    description: str = ""
    published: list[str] = Field(default_factory=list, description="ids in reference/published.yaml")
    recipe: str | None = Field(None, description="the recipe name or config file this run was built from "
                               "(set by mllab train; with `overrides` it is the command that rebuilds the run)")
    overrides: list[str] = Field(default_factory=list, description="key=value overrides applied to `recipe`, "
                                 "in order (set by mllab train)")
    seed: int = 0
    seeds: int = Field(1, ge=1, description="number of seeds: seed, seed+1, ...")
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    penalty: PenaltyConfig = Field(default_factory=PenaltyConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @field_validator("published")
    @classmethod
    def _published_ids_exist(cls, ids: list[str]) -> list[str]:
        """An unknown id fails here, not after training when the table is written."""
        from mllab.runs.published import lookup

        try:
            lookup(ids)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        return ids

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def resolve_config(base: dict[str, Any], overrides: list[str] = ()) -> RunConfig:
    """Validate ``base`` (a parsed YAML mapping) with ``key=value`` overrides applied."""
    merged = deep_copy(base)
    for item in overrides:
        path, value = parse_override(item)
        set_path(merged, path, value)
    return validate(RunConfig, merged)
