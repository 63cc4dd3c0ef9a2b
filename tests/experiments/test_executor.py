"""One executor abstraction for --jobs and sweeps: registered names, and one way of stopping when interrupted."""

import os
import time
from pathlib import Path

import pytest

from mllab.core.errors import ConfigError
from mllab.experiments.executor import EXECUTORS, TrialsInterrupted, check_executor, executor_for


def marked_trial(folder: str, k: int, seconds: float) -> int:
    """A trial that says in ``folder`` whether it started, finished, or was interrupted (as a run folder would)."""
    mark = Path(folder) / f"trial{k}"
    mark.write_text(f"started {os.getpid()}")
    try:
        time.sleep(seconds)
    except KeyboardInterrupt:
        mark.write_text("interrupted")
        raise
    mark.write_text("finished")
    return k


def test_the_executors_are_a_registry_and_a_wrong_name_or_address_is_one_line():
    assert EXECUTORS.names() == ["local", "ray"]
    with pytest.raises(ConfigError, match=r"^--executor 'slurm': expected one of local, ray$"):
        check_executor("slurm")
    with pytest.raises(ConfigError, match="--address 10.0.0.1:6379 names a Ray cluster: give it with --executor ray"):
        executor_for("local", address="10.0.0.1:6379")


def test_ctrl_c_in_the_driver_stops_running_workers_cleanly_and_says_what_finished(tmp_path):
    """Interrupted after trial 0 ends: the running trial records that it was interrupted (it would keep its
    checkpoint), no trial starts or finishes after, the workers are gone, and the error counts what finished."""
    def done(i, result):  # Ctrl-C once trial 1 runs (worker start-up imports torch: seconds on a loaded machine)
        for _ in range(1200):
            if (tmp_path / "trial1").exists():
                break
            time.sleep(0.1)
        stopped_at.append(time.monotonic())
        raise KeyboardInterrupt

    stopped_at = []
    trials = [(str(tmp_path), 0, 0.0), (str(tmp_path), 1, 120.0), (str(tmp_path), 2, 120.0)]
    with pytest.raises(TrialsInterrupted, match=r"^interrupted: 1 of 3 trials finished and are kept") as err:
        executor_for("local", workers=2, threads=1).run(marked_trial, trials, done)
    assert time.monotonic() - stopped_at[0] < 60  # stopped, not waited for (the trials sleep 120 s)
    assert (err.value.finished, err.value.total) == (1, 3)
    assert (tmp_path / "trial1").read_text() == "interrupted"
    assert not (tmp_path / "trial2").exists() or (tmp_path / "trial2").read_text() == "interrupted"


def test_ctrl_c_in_process_counts_the_trials_that_finished(tmp_path):
    def interrupted_at_second(k):
        if k == 1:
            raise KeyboardInterrupt
        return k

    results = {}
    with pytest.raises(TrialsInterrupted) as err:
        executor_for("local").run(interrupted_at_second, [(0,), (1,), (2,)], results.__setitem__)
    assert (err.value.finished, err.value.total, results) == (1, 3, {0: 0})
