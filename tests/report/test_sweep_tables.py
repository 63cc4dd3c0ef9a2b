"""A sweep's tables from its folder alone: one row per setting, the setting chosen on validation marked,
published vs measured for it; nothing chosen without a validation metric."""

import json

import pytest
import yaml

from mllab.core.errors import ConfigError
from mllab.report.selection import requested
from mllab.report.sweep import write_sweep_report, write_tables


def fake_sweep(folder, tables, published=(), select=None):
    """A sweep folder as ``mllab sweep`` leaves it: sweep.yaml and each setting's aggregate.json."""
    lrs = list(tables)
    settings = [{"folder": f"lr{lr}", "overrides": [f"optimizer.lr={lr}"]} for lr in lrs]
    folder.mkdir(parents=True)
    (folder / "sweep.yaml").write_text(yaml.safe_dump({
        "recipe": "s003_lenet_mnist_l2", "overrides": [], "grid": {"optimizer.lr": lrs}, "seeds": 2,
        "executor": "local", "select": select or {"metric": None, "mode": None}, "settings": settings,
        "status": "completed",
        "trials": [{"id": f"id{lr}{k}", "setting": f"lr{lr}", "seed": k, "path": f"lr{lr}/seed{k}"}
                   for lr in lrs for k in (0, 1)]}))
    for lr, table in tables.items():
        (folder / f"lr{lr}").mkdir()
        (folder / f"lr{lr}" / "aggregate.json").write_text(json.dumps(
            {"table": table, "std_ddof": 1, "summaries": [{"published": list(published)}]}))


def stats(mean, std, mx, mn=None):
    return {"mean": mean, "std": std, "max": mx, "min": mean - (std or 0) if mn is None else mn, "n": 2}


# lr 0.1 has the higher test accuracy, lr 0.01 the higher validation accuracy: validation must choose
LEAKY = {"0.1": {"test_accuracy": stats(0.99, 0.001, 0.991), "val_accuracy": stats(0.95, 0.002, 0.952),
                 "test_loss": stats(0.1, 0.01, 0.11, 0.09), "val_loss": stats(0.2, 0.01, 0.21)},
         "0.01": {"test_accuracy": stats(0.98546, 0.00105, 0.9865), "val_accuracy": stats(0.97, 0.0021, 0.972),
                  "test_loss": stats(0.05, None, 0.06, 0.04), "val_loss": stats(0.1, 0.01, 0.11)}}


def test_the_setting_chosen_on_validation_is_marked_and_its_published_row_shown(tmp_path):
    folder = tmp_path / "sweep"
    fake_sweep(folder, LEAKY, published=["s003-lenet-mnist-l2"])
    out = write_tables(folder)
    lines = out["csv"].read_text().splitlines()
    assert lines[0].startswith("optimizer.lr,val_accuracy mean,val_accuracy std (n-1),val_accuracy max,"
                               "test_accuracy mean,")
    assert "test_loss min" in lines[0] and "test_loss max" not in lines[0]  # a loss's best seed is its lowest
    assert lines[1].endswith(",2,0") and lines[2].endswith(",2,1")  # lr 0.01: higher val, lower test accuracy
    md = out["md"].read_text()
    assert "highest mean val_accuracy" in md
    assert "| 0.01 | 0.97 | 0.0021 | 0.972 | 0.9855 | 0.00105 | 0.9865 | 0.05 | - | 0.04 | 2 | **best** |" in md
    assert "the setting chosen on val_accuracy" in md and "0.9855 +- 0.00105 | lr0.01 |" in md
    page = write_sweep_report(folder).read_text()
    assert '<tr class="best"><td><a href="lr0.01/report.html">lr0.01</a>' in page
    assert page.index('href="lr0.01/report.html"') < page.index('href="lr0.1/report.html"')  # best first
    assert "Published vs measured" in page and "--metric" not in page  # the default chose


def test_metric_and_mode_from_sweep_yaml_choose_again_when_the_tables_are_rebuilt(tmp_path):
    folder = tmp_path / "sweep"
    fake_sweep(folder, LEAKY, select=requested("val_loss", "max"))  # a deliberate max of a loss: kept
    lines = write_tables(folder)["csv"].read_text().splitlines()
    assert lines[0].startswith("optimizer.lr,val_loss mean,")
    assert lines[1].endswith(",1") and lines[2].endswith(",0")
    assert "--metric=val_loss --mode=max" in write_sweep_report(folder).read_text()


def test_without_a_validation_metric_nothing_is_chosen_and_the_note_says_how(tmp_path):
    folder = tmp_path / "sweep"
    fake_sweep(folder, {lr: {"test_accuracy": t["test_accuracy"]} for lr, t in LEAKY.items()},
               published=["s003-lenet-mnist-l2"])
    out = write_tables(folder)
    assert [line.rsplit(",", 1)[1] for line in out["csv"].read_text().splitlines()[1:]] == ["0", "0"]
    md = out["md"].read_text()
    assert "**best**" not in md and "data.val_fraction" in md
    assert "| lr0.1 |" in md and "| lr0.01 |" in md  # published vs every setting, none picked
    page = write_sweep_report(folder).read_text()
    assert 'class="best"' not in page and "data.val_fraction" in page


def test_a_test_metric_is_refused_for_choosing_even_from_a_hand_edited_sweep_yaml(tmp_path):
    with pytest.raises(ConfigError, match="must not choose its setting on the test split"):
        requested("test_accuracy", "max")
    with pytest.raises(ConfigError, match="--mode 'best'"):
        requested("val_accuracy", "best")
    folder = tmp_path / "sweep"
    fake_sweep(folder, LEAKY, select={"metric": "test_accuracy", "mode": "max"})
    assert "**best**" not in write_tables(folder)["md"].read_text()


def test_an_older_sweep_with_population_stds_shows_sample_stds(tmp_path):
    folder = tmp_path / "sweep"
    fake_sweep(folder, LEAKY)
    agg = folder / "lr0.1" / "aggregate.json"
    data = json.loads(agg.read_text())
    del data["std_ddof"]  # as mllab wrote it before the sample std: ddof=0
    agg.write_text(json.dumps(data))
    line = write_tables(folder)["csv"].read_text().splitlines()[1]
    assert float(line.split(",")[2]) == pytest.approx(0.002 * 2 ** 0.5)
