"""``mllab sweep`` through the command line: a user's mistake is an error message, before anything is written."""

from tests.cli.test_cli import mllab


def test_a_bad_grid_or_executor_is_an_error_and_writes_nothing(tmp_path):
    for args, says in ((["--grid", "optimizer.lr"], "expected KEY=V1,V2"),
                       (["--grid", "optimizer.lr=0.1", "--executor", "slurm"], "--executor 'slurm'"),
                       (["--grid", "optimizer.lr=0.1", "--address", "10.0.0.1:6379"], "--executor ray"),
                       (["--grid", "training.nope=1,2"], "training.nope: unknown key")):
        proc = mllab("sweep", "demo", *args, "--out", str(tmp_path), check=False)
        assert proc.returncode == 2, proc.stderr
        assert says in proc.stderr and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert not list(tmp_path.iterdir())  # refused before any folder was made
