import multiprocessing as mp

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
