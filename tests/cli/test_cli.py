"""End-to-end through the installed ``mllab`` command (subprocesses, as a user runs it)."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cli_run import ENV, MLLAB, mllab


def test_help_lists_the_commands():
    out = mllab("--help").stdout
    for command in ("train", "demo", "eval", "data", "models", "recipes", "runs"):
        assert command in out


def test_demo_trains_prints_accuracy_and_writes_a_report(tmp_path):
    out = mllab("demo", "--out", str(tmp_path), "--quiet").stdout
    acc = float(next(line for line in out.splitlines() if line.startswith("test accuracy")).split(":")[1])
    assert acc >= 0.97
    report = Path(next(line for line in out.splitlines() if line.startswith("report:")).split(": ", 1)[1])
    html = report.read_text()
    for section in ("Final metrics", "curves", "confusion", "misclassified", "Config"):
        assert section in html
    assert (tmp_path / "index.sqlite").is_file()


def test_bad_override_is_one_clear_line_not_a_traceback(tmp_path):
    proc = mllab("train", "demo", "training.epoch=2", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2
    assert "training.epoch: unknown key; allowed here: epochs" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_recipe_names_the_choices(tmp_path):
    proc = mllab("train", "no_such_recipe", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2 and "unknown recipe 'no_such_recipe'" in proc.stderr
    assert "'mllab recipes list' shows them" in proc.stderr and len(proc.stderr.splitlines()) == 1
    near = mllab("train", "s003_lenet_mnist_l3", "--out", str(tmp_path), check=False)
    suggested = near.stderr.partition("did you mean ")[2].partition("?")[0].replace(" or ", ", ").split(", ")
    assert near.returncode == 2 and {"s003_lenet_mnist_l1", "s003_lenet_mnist_l2"} <= set(suggested[:2])


def _final(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())["final"]


def wait_for_epochs(proc: subprocess.Popen, root: Path, pattern: str, n: int, timeout: float = 120) -> Path:
    """The metrics file of ``proc``'s run once it holds ``n`` epochs; the process is then stopped (SIGSTOP), so
    it cannot finish between this check and the caller's kill, however fast the machine."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        found = list(root.glob(pattern))
        if found and len(found[0].read_text().splitlines()) >= n:
            os.kill(proc.pid, signal.SIGSTOP)
            return found[0]
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"the run never reached epoch {n + 1} (exit status {proc.poll()})")


