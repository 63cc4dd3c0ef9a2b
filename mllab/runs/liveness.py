"""Is a run that says "running" still running? A killed run cannot change its own summary.

A run writes ``status: running`` and its ``owner`` (host and machine id, boot,
process id and the process's start time) when it starts; a kill, a reboot or the end of a
session leaves that status behind. Read back on the same host, the owner tells
a live run from an interrupted one: the machine has rebooted (other boot id),
or no process with that id and start time exists. On another host it cannot be
told, and the run is taken as running.

>>> status({"status": "running", "owner": owner()})
'running'
>>> status({"status": "running", "owner": {**owner(), "pid": -1}})
'interrupted'
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

INTERRUPTED = "interrupted"


def owner(pid: int | None = None) -> dict[str, Any]:
    """Who runs this process: host, boot id, pid and the process's start time (the last two: Linux only)."""
    pid = os.getpid() if pid is None else pid
    return {"host": socket.gethostname(), "machine_id": _machine_id(), "boot_id": _boot_id(), "pid": pid,
            "started_ticks": _start_ticks(pid)}


def is_alive(who: dict[str, Any] | None) -> bool | None:
    """True or False where it can be told (this host), None where it cannot (another host, no owner recorded)."""
    machine = _machine_id()
    if not who or who.get("host") != socket.gethostname() or who.get("machine_id", machine) != machine:
        return None  # another machine (many share a host name such as "vm"), or no owner recorded
    boot = _boot_id()
    if boot is None:  # no /proc: nothing to compare with
        return None
    if who.get("boot_id") != boot:
        return False
    ticks = _start_ticks(who.get("pid", -1))
    return ticks is not None and ticks == who.get("started_ticks")


def status(summary: dict[str, Any]) -> str:
    """The summary's status, with ``interrupted`` for a "running" run whose process is gone."""
    if summary.get("status") == "running" and is_alive(summary.get("owner")) is False:
        return INTERRUPTED
    return summary.get("status", "unknown")


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
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
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
