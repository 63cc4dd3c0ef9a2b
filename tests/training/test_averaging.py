"""training.ema: the evaluated net is the closed-form moving average of the weights training went through."""

import re

import pytest
import torch
from toy_data import blobs as toy_blobs
from torch import nn

from mllab.core.errors import ConfigError
from mllab.runs.config import resolve_config
from mllab.runs.rundir import RunDir
from mllab.training.tasks import ClassifyTask
from mllab.training.features import TrainingFeature
from mllab.training.trainer import Trainer

DECAY = 0.8


def blobs(seed=0):
    return toy_blobs(300, seed)


def net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))


def cfg_for(**training):
    return resolve_config({"optimizer": {"name": "sgd", "lr": 0.2, "momentum": 0.9},
                           "training": {"batch_size": 50, "epochs": 3, **training}})


class Recording(Trainer):
    """Keeps the trained net's floating-point weights and statistics after every step."""

    def step(self, xb, yb):
        out = super().step(xb, yb)
        self.seen = getattr(self, "seen", []) + [{k: v.clone() for k, v in self.model.state_dict().items()
                                                  if v.is_floating_point()}]
        return out


def closed_form(states):
    avg = dict(states[0])
    for state in states[1:]:
        avg = {k: DECAY * avg[k] + (1 - DECAY) * state[k] for k in avg}
    return avg


def test_the_evaluated_and_saved_net_is_the_moving_average_of_every_steps_weights():
    t = Recording(net(), cfg_for(ema=DECAY), ClassifyTask("cross_entropy", 3), quiet=True)
    t.fit(blobs())
    expected = closed_form(t.seen)
    assert len(t.seen) == 18 and set(expected) >= {"1.running_mean", "1.running_var", "0.weight"}
    for k, v in expected.items():  # fit ends with the average in the net the backend saves
        torch.testing.assert_close(t.model.state_dict()[k], v)
    reference = net()
    reference.load_state_dict({**reference.state_dict(), **expected})
    test = blobs(seed=2)
    with torch.no_grad():
        out = reference.eval()(test.x)
    assert t.evaluate(test)["accuracy"] == pytest.approx((out.argmax(1) == test.y).float().mean().item())
    torch.testing.assert_close(t.predict(test.x), out.argmax(1))


def test_the_average_differs_from_the_last_step_and_off_means_the_last_step():
    averaged = Recording(net(), cfg_for(ema=DECAY), ClassifyTask("cross_entropy", 3), quiet=True)
    averaged.fit(blobs())
    plain = Recording(net(), cfg_for(), ClassifyTask("cross_entropy", 3), quiet=True)
    plain.fit(blobs())
    torch.testing.assert_close(plain.model[0].weight, plain.seen[-1]["0.weight"])
    torch.testing.assert_close(averaged.seen[-1]["0.weight"], plain.seen[-1]["0.weight"])  # same training
    assert not torch.allclose(averaged.model[0].weight, plain.model[0].weight)


def test_after_fit_evaluation_runs_the_net_so_a_best_checkpoint_loaded_into_it_is_what_is_scored(tmp_path):
    run = RunDir(tmp_path / "r").create()
    t = Trainer(net(), cfg_for(ema=DECAY, select="val_accuracy"), ClassifyTask("cross_entropy", 3), run, quiet=True)
    t.fit(blobs(), blobs(seed=1))
    best = run.load_checkpoint("best")["model"]
    t.model.load_state_dict(best)  # what the torch backend does under training.select
    reference = net()
    reference.load_state_dict(best)
    test = blobs(seed=2)
    with torch.no_grad():
        out = reference.eval()(test.x)
    assert t.evaluate(test)["loss"] == pytest.approx(nn.functional.cross_entropy(out, test.y).item(), rel=1e-6)


class Kill(TrainingFeature):
    def on_epoch_end(self, trainer, record):
        if record["epoch"] == 2:
            raise KeyboardInterrupt  # stands in for kill -9 after epoch 2's checkpoint


def test_resume_continues_the_average_exactly(tmp_path):
    cfg = cfg_for(ema=DECAY)
    full = RunDir(tmp_path / "full").create()
    Trainer(net(), cfg, ClassifyTask("cross_entropy", 3), full, quiet=True).fit(blobs(), blobs(seed=1))
    part = RunDir(tmp_path / "part").create()
    with pytest.raises(KeyboardInterrupt):
        Trainer(net(), cfg, ClassifyTask("cross_entropy", 3), part, quiet=True, callbacks=[Kill()]).fit(
            blobs(), blobs(seed=1))
    Trainer(net(), cfg, ClassifyTask("cross_entropy", 3), part, quiet=True).fit(blobs(), blobs(seed=1), resume=True)
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("seconds", "images_per_s")} for r in rs]  # noqa
    assert strip(part.read_metrics()) == strip(full.read_metrics())
    for key in ("model", "trained"):
        a, b = full.load_checkpoint("last")[key], part.load_checkpoint("last")[key]
        assert all(torch.equal(a[k], b[k]) for k in a), key


@pytest.mark.parametrize("first, then, found", [(DECAY, 0.0, "expected the checkpoint's value (> 0), found 0"),
                                                (0.0, DECAY, f"expected 0 as in the checkpoint, found {DECAY}")])
def test_resuming_with_the_averaging_switched_is_refused_in_one_line(tmp_path, first, then, found):
    run = RunDir(tmp_path / "r").create()
    with pytest.raises(KeyboardInterrupt):
        Trainer(net(), cfg_for(ema=first), ClassifyTask("cross_entropy", 3), run, quiet=True,
                callbacks=[Kill()]).fit(blobs())
    with pytest.raises(ConfigError, match=re.escape(f"training.ema: {found}")) as err:
        Trainer(net(), cfg_for(ema=then), ClassifyTask("cross_entropy", 3), run, quiet=True).fit(blobs(), resume=True)
    assert "\n" not in str(err.value)
