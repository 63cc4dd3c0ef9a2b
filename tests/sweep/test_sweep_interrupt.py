"""A sweep stopped by SIGTERM (or Ctrl-C) stops its running trials cleanly and says what finished and how to resume."""

import json
import signal
import subprocess
import time

import pytest

from tests.cli.cli_run import ENV, MLLAB


@pytest.mark.slow  # two workers train for a minute; tests/experiments/test_executor.py covers the same in seconds
def test_sigterm_stops_running_workers_cleanly_and_says_what_finished(tmp_path):
    proc = subprocess.Popen(MLLAB + ["sweep", "demo", "training.epochs=200", "output.figures=false", "--grid",
                                     "optimizer.lr=0.003,0.01", "--seeds", "2", "--workers", "2", "-q",
                                     "--out", str(tmp_path)],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1800):  # up to 3 minutes for both workers to start and train a first epoch
        lines = [p.read_text() for p in tmp_path.glob("demo/sweep-*/*/seed*/metrics.jsonl")]
        if sum(bool(t.strip()) for t in lines) == 2 or proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert ("interrupted: 0 of 4 trials finished and are kept; the others stopped at their last checkpoint; run "
            "the same command again to resume the sweep") in err
    statuses = [json.loads(p.read_text())["status"] for p in tmp_path.glob("demo/sweep-*/*/seed*/summary.json")]
    assert statuses == ["interrupted", "interrupted"]  # the two running trials recorded it; none started after
