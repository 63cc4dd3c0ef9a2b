"""Sweeps: the plan (grid, ids), equality with running the trials one by one, resume and refusal."""

import logging

import pytest
import yaml

from mllab.experiments.recipes import config_for
from mllab.experiments.trial import run_one
from mllab.runs.liveness import owner
from mllab.runs.rundir import RunDir
from mllab.sweep import plan
from mllab.experiments.executor import threads_per_worker
from mllab.sweep.sweep import SweepRunningError, run_sweep

FAST = ["training.epochs=1", "output.figures=false", "training.batch_size=128"]


def test_grid_is_parsed_and_expanded_first_key_slowest():
    grid = plan.parse_grid(["optimizer.lr=0.1,0.01", "penalty.l2=0, 0.001"])
    assert grid == {"optimizer.lr": ["0.1", "0.01"], "penalty.l2": ["0", "0.001"]}
    assert plan.settings(grid) == [["optimizer.lr=0.1", "penalty.l2=0"], ["optimizer.lr=0.1", "penalty.l2=0.001"],
                                   ["optimizer.lr=0.01", "penalty.l2=0"], ["optimizer.lr=0.01", "penalty.l2=0.001"]]
    for bad in (["optimizer.lr"], ["optimizer.lr="], ["a=1", "a=2"]):
        with pytest.raises(ValueError, match="--grid"):
            plan.parse_grid(bad)


def test_trial_ids_hash_config_and_seed_not_threads_or_provenance():
    cfg = config_for("demo", ["training.epochs=1"])
    a = plan.config_hash(plan.seed_config(cfg, 0, 1))
    assert a == plan.config_hash(plan.seed_config(cfg, 0, 4))  # threads: not the trial's identity
    assert a == plan.config_hash(plan.seed_config(cfg.model_copy(update={"overrides": ["x=1"]}), 0, 1))
    assert a != plan.config_hash(plan.seed_config(cfg, 1, 1))
    assert a != plan.config_hash(plan.seed_config(config_for("demo", ["training.epochs=2"]), 0, 1))


def test_setting_folders_fall_back_to_full_keys_when_short_ones_collide():
    assert plan.setting_folders([["optimizer.lr=0.1"], ["optimizer.lr=0.01"]]) == ["lr0.1", "lr0.01"]
    assert plan.setting_folders([["a.x=1"], ["b.x=1"]]) == ["a_x1", "b_x1"]


def test_more_threads_than_cores_warns(caplog):
    with caplog.at_level(logging.WARNING):
        assert threads_per_worker(4, cores=8) == 2
        assert not caplog.records
        assert threads_per_worker(4, asked=4, cores=8) == 4
    assert "4 trials at a time x 4 torch threads on 8 CPU cores" in caplog.text


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A 2-setting x 2-seed sweep of the demo at one epoch, in this process."""
    root = tmp_path_factory.mktemp("runs")
    result = run_sweep("demo", FAST, ["optimizer.lr=0.003,0.01"], seeds=2, workers=1, out=root)
    return root, result


def test_sweep_writes_every_trial_a_table_per_setting_and_the_index(swept):
    root, result = swept
    folder = result["folder"]
    assert [t["status"] for t in result["trials"]] == ["completed"] * 4
    state = yaml.safe_load((folder / "sweep.yaml").read_text())
    assert [t["path"] for t in state["trials"]] == ["lr0.003/seed0", "lr0.003/seed1", "lr0.01/seed0", "lr0.01/seed1"]
    assert len({t["id"] for t in state["trials"]}) == 4
    lines = (folder / "table.csv").read_text().splitlines()
    assert lines[0].startswith("optimizer.lr,val_accuracy mean,val_accuracy std (n-1),val_accuracy max,"
                               "test_accuracy mean,test_accuracy std (n-1),test_accuracy max")
    assert len(lines) == 3
    val_means = []
    for line, setting in zip(lines[1:], ("lr0.003", "lr0.01")):  # the table is the seeds' mean, sample std, max
        finals = [RunDir(folder / setting / f"seed{k}").read_summary()["final"] for k in (0, 1)]
        accs = [f["test_accuracy"] for f in finals]
        mean, std, mx = map(float, line.split(",")[4:7])
        assert mean == pytest.approx(sum(accs) / 2) and mx == max(accs)
        assert std == pytest.approx(abs(accs[0] - accs[1]) / 2 ** 0.5)  # ddof=1
        val_means.append(sum(f["val_accuracy"] for f in finals) / 2)
    best = [line.split(",")[-1] for line in lines[1:]]
    assert best == ["1", "0"] if val_means[0] > val_means[1] else ["0", "1"]  # chosen on validation
    assert "**best**" in (folder / "table.md").read_text()
    assert "highest mean val_accuracy" in (folder / "table.md").read_text()
    from mllab.runs.index import list_runs

    assert len(list_runs(root / "index.sqlite")) == 4  # the driver recorded every trial


def test_sweep_equals_its_trials_run_one_by_one(swept, tmp_path):
    """The same config and seed, trained alone in this process, gives the same metrics as in the sweep."""
    _, result = swept
    for summary in result["trials"][::3]:  # the first setting's seed 0 and the second's seed 1
        cfg = RunDir(summary["path"]).read_config()
        alone = run_one(cfg, RunDir(tmp_path / f"seed{cfg.seed}-{cfg.optimizer.lr}"), tmp_path, quiet=True)
        assert alone["final"] == summary["final"]


def test_rerun_trains_nothing_and_resumes_a_killed_trial(swept):
    root, result = swept
    folder = result["folder"]
    killed = RunDir(folder / "lr0.01" / "seed1")
    summary = killed.read_summary()
    final = summary.pop("final")
    killed.write_summary({**summary, "status": "running", "owner": {**owner(), "pid": -1}})  # its process is gone
    before = {p: p.stat().st_mtime_ns for p in folder.glob("*/seed*/metrics.jsonl")}
    epochs = (killed.path / "metrics.jsonl").read_text()
    again = run_sweep("demo", FAST, ["optimizer.lr=0.003,0.01"], seeds=2, workers=1, out=root)
    assert again["folder"] == folder
    changed = [p.parent for p in folder.glob("*/seed*/metrics.jsonl") if p.stat().st_mtime_ns != before[p]]
    assert changed == [killed.path]  # the finished trials were not touched
    assert (killed.path / "metrics.jsonl").read_text() == epochs  # resumed from its checkpoint: no epoch retrained
    resumed = killed.read_summary()
    assert resumed["status"] == "completed" and resumed["final"] == pytest.approx(final)


def test_a_sweep_a_live_process_runs_is_refused(swept):
    root, result = swept
    path = result["folder"] / "sweep.yaml"
    state = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**state, "status": "running", "owner": owner()}))  # this live process
    try:
        with pytest.raises(SweepRunningError, match="another 'mllab sweep'"):
            run_sweep("demo", FAST, ["optimizer.lr=0.003,0.01"], seeds=2, out=root)
    finally:
        path.write_text(yaml.safe_dump(state))
