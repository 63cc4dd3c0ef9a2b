import json

import pytest
import torch
from toy_data import blobs
from torch import nn

from mllab.core.errors import ConfigError, NonFiniteLossError
from mllab.runs.config import resolve_config
from mllab.runs.rundir import RunDir
from mllab.training.tasks import ClassifyTask
from mllab.training.features import TrainingFeature
from mllab.training.trainer import Tensors, Trainer


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))


def trainer(cfg, run=None, m=None, callbacks=()):
    return Trainer(m or model(), cfg, ClassifyTask(cfg.training.loss, 3), run, quiet=True, callbacks=callbacks)


def cfg_for(**training):
    return resolve_config({"optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
                           "schedule": {"name": "cosine"}, "training": {"batch_size": 32, **training}})


def test_learns_separable_blobs_and_evaluates_like_a_manual_pass():
    t = trainer(cfg_for(epochs=5))
    history = t.fit(blobs(), blobs(seed=1))
    assert len(history) == 5 and history[-1]["val_accuracy"] > 0.95
    test = blobs(seed=2)
    metrics = t.evaluate(test)
    with torch.no_grad():
        out = t.model.eval()(test.x)
    assert metrics["accuracy"] == pytest.approx((out.argmax(1) == test.y).float().mean().item())
    assert metrics["loss"] == pytest.approx(nn.functional.cross_entropy(out, test.y).item(), rel=1e-5)


def test_train_epoch_matches_a_plain_loop():
    """The mllab loop does exactly what a hand-written loop does (same batches, same updates)."""
    cfg = resolve_config({"optimizer": {"lr": 0.05}, "training": {"batch_size": 50, "epochs": 1}})
    data = blobs()
    m_ours, m_ref = nn.Linear(2, 3), nn.Linear(2, 3)
    m_ref.load_state_dict(m_ours.state_dict())
    trainer(cfg, m=m_ours).fit(data)
    opt = torch.optim.SGD(m_ref.parameters(), lr=0.05)
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(cfg.seed))
    for i in range(0, len(data), 50):
        idx = order[i:i + 50]
        opt.zero_grad()
        nn.functional.cross_entropy(m_ref(data.x[idx]), data.y[idx]).backward()
        opt.step()
    torch.testing.assert_close(m_ours.weight, m_ref.weight)


def test_non_finite_loss_stops_with_message_and_keeps_last_good_checkpoint(tmp_path):
    class Explode(TrainingFeature):
        def on_epoch_end(self, trainer, record):
            if record["epoch"] == 2:
                with torch.no_grad():
                    trainer.model[0].weight.fill_(float("nan"))

    run = RunDir(tmp_path / "r").create()
    t = trainer(cfg_for(epochs=5), run, callbacks=[Explode()])
    with pytest.raises(NonFiniteLossError, match=r"epoch 3: training loss is nan.*last good checkpoint \(epoch 2\)"):
        t.fit(blobs())
    ckpt = run.load_checkpoint("last")
    assert ckpt["state"]["epoch"] == 2
    assert all(torch.isfinite(v).all() for v in ckpt["model"].values())
    assert [r["epoch"] for r in run.read_metrics()] == [1, 2]


def test_resume_ends_exactly_like_an_uninterrupted_run(tmp_path):
    cfg = cfg_for(epochs=5, augment={})
    full = RunDir(tmp_path / "full").create()
    trainer(cfg, full).fit(blobs(), blobs(seed=1))

    class Kill(TrainingFeature):
        def on_epoch_end(self, trainer, record):
            if record["epoch"] == 3:
                raise KeyboardInterrupt  # stands in for kill -9 after epoch 3's checkpoint

    part = RunDir(tmp_path / "part").create()
    with pytest.raises(KeyboardInterrupt):
        trainer(cfg, part, callbacks=[Kill()]).fit(blobs(), blobs(seed=1))
    trainer(cfg, part, m=nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))).fit(
        blobs(), blobs(seed=1), resume=True)
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("seconds", "images_per_s")} for r in rs]  # noqa
    assert strip(part.read_metrics()) == strip(full.read_metrics())
    a, b = full.load_checkpoint("last")["model"], part.load_checkpoint("last")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_best_checkpoint_and_early_stopping(tmp_path):
    run = RunDir(tmp_path / "r").create()
    cfg = cfg_for(epochs=30, select="val_accuracy", early_stopping={"metric": "val_loss", "patience": 2})
    cfg.optimizer.lr = 2.0  # unstable enough that val loss stops improving early
    t = trainer(cfg, run)
    history = t.fit(blobs(), blobs(seed=1))
    assert len(history) < 30
    best = max(history, key=lambda r: r["val_accuracy"])
    assert run.load_checkpoint("best")["epoch"] == t.state["best_epoch"]
    assert best["val_accuracy"] == max(r["val_accuracy"] for r in history)


def test_select_without_a_validation_split_is_a_config_error_before_training():
    t = trainer(cfg_for(epochs=1, select="val_accuracy"))
    before = [p.clone() for p in t.model.parameters()]
    with pytest.raises(ConfigError, match=r"^training.select: val_accuracy needs a validation split, found none; "
                                          r"set data.val_fraction"):
        t.fit(blobs())
    assert all(torch.equal(a, b) for a, b in zip(before, t.model.parameters()))  # nothing trained


def test_a_watched_metric_that_is_never_recorded_is_a_config_error_naming_the_recorded_ones():
    with pytest.raises(ConfigError, match=r"^training.early_stopping.metric: expected a recorded metric, found "
                                          r"'val_acc'; recorded: train_loss, train_accuracy, val_loss, val_accuracy$"):
        trainer(cfg_for(epochs=2, early_stopping={"metric": "val_acc", "patience": 1})).fit(blobs(), blobs(seed=1))


