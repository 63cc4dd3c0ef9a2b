"""Typed run configuration: defaults + YAML file + ``key=value`` overrides.

Every section is a strict pydantic model: unknown keys and wrong types are
errors that name the key path and what is allowed. The resolved config is
saved with every run (``config.yaml``), so a run can be rebuilt from it.

>>> cfg = resolve_config({"model": {"name": "small_cnn"}}, ["training.epochs=3"])
>>> cfg.training.epochs, cfg.data.name
(3, 'digits')
"""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ConfigError(ValueError):
    """A config file or override is invalid; the message names the key path."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataConfig(_Section):
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
                                      "features (the input of its classifier) as the inputs")
    test_subset: int | None = Field(None, ge=1, description="stratified test subset, for quick looks only: "
                                    "numbers on it are not comparable with published ones")
    stand_in: list[str] = Field(default_factory=list, description="datasets run instead, the first present one, "
                                "when the files of `name` are absent (report 000's SVHN recipes)")
    stands_in_for: str | None = Field(None, description="set when a stand-in replaced `name`: the dataset the "
                                      "recipe asked for (published numbers on it are not comparable)")


class ModelConfig(_Section):
    name: str = "small_cnn"
    params: dict[str, Any] = Field(default_factory=dict, description="keyword params of the model factory")
    init: Literal["default", "kaiming", "xavier", "normal_fanin", "random"] = "default"
    backend: Literal["torch", "numpy"] = "torch"


class OptimizerConfig(_Section):
    name: Literal["sgd", "adam", "adamw"] = "sgd"
    lr: float = Field(0.01, gt=0)
    momentum: float = Field(0.0, ge=0, lt=1)
    nesterov: bool = False
    weight_decay: float = Field(0.0, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    lr_mult: dict[str, float] = Field(default_factory=dict, description="parameter-name prefix -> lr multiplier")

    @model_validator(mode="after")
    def _nesterov_needs_momentum(self):
        if self.nesterov and (self.name != "sgd" or self.momentum == 0):
            raise ValueError("optimizer.nesterov=true needs optimizer.name=sgd and optimizer.momentum > 0")
        return self


class PenaltyConfig(_Section):
    l1: float = Field(0.0, ge=0, description="coefficient of sum |w| added to the loss")
    l2: float = Field(0.0, ge=0, description="coefficient of sum w^2 added to the loss")
    params: str = Field("*weight", description="glob over parameter names the penalties apply to")


class ScheduleConfig(_Section):
    name: Literal["constant", "step", "multistep", "piecewise", "last_epochs", "cosine", "onecycle"] = "constant"
    step_size: int = Field(30, ge=1, description="step: decay every step_size epochs")
    milestones: list[int] = Field(default_factory=list, description="multistep: epochs where lr *= gamma")
    gamma: float = Field(0.1, gt=0)
    phases: dict[int, float] = Field(default_factory=dict, description="piecewise: {start_epoch: lr factor}")
    last_epochs: int = Field(10, ge=1, description="last_epochs: multiply lr by `factor` for the last N epochs")
    factor: float = Field(0.5, gt=0)
    warmup_fraction: float = Field(0.25, ge=0, lt=1, description="onecycle: fraction of steps spent warming up")
    final_factor: float = Field(0.0, ge=0, description="cosine/onecycle: lr factor reached at the end")


class AugmentConfig(_Section):
    crop_padding: int = Field(0, ge=0, description="random crop after zero padding by this many pixels")
    flip: bool = Field(False, description="random horizontal flip")
    shift: int = Field(0, ge=0, description="random translation by up to this many pixels")
    unknown_words: float = Field(0.0, ge=0, lt=1, description="token ids: replace each word by <unk> with this "
                                 "probability (trains the embedding unseen test words get)")


class EarlyStoppingConfig(_Section):
    metric: str = "val_loss"
    patience: int = Field(0, ge=0, description="epochs without improvement before stopping; 0 = off")


class TrainingConfig(_Section):
    epochs: int = Field(10, ge=1)
    batch_size: int = Field(128, ge=1)
    eval_batch_size: int = Field(1024, ge=1)
    loss: Literal["cross_entropy", "nll", "mse_onehot", "half_sse", "bce", "l1", "mse"] = "cross_entropy"
    shuffle: bool = Field(True, description="a new random order every epoch (false: the data's order)")
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)
    select: str | None = Field(None, description="metric picking the best checkpoint, e.g. val_accuracy")
    grad_clip: float | None = Field(None, gt=0)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's choice)")
    channels_last: bool | None = Field(None, description="image batches and conv weights in channels-last layout "
                                       "(faster convolutions); unset: on for nets with Conv2d and no ConvTranspose2d")
    precision: Literal["fp32", "bf16"] = Field("fp32", description="bf16: the training forward pass under bfloat16 "
                                               "autocast (weights, gradients, loss and evaluation stay float32); "
                                               "2.4-3.3x faster NiN/LeNet-5/LSTM steps on CPUs with AMX, slower for "
                                               "depthwise convs (bench/precision.py); refused on CPUs "
                                               "without bf16 units (AVX512-BF16/AMX), where it is 6-33x slower")


class OutputConfig(_Section):
    root: str = "runs"
    figures: bool = True


class RunConfig(_Section):
    experiment: str = "default"
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
        from mllab.experiments.published import lookup

        try:
            lookup(ids)
        except KeyError as err:
            raise ValueError(err.args[0]) from None
        return ids

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def resolve_config(base: dict[str, Any], overrides: list[str] = ()) -> RunConfig:
    """Validate ``base`` (a parsed YAML mapping) with ``key=value`` overrides applied."""
    merged = _deep_copy(base)
    for item in overrides:
        path, value = parse_override(item)
        _set_path(merged, path, value)
    try:
        return RunConfig.model_validate(merged)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err)) from None


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (the keys ``key=value`` overrides use)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        out.update(flatten(v, key + ".") if isinstance(v, dict) and v else {key: v})
    return out


def parse_override(item: str) -> tuple[list[str], Any]:
    """``"training.epochs=5"`` -> ``(["training", "epochs"], 5)``; values are parsed as YAML."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {item!r}: expected key=value, e.g. training.epochs=5")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as err:
        raise ConfigError(f"override {item!r}: value is not valid YAML ({err.problem})") from None
    return key.strip().split("."), value


def _set_path(tree: dict, path: list[str], value: Any) -> None:
    node = tree
    for depth, key in enumerate(path[:-1]):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {'.'.join(path)}: {'.'.join(path[:depth + 1])} is a value, not a section")
        node = child
    node[path[-1]] = value


def format_validation_error(err: ValidationError) -> str:
    lines = ["invalid config:"]
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            allowed = ", ".join(_allowed_keys(e["loc"][:-1]))
            lines.append(f"  {path}: unknown key; allowed here: {allowed}")
        else:
            lines.append(f"  {path}: {e['msg']} (found {e.get('input')!r})")
    return "\n".join(lines)


def _allowed_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = RunConfig
    for key in loc:
        field = model.model_fields.get(str(key))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _deep_copy(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _deep_copy(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_deep_copy(v) for v in tree]
    return tree
