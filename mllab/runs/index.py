"""``runs/index.sqlite``: one row per run, safe when several processes finish at once.

SQLite in WAL mode with a busy timeout serializes concurrent writers; each
write is one short transaction (``INSERT OR REPLACE`` by run id).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    experiment TEXT, grp TEXT, dataset TEXT, model TEXT, seed INTEGER,
    status TEXT, started TEXT, finished TEXT, path TEXT,
    metrics TEXT
)
"""
COLUMNS = ("id", "experiment", "grp", "dataset", "model", "seed", "status", "started", "finished", "path", "metrics")


def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(_SCHEMA)
    return con


def record_run(db: Path, row: dict[str, Any]) -> None:
    """Insert or update one run's row."""
    values = [json.dumps(row.get(c)) if c == "metrics" else row.get(c) for c in COLUMNS]
    with closing(_connect(db)) as con:
        con.execute(f"INSERT OR REPLACE INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                    values)


def forget_run(db: Path, run_id: str) -> None:
    """Delete one run's row (a run folder that was removed)."""
    if db.is_file():
        with closing(_connect(db)) as con:
            con.execute("DELETE FROM runs WHERE id = ?", (run_id,))


def list_runs(db: Path, experiment: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Most recent runs first."""
    if not db.is_file():
        return []
    query, args = "SELECT * FROM runs", []
    if experiment:
        query, args = query + " WHERE experiment = ?", [experiment]
    query += " ORDER BY started DESC LIMIT ?"
    with closing(_connect(db)) as con:
        rows = con.execute(query, args + [limit]).fetchall()
    return [{**dict(zip(COLUMNS, r)), "metrics": json.loads(r[-1] or "null")} for r in rows]


def find_run(db: Path, run_id: str) -> dict[str, Any] | None:
    if not db.is_file():
        return None
    with closing(_connect(db)) as con:
        r = con.execute("SELECT * FROM runs WHERE id = ? OR path = ?", (run_id, run_id)).fetchone()
    return None if r is None else {**dict(zip(COLUMNS, r)), "metrics": json.loads(r[-1] or "null")}
