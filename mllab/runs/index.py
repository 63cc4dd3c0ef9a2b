"""``runs/index.sqlite``: one row per run folder, safe when several processes finish at once.

SQLite in WAL mode with a busy timeout serializes concurrent writers; each write is one short transaction
(``INSERT OR REPLACE`` by run id). A run's id is its folder relative to the runs root, resolved
(:func:`run_id`), so a run has one row however a command named its folder. Reading never writes: the
index is opened read-only, and immutable where even that needs a write (a read-only mount), so a runs
folder someone else made or mounted read-only is listed all the same.

Rows written before ids were resolved (``runs/demo/<g>/seed0`` beside ``demo/<g>/seed0``) are merged on
read: :func:`list_runs` gives one row per folder.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any, Iterable

from mllab.core.errors import MllabError
from mllab.core.files import storage_error
from mllab.runs.liveness import run_status

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    experiment TEXT, grp TEXT, dataset TEXT, model TEXT, seed INTEGER,
    status TEXT, started TEXT, finished TEXT, path TEXT,
    metrics TEXT
)
"""
COLUMNS = ("id", "experiment", "grp", "dataset", "model", "seed", "status", "started", "finished", "path", "metrics")


class RunIndexError(MllabError):
    """``index.sqlite`` cannot be read (damaged, or not an index)."""


def run_id(root: Path, folder: Path) -> str:
    """The id of the run in ``folder``: its resolved path relative to the resolved runs ``root`` (the
    absolute resolved path for a folder outside it). Relative, absolute, ``./``, trailing-slash and
    symlinked spellings of one folder give one id.

    >>> run_id(Path("/tmp/runs"), Path("/tmp/runs/./demo/g/seed0/"))
    'demo/g/seed0'
    """
    folder, root = Path(os.path.realpath(folder)), Path(os.path.realpath(root))
    return str(folder.relative_to(root)) if folder.is_relative_to(root) else str(folder)


def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(_SCHEMA)
    return con


def _read(db: Path, query: str, args: list) -> list[tuple]:
    """Rows of ``query`` on ``db`` opened read-only (immutable where read-only still needs a write)."""
    uri = Path(os.path.abspath(db)).as_uri()
    last: Exception | None = None
    for mode in ("mode=ro", "immutable=1"):  # WAL needs its -shm file, which a read-only folder cannot get
        try:
            with closing(sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=60)) as con:
                con.text_factory = lambda b: b.decode("utf-8", "replace")  # a damaged cell: not a traceback
                return con.execute(query, args).fetchall()
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return []
            last = err
        except (sqlite3.DatabaseError, UnicodeDecodeError) as err:  # also a column name that is not UTF-8
            last = err
            break
    raise RunIndexError(f"{db}: cannot be read as a run index ({last}): move it aside; every run keeps its "
                        f"record in its own folder (summary.json), and runs trained or resumed from now on are "
                        f"indexed again")


def _write(db: Path, statement: str, args: list) -> None:
    try:
        with closing(_connect(db)) as con:
            con.execute(statement, args)
    except sqlite3.OperationalError as err:
        raise _unwritable(db, err) from err
    except OSError as err:
        raise (storage_error(err, db.parent) or err) from err


def _unwritable(db: Path, err: sqlite3.OperationalError) -> Exception:
    text = str(err)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return storage_error(OSError(30, text), db) or err
    if "disk is full" in text or "disk I/O" in text:
        return storage_error(OSError(28, text), db) or err
    return err


def record_run(db: Path, row: dict[str, Any]) -> None:
    """Insert or update one run's row (and drop rows that named the same folder otherwise)."""
    values = [json.dumps(row.get(c)) if c == "metrics" else row.get(c) for c in COLUMNS]
    _write(db, f"INSERT OR REPLACE INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
           values)
    if row.get("path"):
        _write(db, "DELETE FROM runs WHERE path = ? AND id != ?", [row["path"], row["id"]])


def forget_run(db: Path, run_id: str) -> None:
    """Delete one run's row (a run folder that was removed)."""
    if db.is_file():
        _write(db, "DELETE FROM runs WHERE id = ?", [run_id])


def list_runs(db: Path, experiment: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Most recent runs first, one per run folder; ``path`` is where the folder is found from here and
    ``status`` the run's status as :func:`~mllab.runs.liveness.run_status` tells it (a killed run is
    ``interrupted``, though its row still says ``running``)."""
    if not db.is_file():
        return []
    query, args = "SELECT * FROM runs", []
    if experiment:
        query, args = query + " WHERE experiment = ?", [experiment]
    rows = (_row(r) for r in _read(db, query + " ORDER BY started DESC", args))  # parsed as far as looked at
    return _one_per_folder(db.parent, rows, limit)


def find_run(db: Path, run_id: str) -> dict[str, Any] | None:
    if not db.is_file():
        return None
    found = _read(db, "SELECT * FROM runs WHERE id = ? OR path = ?", [run_id, run_id])
    return None if not found else _one_per_folder(db.parent, [_row(r) for r in found])[0]


def _row(r: tuple) -> dict[str, Any]:
    """One row as a dict, whatever a damaged index holds: every column, texts as text (no NUL), seed an int."""
    row: dict[str, Any] = {c: None for c in COLUMNS}
    row.update(zip(COLUMNS, r))
    row = {c: _cell(c, v) for c, v in row.items()}
    try:
        row["metrics"] = json.loads(row["metrics"] or "null")
    except (ValueError, RecursionError):
        row["metrics"] = None
    return row if isinstance(row["metrics"], (dict, type(None))) else {**row, "metrics": None}


def _cell(column: str, value: Any) -> Any:
    """A cell as the listings use it: ``seed`` an int or None, every other column text (NUL replaced) or None."""
    if column == "seed":
        return value if type(value) is int else None
    return None if value is None else str(value).replace("\x00", "\ufffd")


def folder_of(root: Path, row: dict[str, Any]) -> Path:
    """Where the run of index row ``row`` is, seen from here: ``root/<id>`` (the index travels with its
    runs folder), else the path recorded when it was written."""
    rid = str(row.get("id") or "")
    inside = Path(rid) if os.path.isabs(rid) else Path(root) / rid
    recorded = Path(row["path"]) if row.get("path") else None
    if inside.is_dir() or recorded is None or not recorded.is_dir():
        return inside
    return recorded


def _one_per_folder(root: Path, rows: Iterable[dict[str, Any]], limit: int | None = None) -> list[dict[str, Any]]:
    """``rows`` (newest first) with one row per resolved folder: the one written last. With ``limit``, the
    ``limit`` newest folders, looking no further than their start time: every row of a folder carries the
    run's start (a resumed run keeps it), so 10 000 runs cost what ``limit`` do, not 10 000 folder reads."""
    kept: dict[str, dict[str, Any]] = {}
    for row in rows:
        if limit is not None and len(kept) >= limit and (row["started"] or "") < min(
                (k["started"] or "") for k in kept.values()):
            break
        folder = folder_of(root, row)
        key = os.path.realpath(folder)
        row = {**row, "id": run_id(root, folder), "path": str(folder),
               "status": run_status(folder, row["status"])}
        if key not in kept or (row["finished"] or "") > (kept[key]["finished"] or ""):
            kept[key] = row
    return sorted(kept.values(), key=lambda r: r["started"] or "", reverse=True)[:limit]