def test_metrics_lines_are_json_with_speed(tmp_path):
    run = RunDir(tmp_path / "r").create()
    trainer(cfg_for(epochs=2), run).fit(blobs())
    lines = (run.path / "metrics.jsonl").read_text().splitlines()
    rec = json.loads(lines[-1])
    assert {"epoch", "lr", "train_loss", "train_accuracy", "seconds", "images_per_s"} <= set(rec)


def test_trim_padding_cuts_only_all_padding_columns():
    from mllab.training.trainer import trim_padding

    x = torch.tensor([[4, 2, 0, 0, 0], [1, 0, 3, 0, 0]])
    assert trim_padding(x).tolist() == [[4, 2, 0], [1, 0, 3]]
    assert trim_padding(torch.zeros(2, 4, dtype=torch.long)).shape == (2, 1)


def test_token_batches_trimmed_train_exactly_like_full_width_batches():
    """Trimming is invisible to a token model: same updates, same evaluation, ~L/L' less work."""
    from mllab.models.registry import MODELS

    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 6, (96,), generator=g)
    x = torch.randint(1, 40, (96, 30), generator=g) * (torch.arange(30)[None] < lengths[:, None])
    data = Tensors(x, (x[:, 0] % 2))
    cfg = resolve_config({"optimizer": {"name": "adam", "lr": 0.01}, "training": {"batch_size": 16, "epochs": 2}})
    nets = []
    for tokens in (False, True):
        torch.manual_seed(1)
        net = MODELS.get("text_cnn")((30,), 2, vocab_size=40, embed_dim=8, filters=4, dropout=0.0)
        t = Trainer(net, cfg, ClassifyTask("nll", 2), quiet=True, tokens=tokens)
        t.fit(data)
        nets.append((net, t.evaluate(data)))
    (a, ev_a), (b, ev_b) = nets
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)
    assert ev_a == pytest.approx(ev_b)


def test_evaluate_and_predict_gives_both_from_one_pass_over_the_views():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.Flatten(), nn.Linear(3 * 6 * 6, 3))
    x, y = torch.rand(10, 1, 6, 6), torch.randint(0, 3, (10,))
    t = Trainer(net, cfg_for(test_time_flip=True, test_time_shift=1, eval_batch_size=4),
                ClassifyTask("cross_entropy", 3))
    calls = []
    net.register_forward_pre_hook(lambda module, args: calls.append(len(args[0])))
    scores, labels = t.evaluate_and_predict(Tensors(x, y))
    assert sum(calls) == 10 * 10  # ten views of each image, once
    assert scores == t.evaluate(Tensors(x, y)) and torch.equal(labels, t.predict(x))
    assert t.evaluate_and_predict(Tensors(x, y), predict=False)[1] is None


def test_test_time_flip_evaluates_the_mean_of_image_and_mirror_outputs():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.Flatten(), nn.Linear(3 * 4 * 4, 3))
    x, y = torch.rand(10, 1, 6, 6), torch.randint(0, 3, (10,))
    t = Trainer(net, cfg_for(test_time_flip=True), ClassifyTask("cross_entropy", 3))
    with torch.no_grad():
        logits = (net(x) + net(x.flip(-1))) / 2  # by hand
    got = t.evaluate(Tensors(x, y))
    assert got["loss"] == pytest.approx(float(nn.functional.cross_entropy(logits, y)), rel=1e-6)
    assert torch.equal(t.predict(x), logits.argmax(1))
    plain = Trainer(net, cfg_for(), ClassifyTask("cross_entropy", 3)).evaluate(Tensors(x, y))
    assert plain["loss"] != pytest.approx(got["loss"])  # the mirror changes the outputs of this net


def test_test_time_shift_averages_the_outputs_of_the_moved_views_too():
    from mllab.training.augment import shift

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.Flatten(), nn.Linear(3 * 4 * 4, 3))
    x, y = torch.rand(10, 1, 6, 6), torch.randint(0, 3, (10,))
    t = Trainer(net, cfg_for(test_time_flip=True, test_time_shift=1), ClassifyTask("cross_entropy", 3))
    with torch.no_grad():
        views = [x, x.flip(-1)]
        views += [shift(v, dy, dx) for v in views for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        logits = sum(net(v) for v in views) / 10  # by hand
    assert t.evaluate(Tensors(x, y))["loss"] == pytest.approx(float(nn.functional.cross_entropy(logits, y)), rel=1e-6)
    assert torch.equal(t.predict(x), logits.argmax(1))


@pytest.mark.parametrize("every,evaluated", [(1, [1, 2, 3, 4, 5]), (2, [2, 4, 5]), (0, [5])])
def test_val_every_evaluates_validation_every_n_epochs_and_after_the_last(every, evaluated):
    history = trainer(cfg_for(epochs=5, val_every=every)).fit(blobs(), blobs(seed=1))
    assert [r["epoch"] for r in history if "val_accuracy" in r] == evaluated
    assert all("train_loss" in r for r in history)


def test_val_every_with_a_checkpoint_picked_on_validation_is_a_config_error():
    with pytest.raises(ConfigError, match="training.val_every: expected 1 with training.select"):
        trainer(cfg_for(epochs=2, val_every=0, select="val_accuracy"))


def test_curves_draw_validation_measured_on_some_epochs_only(tmp_path):
    from mllab.report.figures import curves

    history = [{"epoch": e, "train_loss": 1 / e, "train_accuracy": 0.5 + e / 10} for e in (1, 2, 3)]
    history[-1].update(val_loss=0.4, val_accuracy=0.75)
    assert curves(history, tmp_path / "c.png").is_file()
