"""The ``data`` section of a run config: which dataset, its transforms, subsets and splits."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mllab.core.config import Section


class DataConfig(Section):
    name: str = "digits"
    options: dict[str, Any] = Field(default_factory=dict, description="keyword options of the loader")
    transforms: list[str] = Field(default_factory=lambda: ["scale"], description="applied to train and test")
    test_transforms: list[str] = Field(default_factory=list, description="applied to the test split only, after")
    val_fraction: float = Field(0.0, ge=0.0, lt=1.0, description="stratified validation split carved from train")
    split_seed: int = 0
    classes: list[int] | None = Field(None, description="keep only these label indices, relabelled 0..k-1 in this "
                                      "order (report 004 Part 2: [3, 1])")
    train_subset: int | None = Field(None, ge=1, description="stratified random subset of train (seeded)")
    first_per_class: int | None = Field(None, ge=1, description="keep the first N training images of each class")
    features_from: str | None = Field(None, description="a trained run folder: use its network's penultimate-layer "
                                      "features (the input of its classifier) as the inputs; 'required' in a "
                                      "recipe that refuses to run without one")
    test_subset: int | None = Field(None, ge=1, description="stratified test subset, for quick looks only: "
                                    "numbers on it are not comparable with published ones")
    stand_in: list[str] = Field(default_factory=list, description="datasets run instead, the first present one, "
                                "when the files of `name` are absent (report 000's SVHN recipes)")
    stands_in_for: str | None = Field(None, description="set when a stand-in replaced `name`: the dataset the "
                                      "recipe asked for (published numbers on it are not comparable)")
