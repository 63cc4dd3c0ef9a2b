"""A run's ``summary.json`` as a person reads it (``mllab runs show``); ``--json`` prints the file itself.

>>> summary_lines(Path("runs/demo/g/seed0"), {"run_id": "demo/g/seed0", "status": "completed", "model": "mlp"})[:3]
['run          demo/g/seed0', 'status       completed', 'model        mlp']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mllab.core.table import number

_ORDER = ("test_", "val_", "train_")  # the headline split first


def resume_hint(run_path: Path) -> str:
    """The command that resumes an interrupted run (its group, when it has one)."""
    from mllab.runs.group import is_group

    target = run_path.parent if is_group(run_path.parent) else run_path
    return f"resume: mllab train --resume {target}"


def status_text(run_path: Path, summary: dict[str, Any]) -> str:
    """The run's status (:func:`mllab.runs.liveness.status`), with the resume command when interrupted."""
    from mllab.runs.liveness import INTERRUPTED, status

    state = status(summary)
    if state != INTERRUPTED:
        return state
    why = "the process that wrote 'running' is gone; " if summary.get("status") == "running" else ""
    return f"{state} ({why}{resume_hint(run_path)})"


def summary_lines(run_path: Path, s: dict[str, Any]) -> list[str]:
    """One ``name  value`` line per fact of summary ``s`` that is present, then the final metrics."""
    facts = [
        ("run", s.get("run_id")),
        ("status", status_text(run_path, s)),
        ("model", _join(s.get("model"), _count(s.get("params"), "parameters"))),
        ("dataset", _join(s.get("dataset"), _sizes(s), _stand_in(s))),
        ("experiment", s.get("experiment")),
        ("seed", s.get("seed")),
        ("epochs", _join(s.get("epochs_done"), f"best {s['best_epoch']}" if s.get("best_epoch") else None)),
        ("started", s.get("started")),
        ("finished", s.get("finished")),
        ("time", _time(s)),
        ("error", s.get("error")),
        ("folder", run_path),
        ("report", run_path / "report.html" if (run_path / "report.html").is_file() else None),
    ]
    lines = [f"{name:12s} {value}" for name, value in facts if value not in (None, "")]
    final = s.get("final") if isinstance(s.get("final"), dict) else {}
    if final:
        lines.append("final metrics:")
        rank = {m: next((i for i, p in enumerate(_ORDER) if m.startswith(p)), len(_ORDER)) for m in final}
        lines += [f"  {m:22s} {number(final[m], m)}" for m in sorted(final, key=lambda m: (rank[m], m))]
    return lines


def _join(first: Any, *rest: Any) -> str | None:
    if first in (None, ""):
        return None
    extra = ", ".join(str(r) for r in rest if r)
    return f"{first} ({extra})" if extra else str(first)


def _count(v: Any, unit: str) -> str | None:
    return f"{v:,} {unit}" if isinstance(v, int) else None


def _sizes(s: dict[str, Any]) -> str | None:
    train, test = s.get("train_size"), s.get("test_size")
    return f"{train} train, {test} test examples" if isinstance(train, int) and isinstance(test, int) else None


def _stand_in(s: dict[str, Any]) -> str | None:
    return f"standing in for {s['stands_in_for']}" if s.get("stands_in_for") else None


def _time(s: dict[str, Any]) -> str | None:
    wall, cpu = s.get("wall_seconds"), s.get("cpu_seconds")
    if not isinstance(wall, (int, float)):
        return None
    where = ", ".join(str(x) for x in (s.get("device"), f"{s['threads']} threads" if s.get("threads") else None)
                      if x)
    return f"{wall:.1f} s wall" + (f", {cpu:.1f} s CPU" if isinstance(cpu, (int, float)) else "") \
        + (f" ({where})" if where else "")
