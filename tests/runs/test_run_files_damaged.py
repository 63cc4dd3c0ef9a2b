"""A damaged summary.json or metrics.jsonl (copied runs, hand edits, a disk error) is one RunFileError that names
the file, never a JSON or Unicode traceback; a metrics line cut short by a kill is left out (bench/fuzz.py found
these: issue 27)."""

import json

import pytest

from mllab.runs.rundir import RunDir, RunFileError

LINE = {"epoch": 1, "train_loss": 2.3, "val_accuracy": 0.1}


@pytest.fixture
def run(tmp_path):
    return RunDir(tmp_path / "seed0").create()


@pytest.mark.parametrize("content, says", [(b"{\"status\": \"compl\xe9ted\"}", "not UTF-8 text (byte 0xe9"),
                                           (b"{\"status\": ", "not JSON"), (b"[1, 2]", "expected a JSON object, found list"),
                                           (b"[" * 100_000, "not JSON (RecursionError")])
def test_a_damaged_summary_is_one_line_naming_it(run, content, says):
    (run.path / "summary.json").write_bytes(content)
    with pytest.raises(RunFileError, match="summary.json: ") as err:
        run.read_summary()
    assert says in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("line, says", [('{"epoch": 1, "train_loss": 2.3', "line 1: not JSON"),
                                        ("[1]", "line 1: expected an object with an integer epoch"),
                                        ('{"epoch": "1"}', "found epoch '1'"),
                                        ('{"epoch": 1, "train_loss": {"a": 1}}', "non-numbers in ['train_loss']")])
def test_a_damaged_metrics_line_is_one_line_naming_the_file_and_the_line(run, line, says):
    (run.path / "metrics.jsonl").write_text(line + "\n" + json.dumps(LINE) + "\n")
    with pytest.raises(RunFileError, match="metrics.jsonl: ") as err:
        run.read_metrics()
    assert says in str(err.value)


def test_a_last_line_cut_short_by_a_kill_is_left_out(run):
    whole = json.dumps({**LINE, "val_loss": float("nan")})  # NaN: a diverged epoch is still an epoch
    (run.path / "metrics.jsonl").write_text(whole + "\n" + whole[:20])
    assert len(run.read_metrics()) == 1
    (run.path / "metrics.jsonl").write_text(whole[:20] + "\n" + whole + "\n")  # not the last line: damage
    with pytest.raises(RunFileError, match="line 1"):
        run.read_metrics()


def test_an_index_whose_column_name_is_not_utf8_is_one_run_index_error(tmp_path):
    """A byte flipped in the schema's text: sqlite3 decodes column names itself (bench/fuzz.py, runs-index-sqlite)."""
    import sqlite3

    from mllab.runs.index import RunIndexError, list_runs

    db = tmp_path / "index.sqlite"
    with sqlite3.connect(db) as con:
        con.execute('CREATE TABLE runs (id TEXT, "caf\u00e9" TEXT, started TEXT)')
        con.execute("INSERT INTO runs VALUES ('demo/g/seed0', 'x', '2026')")
    con.close()
    blob = db.read_bytes()
    assert blob.count("café".encode()) == 1
    db.write_bytes(blob.replace("café".encode(), b"caf\xff\xff"))
    with pytest.raises(RunIndexError, match="cannot be read as a run index"):
        list_runs(db)
