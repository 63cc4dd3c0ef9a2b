"""Damaged files met through the command: one `error:` line naming the file, exit 2 (issue 27, found by
bench/fuzz.py): a metrics.jsonl under `mllab report RUN`, a sweep.yaml under `mllab report SWEEP`, an override
holding a byte that is not UTF-8 under `mllab train`."""

import os
import sqlite3
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from cli_run import mllab  # noqa: E402
from run_folders import cnn_run  # noqa: E402
from test_sweep_tables import LEAKY, fake_sweep  # noqa: E402


def _one_error_line(proc, *names):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr, proc.stderr
    assert all(n in lines[0] for n in names), lines[0]


def test_report_of_a_run_with_damaged_metrics_names_the_file_and_line(tmp_path):
    run = cnn_run(tmp_path)
    (run / "metrics.jsonl").write_bytes(b'{"epoch": 1, "train_loss": 2.3}\n{"epoch": 2, "train_loss"\n{}\n')
    _one_error_line(mllab("report", str(run), check=False), "metrics.jsonl", "line 2: not JSON")


def test_report_of_a_sweep_with_a_damaged_sweep_yaml_names_it(tmp_path):
    fake_sweep(tmp_path / "sw", LEAKY)
    state = yaml.safe_load((tmp_path / "sw" / "sweep.yaml").read_text())
    state["trials"][0]["path"] = "../../elsewhere/seed0"
    (tmp_path / "sw" / "sweep.yaml").write_text(yaml.safe_dump(state))
    _one_error_line(mllab("report", str(tmp_path / "sw"), check=False), "sweep.yaml", "not a sweep.yaml mllab wrote",
                    "trials[0]")
    del state["settings"]
    (tmp_path / "sw" / "sweep.yaml").write_text(yaml.safe_dump(state))
    _one_error_line(mllab("report", str(tmp_path / "sw"), check=False), "settings: expected list, found None")
    fake_sweep(tmp_path / "sw2", LEAKY)
    state = yaml.safe_load((tmp_path / "sw2" / "sweep.yaml").read_text())
    del state["status"]
    (tmp_path / "sw2" / "sweep.yaml").write_text(yaml.safe_dump(state))
    _one_error_line(mllab("report", str(tmp_path / "sw2"), check=False), "status: expected str, found None")


def test_an_override_with_a_byte_that_is_not_utf8_is_one_line(tmp_path):
    arg = os.fsdecode(b"description=caf\xe9")  # what a Latin-1 terminal sends; argv keeps the raw byte
    proc = mllab("train", "demo", arg, f"output.root={tmp_path}", check=False)
    _one_error_line(proc, "override", "not UTF-8 text", "U+DCE9")
    assert not any(tmp_path.iterdir())


def test_runs_list_reads_an_index_with_damaged_cells_and_columns(tmp_path):
    """Text that is not UTF-8, metrics that are a number, a table without some columns: rows, not a traceback."""
    with sqlite3.connect(tmp_path / "index.sqlite") as con:
        con.execute("CREATE TABLE runs (id TEXT PRIMARY KEY, experiment TEXT, grp TEXT, dataset TEXT, model TEXT, "
                    "seed INTEGER, status TEXT, started TEXT)")
        con.execute("INSERT INTO runs VALUES (?, 'demo', 'g', 'digits', 'mlp', 'x', ?, 5)",
                    ["demo/g/seed0", b"compl\xffted".decode("latin-1").encode("latin-1")])
        con.execute("INSERT INTO runs VALUES ('demo/g/seed1', 'demo', 'g', 'digits', 'mlp', 1, CAST(X'6f6bff' AS TEXT), "
                    "'2026')")
    proc = mllab("runs", "list", "--root", str(tmp_path), check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "demo/g/seed1" in proc.stdout and "ok\ufffd" in proc.stdout, proc.stdout


def test_report_of_a_run_with_a_damaged_probe_json_names_it(tmp_path):
    from PIL import Image

    run = cnn_run(tmp_path)
    (run / "explain").mkdir(exist_ok=True)
    Image.new("L", (4, 4)).save(run / "explain" / "pca.png")
    for bad, problem in ((b'{"layer": "fc"}', "expected a JSON list of objects"), (b"[1, 2", "not JSON")):
        (run / "explain" / "probe.json").write_bytes(bad)
        _one_error_line(mllab("report", str(run), check=False), "probe.json", problem)
