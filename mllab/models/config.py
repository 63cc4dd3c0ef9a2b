"""The ``model`` section of a run config: a registered model, its parameters, init and engine."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from mllab.core.config import Section, folder_named, registered


def _inits():
    from mllab.models.catalog import registry_names

    return registry_names("init")  # the names without importing torch (checked against the sources)


class ModelConfig(Section):
    name: Annotated[str, folder_named()] = Field("small_cnn", description="a registered model (its name is part "
                                                 "of the group folder's)")
    params: dict[str, Any] = Field(default_factory=dict, description="keyword params of the model factory")
    init: Annotated[str, registered(_inits, "default")] = Field(
        "default", description="weight init of Linear/Conv layers (default: the framework's own)")
    backend: Literal["torch", "numpy"] = "torch"
