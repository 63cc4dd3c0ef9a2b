"""The trainer's extension point: registered features built from the config, hooks called in order."""

import pytest
import torch
from toy_data import blobs
from torch import nn

from mllab.runs.config import resolve_config
from mllab.runs.rundir import RunDir
from mllab.training.config import TrainingConfig
from mllab.training.features import FEATURES, HOOKS, TrainingFeature, build_features, hooks
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Trainer


def cfg_for(**training):
    return resolve_config({"optimizer": {"lr": 0.1}, "training": {"batch_size": 50, "epochs": 2, **training}})


class Recorder(TrainingFeature):
    """Every hook call, in order, with what the trainer passed."""

    def __init__(self):
        self.calls = []

    def setup(self, trainer):
        self.calls.append("setup")

    def on_fit_start(self, trainer, train, val):
        self.calls.append(("on_fit_start", len(train), val is None))

    def on_epoch_start(self, trainer, epoch):
        self.calls.append(("on_epoch_start", epoch))
        return {"marker": epoch * 10}

    def on_batch(self, trainer, xb):
        self.calls.append(("on_batch", len(xb)))
        return xb

    def on_step_end(self, trainer):
        self.calls.append("on_step_end")

    def on_epoch_end(self, trainer, record):
        self.calls.append(("on_epoch_end", record["epoch"], record["marker"]))

    def on_fit_end(self, trainer):
        self.calls.append("on_fit_end")

    def checkpoint(self, trainer, ckpt):
        ckpt["recorder"] = len(self.calls)


@pytest.mark.parametrize("entry", list(FEATURES), ids=lambda e: e.name)
def test_every_registered_feature_names_a_config_key_and_says_what_it_does(entry):
    section, _, key = entry.name.partition(".")
    assert section == "training" and key.split(".")[0] in TrainingConfig.model_fields
    assert entry.doc, f"{entry.name}: its factory needs a one-line docstring"
    off = entry.factory(TrainingConfig())
    assert off is None or type(off).__name__ in ("ChannelsLast", "OwnWeights")  # defaults: nothing else switched on


def test_hooks_are_called_in_the_loops_order_and_epoch_start_entries_reach_the_record(tmp_path):
    rec = Recorder()
    run = RunDir(tmp_path / "r").create()
    history = Trainer(nn.Linear(2, 3), cfg_for(), ClassifyTask("cross_entropy", 3), run, quiet=True,
                      callbacks=[rec]).fit(blobs(n=100))
    epoch = [("on_batch", 50), "on_step_end"] * 2
    assert rec.calls == ["setup", ("on_fit_start", 100, True),
                         ("on_epoch_start", 0), *epoch, ("on_epoch_end", 1, 0),
                         ("on_epoch_start", 1), *epoch, ("on_epoch_end", 2, 10), "on_fit_end"]
    assert [r["marker"] for r in history] == [0, 10] == [r["marker"] for r in run.read_metrics()]
    assert run.load_checkpoint("last")["recorder"] == len(rec.calls) - 2  # written before on_epoch_end


def test_a_feature_stops_training_after_the_epoch_it_asks_in():
    class StopAfterOne(TrainingFeature):
        def on_epoch_end(self, trainer, record):
            trainer.stop = True

    history = Trainer(nn.Linear(2, 3), cfg_for(epochs=5), ClassifyTask("cross_entropy", 3), quiet=True,
                      callbacks=[StopAfterOne()]).fit(blobs(n=100))
    assert [r["epoch"] for r in history] == [1]


def test_config_switches_features_on_in_their_registered_order():
    names = [type(f).__name__ for f in build_features(TrainingConfig(
        ema=0.9, test_time_flip=True, augment={"flip": True}, progressive_resize={"min_size": 4},
        bucket_by_length=2, channels_last=False))]
    assert names == ["ChannelsLast", "LengthBuckets", "Augment", "ProgressiveResize", "WeightAveraging",
                     "TestTimeViews"]


def test_only_the_hooks_a_feature_overrides_are_called():
    class OnlyBatches(TrainingFeature):
        def on_batch(self, trainer, xb):
            return xb

    feature = OnlyBatches()
    assert hooks([feature], "on_batch") == [feature.on_batch]
    assert all(hooks([feature], name) == [] for name in HOOKS if name != "on_batch")
    with pytest.raises(ValueError, match="unknown training feature hook 'on_batches'"):
        hooks([feature], "on_batches")


def test_a_feature_that_changes_the_batch_changes_what_the_net_trains_on():
    class Zero(TrainingFeature):
        def on_batch(self, trainer, xb):
            return torch.zeros_like(xb)

    torch.manual_seed(0)
    net = nn.Linear(2, 3)
    before = net.weight.detach().clone()
    Trainer(net, cfg_for(epochs=1), ClassifyTask("cross_entropy", 3), quiet=True, callbacks=[Zero()]).fit(blobs())
    assert torch.equal(net.weight, before)  # zero inputs: no gradient reaches the weights, only the bias moves
