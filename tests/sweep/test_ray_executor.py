"""The Ray executor on a local Ray (127.0.0.1, started and stopped by the sweep) gives the local executor's
trials: the same seeds, the same metrics. Skipped where Ray is not installed (pip install 'mllab[ray]')."""

import pytest

from mllab.sweep.sweep import run_sweep

ray = pytest.importorskip("ray")
FAST = ["training.epochs=1", "output.figures=false", "training.batch_size=128"]


@pytest.mark.slow
def test_ray_trials_equal_local_trials_and_ray_stops(tmp_path):
    local = run_sweep("demo", FAST, ["optimizer.lr=0.01"], seeds=2, workers=2, out=tmp_path / "local")
    remote = run_sweep("demo", FAST, ["optimizer.lr=0.01"], seeds=2, workers=2, executor="ray",
                       out=tmp_path / "ray")
    assert not ray.is_initialized()  # the local Ray it started is gone
    assert [t["status"] for t in remote["trials"]] == ["completed"] * 2
    assert [t["final"] for t in remote["trials"]] == [t["final"] for t in local["trials"]]
    assert (remote["folder"] / "table.csv").read_text() == (local["folder"] / "table.csv").read_text()
    from mllab.runs.index import list_runs

    assert {r["seed"] for r in list_runs(tmp_path / "ray" / "index.sqlite")} == {0, 1}  # written by the driver
