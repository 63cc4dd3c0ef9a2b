import multiprocessing as mp
from pathlib import Path

import pytest

from mllab.runs.index import find_run, list_runs, record_run


def _writer(db, worker, n):
    for i in range(n):
        record_run(db, {"id": f"w{worker}-{i}", "experiment": "e", "seed": i, "status": "completed",
                        "started": f"2026-01-01T00:00:{i:02d}", "metrics": {"test_accuracy": i / n}})


def test_concurrent_processes_lose_no_rows(tmp_path):
    db = tmp_path / "index.sqlite"
    procs = [mp.get_context("spawn").Process(target=_writer, args=(db, w, 25)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows = list_runs(db, limit=1000)
    assert len(rows) == 100 and len({r["id"] for r in rows}) == 100


def test_update_replaces_row_and_lookup_by_id(tmp_path):
    db = tmp_path / "index.sqlite"
    record_run(db, {"id": "a", "experiment": "x", "status": "running", "started": "t0"})
    record_run(db, {"id": "a", "experiment": "x", "status": "completed", "started": "t0",
                    "metrics": {"test_accuracy": 0.5}})
    row = find_run(db, "a")
    assert row["status"] == "completed" and row["metrics"] == {"test_accuracy": 0.5}
    assert list_runs(db, experiment="other") == [] and find_run(db, "zzz") is None


def test_one_id_per_folder_whatever_the_spelling(tmp_path, monkeypatch):
    from mllab.runs.index import run_id

    root = tmp_path / "runs"
    run = root / "demo" / "g" / "seed0"
    run.mkdir(parents=True)
    (tmp_path / "link").symlink_to(root / "demo")
    monkeypatch.chdir(tmp_path)
    spellings = [run, Path("runs/demo/g/seed0"), Path("./runs/demo/g/seed0/"), Path("runs/demo/../demo/g/seed0"),
                 tmp_path / "link" / "g" / "seed0"]
    assert {run_id(r, s) for r in (root, Path("runs"), Path("./runs/")) for s in spellings} == {"demo/g/seed0"}


def test_rows_an_older_index_wrote_for_one_folder_are_listed_once(tmp_path, monkeypatch):
    """Before ids were resolved, --resume runs/demo/g/seed0 added a row beside demo/g/seed0."""
    root = tmp_path / "runs"
    (root / "demo" / "g" / "seed0").mkdir(parents=True)
    (root / "demo" / "g" / "seed1").mkdir()
    monkeypatch.chdir(tmp_path)
    db = root / "index.sqlite"
    record_run(db, {"id": "demo/g/seed0", "path": "runs/demo/g/seed0", "status": "running", "started": "t0"})
    record_run(db, {"id": "runs/demo/g/seed0", "path": "runs/demo/g/seed0", "status": "completed",
                    "started": "t0", "finished": "t1"})
    record_run(db, {"id": "demo/g/seed1", "path": "runs/demo/g/seed1", "status": "completed", "started": "t2"})
    rows = list_runs(db)
    assert [(r["id"], r["status"]) for r in rows] == [("demo/g/seed1", "completed"), ("demo/g/seed0", "completed")]
    assert find_run(db, "runs/demo/g/seed0")["id"] == "demo/g/seed0"


def test_reading_the_index_changes_nothing_and_a_damaged_one_is_one_line(tmp_path):
    from mllab.runs.index import RunIndexError

    db = tmp_path / "index.sqlite"
    record_run(db, {"id": "a", "status": "completed", "started": "t0"})
    before = db.read_bytes()
    assert [r["id"] for r in list_runs(db)] == ["a"] and db.read_bytes() == before  # opened read-only
    db.write_bytes(b"not a database" * 100)
    with pytest.raises(RunIndexError, match=f"{db}: cannot be read as a run index .*move it aside"):
        list_runs(db)
