"""A sweep's tables from its folder alone: one row per setting, the best marked, published vs measured."""

import json

import yaml

from mllab.report.sweep import write_sweep_report, write_tables


def fake_sweep(folder, tables, published=()):
    """A sweep folder as ``mllab sweep`` leaves it: sweep.yaml and each setting's aggregate.json."""
    lrs = list(tables)
    settings = [{"folder": f"lr{lr}", "overrides": [f"optimizer.lr={lr}"]} for lr in lrs]
    folder.mkdir(parents=True)
    (folder / "sweep.yaml").write_text(yaml.safe_dump({
        "recipe": "s003_lenet_mnist_l2", "overrides": [], "grid": {"optimizer.lr": lrs}, "seeds": 2,
        "executor": "local", "settings": settings, "status": "completed",
        "trials": [{"id": f"id{lr}{k}", "setting": f"lr{lr}", "seed": k, "path": f"lr{lr}/seed{k}"}
                   for lr in lrs for k in (0, 1)]}))
    for lr, table in tables.items():
        (folder / f"lr{lr}").mkdir()
        (folder / f"lr{lr}" / "aggregate.json").write_text(json.dumps(
            {"table": table, "summaries": [{"published": list(published)}]}))


def stats(mean, std, mx):
    return {"mean": mean, "std": std, "max": mx, "min": mean - std, "n": 2}


def test_rows_per_setting_best_marked_and_published_vs_measured(tmp_path):
    folder = tmp_path / "sweep"
    fake_sweep(folder, {"0.1": {"test_accuracy": stats(0.9712, 0.0021, 0.9733), "test_loss": stats(0.1, 0.01, 0.11)},
                        "0.01": {"test_accuracy": stats(0.98546, 0.00105, 0.9865), "test_loss": stats(0.05, 0.0, 0.05)}},
               published=["s003-lenet-mnist-l2"])
    out = write_tables(folder)
    lines = out["csv"].read_text().splitlines()
    assert lines[0] == ("optimizer.lr,test_accuracy mean,test_accuracy std,test_accuracy max,"
                        "test_loss mean,test_loss std,test_loss max,seeds,best")
    assert lines[1].endswith(",2,0") and lines[2].endswith(",2,1")  # lr 0.01 has the higher mean accuracy
    md = out["md"].read_text()
    assert "| 0.01 | 0.9855 | 0.00105 | 0.9865 | 0.05 | 0 | 0.05 | 2 | **best** |" in md  # 4 digits, no 0.0500
    assert "| s003-lenet-mnist-l2 |" in md and "0.9855 +- 0.00105 | lr0.01 |" in md
    page = write_sweep_report(folder).read_text()
    assert '<tr class="best"><td><a href="lr0.01/report.html">lr0.01</a>' in page
    assert "Published vs measured" in page


def test_a_loss_only_sweep_marks_the_lowest_loss(tmp_path):
    folder = tmp_path / "sweep"
    fake_sweep(folder, {"0.1": {"test_loss": stats(0.2, 0.01, 0.21)}, "0.01": {"test_loss": stats(0.3, 0.0, 0.3)}})
    lines = write_tables(folder)["csv"].read_text().splitlines()
    assert lines[1].endswith(",1") and lines[2].endswith(",0")
