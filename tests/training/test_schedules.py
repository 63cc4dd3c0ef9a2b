import math

import pytest
import torch

from mllab.training.config import ScheduleConfig
from mllab.training.schedules import build_scheduler, lr_factor_fn


def lrs_per_epoch(cfg, epochs, steps=3, torch_sched=None):
    """The lr in effect at the first batch of each epoch, via the real LambdaLR."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = build_scheduler(opt, cfg, epochs, steps)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        for _ in range(steps):
            opt.step()
            sched.step()
    return out


def torch_reference(make, epochs):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_multistep_matches_torch():
    cfg = ScheduleConfig(name="multistep", milestones=[3, 5, 7], gamma=0.1)
    ours = lrs_per_epoch(cfg, 9)
    ref = torch_reference(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [3, 5, 7], 0.1), 9)
    assert ours == pytest.approx(ref)


def test_step_matches_torch():
    cfg = ScheduleConfig(name="step", step_size=2, gamma=0.5)
    ref = torch_reference(lambda o: torch.optim.lr_scheduler.StepLR(o, 2, 0.5), 7)
    assert lrs_per_epoch(cfg, 7) == pytest.approx(ref)


def test_last_epochs_and_piecewise_follow_the_reports():
    # report 003, Fashion-MNIST: 110 epochs, x0.5 for the last 10
    f = lr_factor_fn(ScheduleConfig(name="last_epochs", last_epochs=10, factor=0.5), epochs=110)
    assert [f(e) for e in (0, 99, 100, 109)] == [1.0, 1.0, 0.5, 0.5]
    # report 003, CIFAR-10 schedule 1: x0.5 for 120-140, x0.1 for 140-150
    g = lr_factor_fn(ScheduleConfig(name="piecewise", phases={120: 0.5, 140: 0.1}), epochs=150)
    assert [g(e) for e in (0, 119, 120, 139, 140, 149)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


def test_cosine_closed_form_per_batch():
    f = lr_factor_fn(ScheduleConfig(name="cosine", final_factor=0.0), epochs=10)
    for t in (0, 1.5, 5, 7.25, 10):
        assert f(t) == pytest.approx(0.5 * (1 + math.cos(math.pi * t / 10)))


def test_onecycle_rises_then_falls():
    f = lr_factor_fn(ScheduleConfig(name="onecycle", warmup_fraction=0.2), epochs=10)
    assert f(1) == pytest.approx(0.5) and f(2) == pytest.approx(1.0) and f(6) == pytest.approx(0.5)
    assert f(10) == pytest.approx(0.0)
