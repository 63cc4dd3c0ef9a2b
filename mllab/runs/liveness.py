"""Is a run that says "running" still running? A killed run cannot change its own summary.

A run writes ``status: running`` and its ``owner`` (host, machine, boot, process id and the process's start
time) when it starts; a kill, a reboot or the end of a session leaves that status behind. Read back on the
same host, the owner tells a live run from an interrupted one: the machine has rebooted (other boot), or no
process with that id and start time exists. On another host it cannot be told, and the run is taken as
running.

The machine and boot are recorded as application-specific ids, as systemd makes them
(``sd_id128_get_machine_app_specific``): HMAC-SHA256 keyed by ``/etc/machine-id`` (or the boot id) over a
key of mllab's own, truncated to 128 bits. Run folders are shared; the raw ids, which identify a machine to
anyone, stay on it. Run folders written before this hold the raw ids and are still read.

>>> status({"status": "running", "owner": owner()})
'running'
>>> status({"status": "running", "owner": {**owner(), "pid": -1}})
'interrupted'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
from pathlib import Path
from typing import Any

INTERRUPTED = "interrupted"
_APP_KEY = b"mllab.runs.liveness/1"  # fixed: two runs on one machine must get the same hash
_MAX_SUMMARY = 4 << 20  # a summary.json is a few kB; a larger one is not read for its status


def owner(pid: int | None = None) -> dict[str, Any]:
    """Who runs this process: host, hashed machine and boot ids, pid and the process's start time (the last
    two: Linux only)."""
    pid = os.getpid() if pid is None else pid
    return {"host": socket.gethostname(), "machine_id": _app_specific(_machine_id()),
            "boot_id": _app_specific(_boot_id()), "pid": pid, "started_ticks": _start_ticks(pid)}


def _app_specific(raw: str | None) -> str | None:
    """The id as mllab may share it: HMAC-SHA256(raw id, mllab's key), 128 bits in hex."""
    if raw is None:
        return None
    return hmac.new(raw.encode(), _APP_KEY, hashlib.sha256).hexdigest()[:32]


def _same(recorded: Any, raw: str | None) -> bool:
    """Whether a recorded id is this machine's (or boot's): the hashed form, or the raw one of older runs."""
    return raw is not None and recorded in (_app_specific(raw), raw)


def is_alive(who: dict[str, Any] | None) -> bool | None:
    """True or False where it can be told (this host), None where it cannot (another host, no owner recorded)."""
    if not isinstance(who, dict) or who.get("host") != socket.gethostname():
        return None
    machine = _machine_id()
    if machine is not None and "machine_id" in who and not _same(who["machine_id"], machine):
        return None  # another machine (many share a host name such as "vm")
    boot = _boot_id()
    if boot is None:  # no /proc: nothing to compare with
        return None
    if not _same(who.get("boot_id"), boot):
        return False
    pid = who.get("pid")
    ticks = _start_ticks(pid) if isinstance(pid, int) else None
    return ticks is not None and ticks == who.get("started_ticks")


def status(summary: dict[str, Any]) -> str:
    """The summary's status, with ``interrupted`` for a "running" run whose process is gone."""
    if summary.get("status") == "running" and is_alive(summary.get("owner")) is False:
        return INTERRUPTED
    return str(summary.get("status", "unknown"))


def run_status(folder: Path, recorded: str | None = None) -> str:
    """The status of the run in ``folder`` as every listing shows it (``runs list``, ``runs show``, the
    pages): its ``summary.json`` read through :func:`status`; ``recorded`` (the index's word) when the
    folder has no readable summary."""
    summary = read_summary_quietly(Path(folder) / "summary.json")
    if summary is None:
        return recorded or "unknown"
    return status(summary)


def read_summary_quietly(path: Path) -> dict[str, Any] | None:
    """``path`` as a dict, or None when it is missing, too large or not a JSON object."""
    try:
        if path.stat().st_size > _MAX_SUMMARY:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


class StillRunningError(ValueError):
    """A run to resume is still being trained by a live process: two writers would mix their files."""


def refuse_if_alive(summary: dict[str, Any], where: Path) -> None:
    """Raise ``StillRunningError`` when ``summary`` is a run that a live process on this host is training."""
    who = summary.get("owner")
    if summary.get("status") == "running" and is_alive(who):
        raise StillRunningError(f"{where} is still running (process {who['pid']} on {who['host']}): "
                                f"wait for it, or stop that process, then --resume")


def _machine_id() -> str | None:
    try:
        return Path("/etc/machine-id").read_text().strip() or None
    except OSError:
        return None


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _start_ticks(pid: int) -> int | None:
    """Field 22 of /proc/PID/stat (start time after boot, in clock ticks): a reused pid has another one."""
    if pid <= 0:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # the fields after "(comm)" start at field 3
