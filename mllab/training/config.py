"""The training sections of a run config: optimizer, penalty, schedule, training (augment, early stopping).

Names (optimizer, schedule, loss) are checked against the registries that define them
(:data:`~mllab.training.optim.OPTIMIZERS`, :data:`~mllab.training.schedules.SCHEDULES`,
:data:`~mllab.training.losses.LOSSES`), read when a config is first validated.

>>> OptimizerConfig(name="adam").name
'adam'
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from mllab.core.config import MACHINE, Section, not_a_setting, registered


def _optimizers():
    from mllab.models.catalog import registry_names

    return registry_names("optimizer")  # the names without importing torch (checked against the sources)


def _schedules():
    from mllab.models.catalog import registry_names

    return registry_names("schedule")  # the names without importing torch (checked against the sources)


def _losses():
    from mllab.models.catalog import registry_names

    return registry_names("loss")  # the names without importing torch (checked against the sources)


def _trackers():
    from mllab.trackers import TRACKERS

    return TRACKERS


class OptimizerConfig(Section):
    name: Annotated[str, registered(_optimizers)] = "sgd"
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


class PenaltyConfig(Section):
    l1: float = Field(0.0, ge=0, description="coefficient of sum |w| added to the loss")
    l2: float = Field(0.0, ge=0, description="coefficient of sum w^2 added to the loss")
    params: str = Field("*weight", description="glob over parameter names the penalties apply to")


class ScheduleConfig(Section):
    name: Annotated[str, registered(_schedules)] = "constant"
    step_size: int = Field(30, ge=1, description="step: decay every step_size epochs")
    milestones: list[int] = Field(default_factory=list, description="multistep: epochs where lr *= gamma")
    gamma: float = Field(0.1, gt=0)
    phases: dict[int, float] = Field(default_factory=dict, description="piecewise: {start_epoch: lr factor}")
    last_epochs: int = Field(10, ge=1, description="last_epochs: multiply lr by `factor` for the last N epochs")
    factor: float = Field(0.5, gt=0)
    warmup_fraction: float = Field(0.25, ge=0, lt=1, description="onecycle: fraction of steps spent warming up")
    final_factor: float = Field(0.0, ge=0, description="cosine/onecycle: lr factor reached at the end")


class AugmentConfig(Section):
    crop_padding: int = Field(0, ge=0, description="random crop after zero padding by this many pixels")
    flip: bool = Field(False, description="random horizontal flip")
    shift: int = Field(0, ge=0, description="random translation by up to this many pixels")
    cutout: int = Field(0, ge=0, description="zero a square of this side at a random place in each image "
                        "(DeVries & Taylor 2017); 0 = off")
    unknown_words: float = Field(0.0, ge=0, lt=1, description="token ids: replace each word by <unk> with this "
                                 "probability (trains the embedding unseen test words get)")


class ProgressiveResizeConfig(Section):
    min_size: int = Field(0, ge=0, description="image side of the first epoch, growing to full size "
                          "(mllab.training.resize); 0 = off")
    ramp: float = Field(0.5, gt=0, le=1, description="fraction of the epochs over which the side grows to full")


def _not_a_test_metric(metric: str | None) -> str | None:
    """The best checkpoint and early stopping are chosen on validation: the test split is scored once, after."""
    if metric and metric.startswith("test_"):
        raise ValueError(f"{metric} is a test metric: choose on validation (e.g. val_{metric[5:]}, with "
                         f"data.val_fraction > 0); the test split is scored once, after training")
    return metric


class EarlyStoppingConfig(Section):
    metric: Annotated[str, AfterValidator(_not_a_test_metric)] = "val_loss"
    patience: int = Field(0, ge=0, description="epochs without improvement before stopping; 0 = off")


class TrainingConfig(Section):
    epochs: int = Field(10, ge=1)
    batch_size: int = Field(128, ge=1)
    eval_batch_size: int = Field(1024, ge=1)
    loss: Annotated[str, registered(_losses)] = "cross_entropy"
    shuffle: bool = Field(True, description="a new random order every epoch (false: the data's order)")
    bucket_by_length: int = Field(0, ge=0, description="token ids: sort each run of this many batches' rows by "
                                  "length before cutting it into batches, so a batch holds phrases of similar "
                                  "length (fewer recurrence steps; 0 = off)")
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    ema: float = Field(0.0, ge=0, lt=1, description="evaluate, predict and save an exponential moving average of "
                       "the weights and BatchNorm statistics with this decay per step (mllab.training.averaging; "
                       "0.999: about 1 000 steps); 0 = off")
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    progressive_resize: ProgressiveResizeConfig = Field(default_factory=ProgressiveResizeConfig)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)
    select: Annotated[str | None, AfterValidator(_not_a_test_metric)] = Field(
        None, description="metric picking the best checkpoint, e.g. val_accuracy (never a test_ metric)")
    grad_clip: float | None = Field(None, gt=0)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = not_a_setting(MACHINE, None, ge=1, description="torch CPU threads (default: torch's choice)")
    channels_last: bool | None = Field(None, description="image batches and conv weights in channels-last layout "
                                       "(faster convolutions); unset: on for nets with Conv2d and no ConvTranspose2d")
    test_time_flip: bool = Field(False, description="evaluate and predict on the mean of the outputs for each image "
                                 "and its mirror image (images only; twice the evaluation cost)")
    test_time_shift: int = Field(0, ge=0, description="also average over each evaluated image moved by this many "
                                 "pixels up, down, left and right (zero-filled; 5x the views; 0 = off)")
    val_every: int = Field(1, ge=0, description="evaluate the validation split every N epochs and after the last; "
                           "0: after the last only (saves evaluation time when nothing is picked on it)")
    precision: Literal["fp32", "bf16"] = Field("fp32", description="bf16: the training forward pass under bfloat16 "
                                               "autocast (weights, gradients, loss and evaluation stay float32); "
                                               "2.4-3.3x faster NiN/LeNet-5/LSTM steps on CPUs with AMX, slower for "
                                               "depthwise convs (bench/precision.py); refused on CPUs "
                                               "without bf16 units (AVX512-BF16/AMX), where it is 6-33x slower")
    log: list[Annotated[str, registered(_trackers)]] = not_a_setting(
        MACHINE, default_factory=list, description="trackers the run is logged to while it trains: tensorboard, "
        "mlflow (mllab.training.tracking; pip install 'mllab[tensorboard]' / 'mllab[mlflow]')")
    log_dir: str | None = not_a_setting(MACHINE, None, description="training.log tensorboard: event files under "
                                        "LOG_DIR/<experiment>/<group>/seed<k> (default: RUN/tensorboard)")
    mlflow_uri: str | None = not_a_setting(MACHINE, None, description="training.log mlflow: the tracking URI, e.g. "
                                           "sqlite:///mlflow.db (default: MLflow's own, MLFLOW_TRACKING_URI)")
