"""What ``mllab train`` says when training stops early: Ctrl-C, SIGTERM, or a disk that refuses a write.

One line on stderr that says what was kept of the group or run being trained, and the command that resumes it.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path

import typer

from mllab.cli.errors import fail


@contextmanager
def stopped_says_what_next(started: list[Path]):
    """Ctrl-C or SIGTERM while training, or a disk that refuses a write: one line that says what happened to
    ``started[-1]`` (the group or run being trained) and the command that resumes it."""
    from mllab.core.files import StorageError

    with sigterm_interrupts():
        try:
            yield
        except KeyboardInterrupt:
            typer.echo(interrupted_text(started[-1] if started else None), err=True)
            raise typer.Exit(130) from None
        except StorageError as err:
            target = started[-1] if started else None
            if err.says_what_to_do:
                fail(str(err))
            if target is None or not Path(target).exists():
                fail(f"{err}" + ("; nothing was kept: train again once it can be written" if target else ""))
            fail(f"{err}; finished epochs are kept: free space (or make it writable), then resume with: "
                 f"mllab train --resume {target}")


@contextmanager
def sigterm_interrupts():
    """SIGTERM inside the block is a KeyboardInterrupt (so a killed training stops as Ctrl-C stops it)."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted_text(target: Path | None) -> str:
    """What an interruption left of ``target``: nothing, a complete record, or epochs to resume."""
    from mllab.runs.group import is_group
    from mllab.runs.liveness import read_summary_quietly

    if target is None:
        return "interrupted (nothing was written yet)"
    target = Path(target)
    runs = sorted(p.parent for p in target.glob("seed*/summary.json")) if is_group(target) else [target]
    done = bool(runs) and all((read_summary_quietly(r / "summary.json") or {}).get("status") == "completed"
                              and (r / "report.html").is_file() for r in runs)
    if done and (not is_group(target) or (target / "aggregate.json").is_file()):
        return f"interrupted after {target} was complete (its summary and report are written); nothing to resume"
    if done:
        return (f"interrupted after every run of {target} completed (each has its report), before the group's "
                f"table: write it with: mllab train --resume {target}")
    return f"interrupted; finished epochs are kept. Resume with: mllab train --resume {target}"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt
