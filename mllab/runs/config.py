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

from mllab.core.config import (MACHINE, RECORD, REPLICATE, Section, deep_copy, folder_named, not_a_setting,
                               not_settings, parse_override, set_path, validate)
from mllab.data.config import DataConfig
from mllab.models.config import ModelConfig
from mllab.training.config import OptimizerConfig, PenaltyConfig, ScheduleConfig, TrainingConfig


class OutputConfig(Section):
    root: str = not_a_setting(MACHINE, "runs")
    figures: bool = not_a_setting(MACHINE, True)


class RunConfig(Section):
    experiment: Annotated[str, folder_named()] = Field("default", description="the folder under the runs root "
                                                       "this run is filed in: runs/<experiment>/")
    description: str = not_a_setting(RECORD, "")
    published: list[str] = Field(default_factory=list, description="ids in reference/published.yaml")
    recipe: str | None = not_a_setting(RECORD, None, description="the recipe name or config file this run was "
                                       "built from (set by mllab train; with `overrides` it is the command that "
                                       "rebuilds the run)")
    overrides: list[str] = not_a_setting(RECORD, default_factory=list, description="key=value overrides applied to "
                                         "`recipe`, in order (set by mllab train)")
    seed: int = not_a_setting(REPLICATE, 0)
    seeds: int = not_a_setting(RECORD, 1, ge=1, description="number of seeds: seed, seed+1, ...")
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


# Keys that are provenance, not settings, as the schema above marks them (mllab.core.config.not_a_setting)
NOT_SETTINGS = not_settings(RunConfig)  # none is a setting: left out of compare legends and a recipe's drift
NOT_COMPUTED = not_settings(RunConfig, (RECORD, MACHINE))  # none changes what a run computes: not a trial's id


def resolve_config(base: dict[str, Any], overrides: list[str] = ()) -> RunConfig:
    """Validate ``base`` (a parsed YAML mapping) with ``key=value`` overrides applied."""
    merged = deep_copy(base)
    for item in overrides:
        path, value = parse_override(item)
        set_path(merged, path, value)
    return validate(RunConfig, merged)
