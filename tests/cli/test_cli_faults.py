"""Faults end in one line and a true record, through the ``mllab`` command: a full disk, a read-only runs folder,
SIGTERM after training, and a run resumed under several spellings of its folder.

The full disk and SIGTERM are injected into the command run in this process (the write that fails is a
checkpoint's, through mllab's real atomic-write path; the signal is the real one, sent to this process); the
read-only folder is real: a read-only bind mount in a private mount namespace when the tests run as root (root
ignores file modes), file modes otherwise.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mllab.cli.main import app

TINY = """experiment: faults
model: {name: mlp, params: {widths: [8]}}
training: {epochs: 3}
output: {figures: %s}
"""


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def config(tmp_path: Path, figures: bool = False) -> Path:
    path = tmp_path / f"tiny-{figures}.yaml"
    path.write_text(TINY % str(figures).lower())
    return path


def final(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())["final"]


def test_a_full_disk_is_one_line_naming_the_file_a_failed_record_and_the_resume_command(tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    assert cli("train", config(tmp_path), "--out", reference, "-q").exit_code == 0
    real_write = Path.write_bytes

    def disk_full_at_epoch_2(self, data):  # the temp file of checkpoints/last.pt, once epoch 2 is recorded
        metrics = self.parent.parent / "metrics.jsonl"
        if self.name.startswith(".last.pt.") and metrics.is_file() and len(metrics.read_text().splitlines()) >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full_at_epoch_2)
    out = cli("train", config(tmp_path), "--out", tmp_path / "full", "-q")
    run = next((tmp_path / "full").glob("faults/*/seed0"))
    line = f"cannot write {run / 'checkpoints' / 'last.pt'}: no space left on device"
    assert out.exit_code == 2 and out.output.strip().splitlines() == [
        f"error: {line}; finished epochs are kept: free space (or make it writable), then resume with: "
        f"mllab train --resume {run.parent}"]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["error"] == line
    assert (run / "error.txt").read_text().splitlines()[0] == line
    assert "failed" in cli("runs", "list", "--root", tmp_path / "full").output

    monkeypatch.undo()  # the disk has space again
    assert cli("train", "--resume", run.parent, "-q").exit_code == 0
    assert final(run) == final(next(reference.glob("faults/*/seed0")))


def test_sigterm_after_training_leaves_a_true_record_and_resume_rebuilds_a_missing_report(tmp_path, monkeypatch):
    import mllab.experiments.trial as trial
    import mllab.report.html as html

    def sigterm_after(fn):
        def wrapped(*args, **kwargs):
            result = fn(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGTERM)
            return result
        return wrapped

    monkeypatch.setattr(trial, "_fit", sigterm_after(trial._fit))  # the last epoch done, the test not recorded
    out = cli("train", config(tmp_path, figures=True), "--out", tmp_path, "-q")
    run = next(tmp_path.glob("faults/*/seed0"))
    assert out.exit_code == 130 and f"Resume with: mllab train --resume {run.parent}" in out.output
    assert json.loads((run / "summary.json").read_text())["status"] == "interrupted"
    monkeypatch.undo()

    def sigterm_before(fn):
        def wrapped(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGTERM)
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(html, "write_report", sigterm_before(html.write_report))  # while the report is written
    out = cli("train", "--resume", run.parent, "-q")
    assert out.exit_code == 130 and "Resume with" not in out.output
    assert f"interrupted after every run of {run.parent} completed (each has its report)" in out.output
    assert json.loads((run / "summary.json").read_text())["status"] == "completed"
    assert (run / "report.html").is_file()
    monkeypatch.undo()

    (run / "report.html").unlink()  # as a SIGKILL while writing it would leave it
    out = cli("train", "--resume", run, "-q")
    assert out.exit_code == 0 and f"{run}: it was complete; its missing report was rebuilt" in out.output
    assert (run / "report.html").is_file()
    assert "aggregate.json" not in os.listdir(run.parent)
    assert cli("train", "--resume", run.parent, "-q").exit_code == 0 and (run.parent / "aggregate.json").is_file()


def test_resuming_by_relative_absolute_and_dotted_paths_keeps_one_index_row(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("train", config(tmp_path), "training.epochs=1", "-q").exit_code == 0
    run = next(Path("runs").glob("faults/*/seed0"))
    for spelling in (str(run), str(tmp_path / run), f"./{run}/"):
        summary = json.loads((run / "summary.json").read_text())  # as a kill leaves it: running, process gone
        (run / "summary.json").write_text(json.dumps({**summary, "status": "running",
                                                      "owner": {**summary["owner"], "pid": -1}}))
        assert cli("train", "--resume", spelling, "-q").exit_code == 0
    rows = [line for line in cli("runs", "list").output.splitlines() if run.parent.name in line]
    assert len(rows) == 1 and "completed" in rows[0] and f"{run.relative_to('runs')}" in rows[0]


def read_only(folder: Path, script: str) -> subprocess.CompletedProcess:
    """Run ``script`` (sh) with ``folder`` read-only: a read-only bind mount when root, else file modes."""
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
        try:
            return subprocess.run(["sh", "-c", script], capture_output=True, text=True)
        finally:
            subprocess.run(["chmod", "-R", "u+w", str(folder)], check=True)
    if shutil.which("unshare") is None:
        pytest.skip("root without unshare: no way to make a folder read-only for root")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{folder}' '{folder}' || exit 99\n"
                           + script], capture_output=True, text=True)
    if proc.returncode == 99:
        pytest.skip(f"cannot bind-mount read-only here: {proc.stderr.strip()}")
    return proc


def test_a_read_only_runs_folder_is_listed_and_train_and_report_say_so_in_one_line(tmp_path):
    from mllab.runs.index import record_run
    from mllab.runs.liveness import owner

    root = tmp_path / "runs"
    run = root / "faults" / "g" / "seed0"
    run.mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps({"status": "running", "owner": {**owner(), "pid": -1}}))
    record_run(root / "index.sqlite", {"id": "faults/g/seed0", "experiment": "faults", "status": "running",
                                       "started": "2026-01-01T00:00:00", "path": str(run)})
    assert sorted(p.name for p in root.iterdir()) == ["faults", "index.sqlite"]  # no -wal/-shm to read with
    mllab = f"'{sys.executable}' -m mllab.cli.main"
    logs = tmp_path / "logs"
    logs.mkdir()
    script = "\n".join(f"{mllab} {args} >'{logs}/{name}.out' 2>'{logs}/{name}.err'; echo $? >'{logs}/{name}.rc'"
                       for name, args in [("train", f"train '{config(tmp_path)}' --out '{root}' -q"),
                                          ("list", f"runs list --root '{root}'"),
                                          ("report", f"report '{root}'")])
    read_only(root, f"cd '{tmp_path}'\n{script}")
    result = {name: ((logs / f"{name}.rc").read_text().strip(), (logs / f"{name}.out").read_text(),
                     (logs / f"{name}.err").read_text()) for name in ("train", "list", "report")}
    assert result["train"][0] == "2" and result["train"][2].splitlines() == [
        f"error: runs folder {root} cannot be written (read-only file system): give a writable one with --out DIR "
        f"(or output.root=DIR)"], result["train"]
    assert result["list"][0] == "0" and "interrupted" in result["list"][1] and "faults/g/seed0" in result["list"][1]
    assert result["report"][0] == "2" and result["report"][2].splitlines() == [
        f"error: cannot write {root / 'index.html'}: read-only file system; 'mllab report' writes the pages inside "
        f"the folder it reports on: copy {root} to a writable disk and report the copy"], result["report"]
