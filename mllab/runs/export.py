"""Sending run folders to TensorBoard or MLflow: ``mllab export RUN|GROUP|SWEEP ... --to KIND --out WHERE``.

Each run folder found under the paths given becomes one run in the tracker, named
``<experiment>/<group>/seed<k>``: its per-epoch scalars (``metrics.jsonl``), hyper-parameters (the flattened
config), final metrics (``summary.json``), tags, and its figures (``figures/*.png``), named as
:mod:`mllab.trackers.content` says. TensorBoard runs go to ``OUT/<experiment>/<group>/seed<k>``; MLflow runs
into the experiment of the run's experiment name, at the tracking URI ``OUT``.

The run folder is read only through its bounded readers (every file may be hostile): a damaged file is one
line naming it, a figure that is not a small regular PNG file is left out.

The end of a run that trains with ``training.log`` is sent from here too (:func:`finish_live_log`).

>>> export([Path("runs/demo")], "tensorboard", "/tmp/tb")  # doctest: +SKIP
[(PosixPath('runs/demo/20260101-000000-small_cnn-1e76/seed0'), '/tmp/tb/demo/20260101-000000-small_cnn-1e76/seed0')]
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mllab.core.errors import MllabError, NotARunError
from mllab.runs.rundir import RunDir
from mllab.trackers import TRACKERS, Tracker, TrackerError
from mllab.trackers.content import epoch_scalars, final_scalars, hyperparameters, run_tags
from mllab.trackers.live import LiveLog, run_label

log = logging.getLogger(__name__)
MAX_FIGURE_BYTES = 16 << 20  # mllab's figures are a few hundred kB
MAX_FIGURES = 200
MAX_DEPTH = 8  # runs root / experiment / group / seed, a sweep's trials one or two folders deeper


def run_folders(paths: list[Path]) -> list[Path]:
    """The run folders (with ``config.yaml``) that ``paths`` are or hold, each once, in path order."""
    found: dict[Path, None] = {}
    for path in paths:
        runs = _runs_under(Path(path))
        if not runs:
            raise NotARunError(f"{path}: no run folder here (none of its folders, {MAX_DEPTH} deep, has a "
                               f"config.yaml): give a run, group, sweep or runs folder ('mllab runs list')")
        found.update(dict.fromkeys(runs))
    return list(found)


def _runs_under(path: Path) -> list[Path]:
    root_depth = len(path.parts)
    runs = []
    for folder, subfolders, files in os.walk(path):  # os.walk does not follow links to folders
        if "config.yaml" in files and (Path(folder) / "config.yaml").is_file():
            runs.append(Path(folder))
            subfolders[:] = []
        elif len(Path(folder).parts) - root_depth >= MAX_DEPTH:
            subfolders[:] = []
        subfolders.sort()
    return runs


def figures(run: RunDir) -> list[tuple[str, bytes]]:
    """``(name, PNG bytes)`` of the run's figures: regular ``figures/*.png`` files (no links), each bounded."""
    if not run.figures.is_dir() or run.figures.is_symlink():
        return []
    out = []
    for path in sorted(run.figures.glob("*.png"))[:MAX_FIGURES]:
        if path.is_symlink() or not path.is_file():
            continue
        with open(path, "rb") as f:
            png = f.read(MAX_FIGURE_BYTES + 1)
        if len(png) > MAX_FIGURE_BYTES:
            log.warning("%s: larger than %d bytes, not exported", path, MAX_FIGURE_BYTES)
            continue
        out.append((path.stem, png))
    return out


def plain_config(run: RunDir) -> dict[str, Any]:
    """The run's resolved config as plain data (validated: a damaged config.yaml is one line naming it)."""
    return run.read_config().model_dump(mode="json")


def send_run(run: RunDir, tracker: Tracker) -> None:
    """Send ``run`` to ``tracker``: hyper-parameters and tags, every epoch, the final metrics and figures."""
    config, summary, records = plain_config(run), run.read_summary(), run.read_metrics()
    tracker.start(hyperparameters(config), run_tags(config, summary, run.path.parent.name))
    for record in records:
        tracker.scalars(record["epoch"], epoch_scalars(record))
    send_end(run, tracker, records[-1]["epoch"] if records else 0, summary)


def send_end(run: RunDir, tracker: Tracker, step: int, summary: dict[str, Any]) -> None:
    """The final metrics (``summary.json``) and the figures, at ``step`` (the run's last epoch)."""
    final = summary.get("final")
    if isinstance(final, dict) and final:
        tracker.scalars(step, final_scalars(final))
    for name, png in figures(run):
        tracker.image(f"figures/{name}", png, step)


def export(paths: list[Path], kind: str, out: str) -> list[tuple[Path, str]]:
    """Send every run folder under ``paths`` to the tracker ``kind`` at ``out``; returns (run, where) pairs."""
    opener = TRACKERS.get(kind)
    folders = run_folders(paths)
    where = [_tensorboard_folder(out, run_label(f)) if kind == "tensorboard" else out for f in folders]
    for folder, target in zip(folders, where):
        run = RunDir(folder)
        tracker = opener(target, experiment=str(plain_config(run).get("experiment")), run_name=run_label(folder))
        status = "failed"
        try:
            send_run(run, tracker)
            status = str(run.read_summary().get("status", "completed"))
        finally:
            tracker.close(status)
    return list(zip(folders, where))


def _tensorboard_folder(out: str, label: str) -> str:
    """``OUT/<label>``, refused when it holds event files (a second export would show every scalar twice)."""
    folder = Path(out) / label
    if folder.is_dir() and any(p.name.startswith("events.out.tfevents") for p in folder.iterdir()):
        raise TrackerError(f"{folder} holds event files already (exported before?): TensorBoard would show this "
                           f"run's scalars twice; remove that folder or give another --out")
    return str(folder)


def finish_live_log(run: RunDir) -> None:
    """The end of a run that trains with ``training.log``: what its trackers did not get live (every epoch,
    for the engines without the torch trainer), its final metrics and figures; then its status."""
    config = run.read_config()
    if not config.training.log:
        return
    summary, records = run.read_summary(), run.read_metrics()
    live = LiveLog(run.path, config.training, config.model_dump(mode="json"))
    for record in records:
        live.epoch(record)
    for kind, tracker in list(live.trackers.items()):
        live.send(kind, send_end, run, tracker, records[-1]["epoch"] if records else 0, summary)
    live.close(str(summary.get("status", "completed")))


def start_live_log(run: RunDir, cfg) -> None:
    """``training.log`` at the start of a run: each tracker's run opened (so a missing package or a wrong URI
    stops the run before it trains), its hyper-parameters and tags sent."""
    LiveLog(run.path, cfg.training, cfg.model_dump(mode="json")).close()


def end_live_log(run: RunDir) -> None:
    """:func:`finish_live_log` for the runner, after the run is recorded: a tracker that fails now is a warning."""
    try:
        finish_live_log(run)
    except MllabError as err:
        log.warning("training.log: the end of the run not sent (%s): 'mllab export %s' sends it", err, run.path)