def test_kill_9_during_epoch_3_then_resume_equals_uninterrupted(tmp_path):
    args = ["demo", "training.epochs=5", "data.val_fraction=0.1", "--quiet"]
    mllab("train", *args, "--out", str(tmp_path / "full"))
    full = next((tmp_path / "full").glob("demo/*/seed0"))

    proc = subprocess.Popen(MLLAB + ["train", *args, "--out", str(tmp_path / "killed")], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = wait_for_epochs(proc, tmp_path / "killed", "demo/*/seed0/metrics.jsonl", 2)
    assert len(metrics.read_text().splitlines()) < 5, "the run ended before the kill; nothing would be resumed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run = metrics.parent
    assert json.loads((run / "summary.json").read_text())["status"] == "running"  # killed, not finished
    listing = mllab("runs", "list", "--root", str(tmp_path / "killed")).stdout  # but its process is gone
    assert "interrupted" in listing and f"(resume: mllab train --resume {run.parent})" in listing
    shown = mllab("runs", "show", str(run)).stdout
    assert f"status       interrupted (the process that wrote 'running' is gone; resume: mllab train --resume " \
           f"{run.parent})" in shown
    mllab("train", "--resume", str(run), "--quiet")
    assert _final(run) == _final(full)
    epochs = [json.loads(line)["epoch"] for line in metrics.read_text().splitlines()]
    assert epochs == [1, 2, 3, 4, 5]


def test_seeds_write_a_table_and_runs_list_shows_them(tmp_path):
    out = mllab("train", "demo", "training.epochs=2", "--seeds", "2", "--out", str(tmp_path), "--quiet").stdout
    assert "2 seeds" in out and "table:" in out
    group = next((tmp_path / "demo").iterdir())
    agg = json.loads((group / "aggregate.json").read_text())
    assert agg["seeds"] == [0, 1] and agg["table"]["test_accuracy"]["n"] == 2
    listing = mllab("runs", "list", "--root", str(tmp_path)).stdout
    assert listing.count("completed") == 2
    page = (group / "report.html").read_text()  # the group's own report: table, every seed's curves, links
    assert f"report: {group / 'report.html'}" in out and "seed0/report.html" in page and "seed1/report.html" in page
    assert "test_accuracy" in page and (group / "seeds.png").stat().st_size > 1000
    (group / "report.html").unlink()
    assert f"report: {group / 'report.html'}" in mllab("report", str(group)).stdout  # rebuilt from the files
    assert (group / "report.html").is_file()


def test_eval_on_inverted_test_data_changes_accuracy(tmp_path):
    mllab("train", "demo", "training.epochs=3", "--out", str(tmp_path), "--quiet")
    run = next(tmp_path.glob("demo/*/seed0"))
    plain = mllab("eval", str(run)).stdout
    assert f"test accuracy: {_final(run)['test_accuracy']:.4f}" in plain
    inverted = mllab("eval", str(run), "data.test_transforms=[invert]").stdout
    assert inverted != plain


def test_absent_dataset_trains_on_the_recipe_stand_in_and_says_so(tmp_path):
    env = {**ENV, "MLLAB_DATA": str(tmp_path / "empty"), "MLLAB_CACHE": str(tmp_path / "cache")}
    proc = mllab("train", "demo", "data.name=svhn", "data.stand_in=[digits]", "training.epochs=1",
                 "published=[s000-mlp]", "--out", str(tmp_path / "runs"), "--quiet", env=env)
    assert "svhn: files not found" in proc.stderr and "stand-in digits" in proc.stderr
    assert "dataset: digits, standing in for svhn" in proc.stdout
    assert "s000-mlp (mlp on svhn): published 0.7825, this small_cnn on digits" in proc.stdout


def test_runs_published_prints_the_command_that_rebuilds_a_group(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    mllab("train", "demo", "training.epochs=1", "published=[s003-lenet-mnist-l2]", "--seeds", "2",
          "--out", str(first), "--quiet")
    table = mllab("runs", "published", "--root", str(first)).stdout
    assert "| demo | s003-lenet-mnist-l2 | 0.9901 +- 0.0008 (5) |" in table
    assert "| not comparable | - | 1 of 30 |" in table and "| digits (published: mnist) |" in table
    command = table.split("`")[1]
    assert command == "mllab train demo --seeds 2 training.epochs=1 published=[s003-lenet-mnist-l2]"
    mllab(*command.split()[1:], "--out", str(second), "--quiet")
    configs = [next(root.glob("demo/*/seed1/config.yaml")).read_text() for root in (first, second)]
    assert configs[0] == configs[1]


def test_resume_of_a_group_folder_keeps_finished_seeds_and_writes_the_table(tmp_path):
    mllab("train", "demo", "training.epochs=1", "--seeds", "2", "--out", str(tmp_path), "--quiet")
    group = next((tmp_path / "demo").iterdir())
    (group / "aggregate.json").unlink()  # as if killed after its last seed, before the table
    before = [(group / f"seed{k}" / "summary.json").read_text() for k in range(2)]
    out = mllab("train", "--resume", str(group), "--quiet").stdout
    assert "2 seeds" in out and (group / "aggregate.json").is_file()
    assert [(group / f"seed{k}" / "summary.json").read_text() for k in range(2)] == before


def test_resume_with_seeds_grows_a_group_and_refuses_a_single_run(tmp_path):
    mllab("train", "demo", "training.epochs=1", "--seeds", "1", "--out", str(tmp_path), "--quiet")
    group = next((tmp_path / "demo").iterdir())
    out = mllab("train", "--resume", str(group), "--seeds", "2", "--quiet").stdout
    assert "2 seeds" in out and (group / "seed1" / "summary.json").is_file()
    proc = mllab("train", "--resume", str(group / "seed0"), "--seeds", "3", "--quiet", check=False)
    assert proc.returncode != 0 and "--seeds with --resume grows a seed group" in proc.stderr
    assert str(group) in proc.stderr and not (group / "seed2").exists()
