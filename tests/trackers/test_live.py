"""training.log=[tensorboard, mlflow]: what a run sends while it trains equals its run folder, for the torch
trainer (each epoch live) and the NumPy engine (sent at the end)."""

import pytest

from tests.trackers.test_export import assert_mlflow_runs_equal, assert_same, event_runs, expected_scalars, scalars


@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_live_tensorboard_equals_the_run_folder(trained, backend):
    run = trained[backend]
    mux = event_runs(run / "tensorboard")
    assert list(mux.Runs()) == ["."]
    assert_same(scalars(mux, "."), expected_scalars(run))


@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_live_mlflow_run_equals_the_run_folder(trained, backend):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(trained["db"])
    exported = len(client.search_runs([client.get_experiment_by_name(f"trackers_{backend}").experiment_id])) - 1
    assert_mlflow_runs_equal(client, trained[backend], backend, count=1 + exported)  # + test_export's copy
