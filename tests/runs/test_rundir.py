import pytest

from mllab.core.files import atomic_path
from mllab.runs.rundir import RunDir


def test_atomic_path_leaves_target_untouched_on_failure(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_metrics_truncate_for_resume(tmp_path):
    run = RunDir(tmp_path).create()
    for e in range(1, 5):
        run.append_metrics({"epoch": e, "train_loss": 1.0 / e})
    run.truncate_metrics(2)
    assert [r["epoch"] for r in run.read_metrics()] == [1, 2]


def test_missing_checkpoint_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="start it again"):
        RunDir(tmp_path).create().load_checkpoint("last")
