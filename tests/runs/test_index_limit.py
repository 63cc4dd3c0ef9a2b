"""``list_runs(limit=N)`` reads only the newest N folders and gives what reading them all gives."""

import sqlite3

from mllab.runs.index import _one_per_folder, _read, _row, list_runs, record_run


def test_limit_gives_the_newest_folders_of_the_whole_listing(tmp_path):
    root = tmp_path / "runs"
    db = root / "index.sqlite"
    for i in range(12):
        folder = root / "e" / f"g{i:02d}" / "seed0"
        folder.mkdir(parents=True)
        record_run(db, {"id": f"e/g{i:02d}/seed0", "experiment": "e", "status": "completed",
                        "started": f"t{i // 2:02d}", "finished": f"f{i:02d}", "path": str(folder)})
    # a row an older mllab wrote for g11 under another spelling, finished later: one row per folder, the last
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO runs (id, experiment, status, started, finished, path) VALUES (?, ?, ?, ?, ?, ?)",
                    ["runs/e/g11/seed0", "e", "failed", "t05", "f99", str(root / "e" / "g11" / "seed0")])
    everything = _one_per_folder(root, [_row(r) for r in _read(db, "SELECT * FROM runs ORDER BY started DESC", [])])
    assert len(everything) == 12
    for limit in (1, 2, 3, 5, 12, 50):
        assert list_runs(db, limit=limit) == everything[:limit]
    g11 = [r for r in list_runs(db, limit=2) if r["id"] == "e/g11/seed0"]
    assert [r["finished"] for r in g11] == ["f99"]  # the older spelling shares its run's start: looked at
