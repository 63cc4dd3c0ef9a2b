"""A run that says "running" is told from one whose process is gone, and a live one is never resumed."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mllab.runs import liveness
from mllab.runs.liveness import StillRunningError, is_alive, owner, status

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="liveness reads /proc (Linux)")


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_this_process_is_alive_and_a_finished_one_is_not():
    assert is_alive(owner()) is True
    assert is_alive(owner(dead_pid())) is False  # its /proc entry is gone with it


def test_a_reused_pid_a_reboot_and_another_host_are_told_apart():
    me = owner()
    assert is_alive({**me, "started_ticks": me["started_ticks"] + 1}) is False  # same pid, another process
    assert is_alive({**me, "boot_id": "another-boot"}) is False
    assert is_alive({**me, "host": me["host"] + "-elsewhere"}) is None  # cannot be told from here
    assert is_alive({**me, "machine_id": "another-machine"}) is None  # a twin named alike
    assert is_alive(None) is None  # runs recorded before owners were


def test_status_says_interrupted_only_for_a_running_run_whose_process_is_gone():
    gone = owner(dead_pid())
    assert status({"status": "running", "owner": gone}) == liveness.INTERRUPTED
    assert status({"status": "running", "owner": owner()}) == "running"
    assert status({"status": "running"}) == "running"
    assert status({"status": "completed", "owner": gone}) == "completed"


def test_resume_refuses_a_seed_group_that_a_live_process_is_training(tmp_path):
    from mllab.experiments.runner import resume_group, run_group
    from mllab.runs.config import resolve_config

    cfg = resolve_config({"experiment": "g", "seeds": 2, "model": {"name": "mlp", "params": {"widths": [8]}},
                          "training": {"epochs": 1}, "output": {"figures": False}})
    group = Path(run_group(cfg, root=tmp_path, quiet=True)["group"])
    summary = group / "seed1" / "summary.json"
    summary.write_text(json.dumps({**json.loads(summary.read_text()), "status": "running", "owner": owner()}))
    files = {p: p.read_bytes() for p in group.rglob("*") if p.is_file()}
    with pytest.raises(StillRunningError, match=rf"{group / 'seed1'} is still running \(process \d+ on "):
        resume_group(group, quiet=True, seeds=3)
    assert {p: p.read_bytes() for p in group.rglob("*") if p.is_file()} == files  # nothing written, not grown


def test_owner_records_app_specific_hashes_not_the_raw_machine_and_boot_ids():
    import hashlib
    import hmac

    me, raw = owner(), {"machine_id": liveness._machine_id(), "boot_id": liveness._boot_id()}
    for key, value in raw.items():
        if value:  # systemd's sd_id128_get_machine_app_specific: HMAC-SHA256 keyed by the id, 128 bits
            assert me[key] == hmac.new(value.encode(), b"mllab.runs.liveness/1", hashlib.sha256).hexdigest()[:32]
            assert value not in json.dumps(me)
    assert is_alive(me) is True


def test_run_folders_that_recorded_the_raw_ids_are_still_told():
    raw = {**owner(), "machine_id": liveness._machine_id(), "boot_id": liveness._boot_id()}
    assert is_alive(raw) is True and is_alive({**raw, "pid": dead_pid()}) is False


def test_run_status_is_the_summary_read_through_liveness_else_the_recorded_word(tmp_path):
    from mllab.runs.liveness import run_status

    (tmp_path / "summary.json").write_text(json.dumps({"status": "running", "owner": owner(dead_pid())}))
    assert run_status(tmp_path, "running") == liveness.INTERRUPTED
    assert run_status(tmp_path / "gone", "completed") == "completed"
    (tmp_path / "summary.json").write_text("[1, 2")  # damaged: the index's word stands
    assert run_status(tmp_path, "failed") == "failed"


def test_a_status_written_on_a_full_disk_goes_in_place(tmp_path, monkeypatch):
    """A full disk refuses the temp file of an atomic write, but a summary no longer than before still fits."""
    import errno

    from mllab.core import files
    from mllab.runs.rundir import RunDir

    run = RunDir(tmp_path)
    run.write_summary({"status": "running", "owner": owner(), "note": "x" * 300})

    def full(target, data):
        raise files.StorageError(f"cannot write {target}: no space left on device", target, errno.ENOSPC)

    monkeypatch.setattr("mllab.runs.rundir.atomic_write_text", full)
    assert run.write_status({"status": "failed", "error": "cannot write last.pt: no space left on device"})
    assert run.read_summary()["status"] == "failed"
