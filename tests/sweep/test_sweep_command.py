"""``mllab sweep``'s choice and executor arguments through the command: one line, exit 2, nothing written."""

import time

from tests.cli.cli_run import mllab


def test_choosing_on_a_test_metric_is_refused_in_one_line(tmp_path):
    proc = mllab("sweep", "demo", "--grid", "optimizer.lr=0.1,0.01", "--metric", "test_accuracy",
                 "--out", str(tmp_path), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: --metric test_accuracy: a sweep must not choose its setting on the test "
                                  "split") and len(proc.stderr.strip().splitlines()) == 1
    assert "--metric val_accuracy" in proc.stderr  # what to do instead
    assert not list(tmp_path.iterdir())


def test_a_ray_address_that_does_not_answer_is_one_line_not_a_hang(tmp_path):
    """It used to wait 280 s in ray.init printing only Ray's warnings; a closed port refuses at once."""
    start = time.monotonic()
    proc = mllab("sweep", "demo", "--grid", "optimizer.lr=0.1", "--executor", "ray", "--address", "127.0.0.1:1",
                 "--out", str(tmp_path), check=False, timeout=60)
    assert time.monotonic() - start < 30
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: --address 127.0.0.1:1: no Ray cluster answers there")
    assert not list(tmp_path.iterdir())
