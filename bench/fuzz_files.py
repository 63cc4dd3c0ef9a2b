"""The readers of bench/fuzz.py beyond the datasets: configs and overrides, page images, and every file of a
run folder, a group, a sweep and the run index, each read the way the mllab command that meets it reads it.

A run-folder reader mutates one file inside an otherwise valid folder: the folders are trained once per
process (:func:`built`: a torch run, a classical run, a NumPy-engine run, a sweep of two settings; about 15 s
on 2 CPU cores), and each input is a copy of the folder, in the child's private directory, with the mutated
file in place of the valid one.
"""

from __future__ import annotations

import atexit
import functools
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

TINY = ["data.train_subset=200", "data.test_subset=100", "training.epochs=1", "output.figures=false"]


@functools.cache
def built() -> dict[str, Path]:
    """Valid folders as mllab writes them, trained once per process: ``torch``, ``classical``, ``numpy`` (run
    folders), ``numpy-resumable`` (the NumPy run, interrupted after epoch 1 of 2), ``torch-report`` (the torch
    run without its predictions), ``group`` (a two-seed group),
    ``sweep`` (a sweep folder) and ``root`` (the runs root with ``index.sqlite``)."""
    import torch

    from mllab.experiments.api import train
    from mllab.sweep.sweep import run_sweep

    root = Path(tempfile.mkdtemp(prefix="mllab-fuzz-runs-"))
    parent = os.getpid()
    atexit.register(lambda: os.getpid() == parent and shutil.rmtree(root, ignore_errors=True))
    numpy_run = ["model.backend=numpy", "model.name=mlp", "model.params={hidden: [8]}", "training.augment={}",
                 "data.transforms=[scale,flatten]", "optimizer.name=sgd"]
    out = {"root": root,
           "torch": train("demo", [*TINY, "model.params.channels=[4,8]"], out=root).runs[0].path,
           "classical": train("demo", [*TINY, "model.name=ridge"], out=root).runs[0].path,
           "numpy": train("demo", [*TINY, *numpy_run], out=root).runs[0].path,
           "group": train("demo", [*TINY, "model.name=ridge", "experiment=groups"], seeds=2, out=root).path,
           "sweep": Path(run_sweep("demo", [*TINY, "model.name=ridge", "experiment=sweeps"],
                                   ["model.params.alpha=0.1,1"], out=root)["folder"])}
    out["numpy-resumable"] = _interrupted(out["numpy"], root / "resumable")
    # The summary's and the metrics' readers: the torch run without predictions.npz, so that its report draws
    # the curves (from metrics.jsonl) and not the test split's figures, which read neither file (3x faster).
    out["torch-report"] = shutil.copytree(out["torch"], root / "report" / "seed0",
                                          ignore=shutil.ignore_patterns("predictions.npz", "report.html"))
    # One torch thread, set after the sweep (whose local executor sets its own): a forked child computing with
    # an OpenMP pool its parent started hangs.
    torch.set_num_threads(1)
    return out


def _interrupted(run: Path, where: Path) -> Path:
    """A copy of the 1-epoch NumPy run as a run of 2 epochs killed after the first: resuming trains one more."""
    import json

    import yaml

    copy = shutil.copytree(run, where / "seed0")
    config = yaml.safe_load((copy / "config.yaml").read_text())
    config["training"]["epochs"] = 2
    (copy / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    summary = json.loads((copy / "summary.json").read_text())
    (copy / "summary.json").write_text(json.dumps({**summary, "status": "interrupted"}))
    return copy


def _valid(folder: str, file: str) -> Callable[[], bytes]:
    return lambda: (built()[folder] / file).read_bytes()


def _test_inputs() -> np.ndarray:
    from mllab.data import load

    return load("digits").test.x[:8]


def readers(as_file: Callable[[bytes, str], Path]) -> list[tuple[str, Callable[[], bytes], Callable[[bytes], object]]]:
    """``(name, make, read)`` of every reader here; ``as_file`` writes bytes into the child's private folder."""

    def in_copy(folder: str, file: str, blob: bytes) -> Path:
        """A private copy of ``built()[folder]`` with ``file`` (relative to it) replaced by ``blob``."""
        src = built()[folder]
        dest = as_file(b"", ".keep").parent / src.name
        shutil.rmtree(dest, ignore_errors=True)  # a process that reads twice (the parent's valid read)
        shutil.copytree(src, dest)
        (dest / file).write_bytes(blob)
        return dest

    out = []

    def reader(name: str, make: Callable[[], bytes]):
        def register(read):
            out.append((name, make, read))
            return read
        return register

    # --- configs and overrides ------------------------------------------------------------------------------
    @reader("config-yaml", make=lambda: CONFIG)
    def _config(blob):  # mllab train FILE
        from mllab.experiments.recipes import config_for

        return config_for(str(as_file(blob, "study.yaml")))

    @reader("override", make=lambda: b"model.params={channels: [8, 16], dropout: 0.1}")
    def _override(blob):  # mllab train demo KEY=VALUE: argv is decoded as Python decodes it
        from mllab.experiments.recipes import config_for

        return config_for("demo", [os.fsdecode(blob)])

    # --- page images ----------------------------------------------------------------------------------------
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif"), ("BMP", "bmp"), ("GIF", "gif"),
                     ("WEBP", "webp")):
        def _page(blob, ext=ext):  # mllab ocr PAGE
            from mllab.ocr.reader import load_page

            grey, _ = load_page(as_file(blob, f"page.{ext}"))
            assert grey.ndim == 2 and np.isfinite(grey).all()
            return grey
        reader(f"page-image-{ext}", make=functools.partial(_page_image, fmt))(_page)

    # --- run folders: checkpoints, model.json, config.yaml (mllab eval RUN: load_run, model, predict) -----------
    def _evaluated(run: Path):
        from mllab.runs.load import load_run

        loaded = load_run(run)
        return loaded.model(), loaded.predict(_test_inputs())

    for name, folder, file in (("run-torch-pt", "torch", "checkpoints/best.pt"),
                               ("run-model-json", "torch", "model.json"),
                               ("run-config-yaml", "torch", "config.yaml"),
                               ("run-numpy-npz", "numpy", "checkpoints/best.npz"),
                               ("run-classical-npz", "classical", "checkpoints/last.npz"),
                               ("run-classical-json", "classical", "checkpoints/last.json")):
        reader(name, make=_valid(folder, file))(
            lambda blob, folder=folder, file=file: _evaluated(in_copy(folder, file, blob)))

    @reader("run-numpy-state-json", make=_valid("numpy-resumable", "checkpoints/last_state.json"))
    def _last_state(blob):  # mllab train --resume RUN
        from mllab.experiments.runner import resume_run
        from mllab.runs.rundir import RunDir

        return resume_run(RunDir(in_copy("numpy-resumable", "checkpoints/last_state.json", blob)), quiet=True)

    # --- what runs show / report / runs list read ---------------------------------------------------------
    @reader("run-summary-json", make=_valid("torch-report", "summary.json"))
    def _summary(blob):  # mllab runs show RUN; mllab report RUN
        return _shown_and_reported(in_copy("torch-report", "summary.json", blob))

    @reader("run-metrics-jsonl", make=_valid("torch-report", "metrics.jsonl"))
    def _metrics(blob):  # mllab report RUN (the curves); load_run(RUN).metrics
        from mllab.runs.load import load_run

        run = in_copy("torch-report", "metrics.jsonl", blob)
        return load_run(run).metrics, _shown_and_reported(run)

    @reader("group-aggregate-json", make=_valid("group", "aggregate.json"))
    def _aggregate(blob):  # mllab report GROUP (its page; the seeds' pages do not read aggregate.json)
        from mllab.report.group import write_group_report

        return write_group_report(in_copy("group", "aggregate.json", blob))

    @reader("sweep-yaml", make=_valid("sweep", "sweep.yaml"))
    def _sweep(blob):  # mllab report SWEEP (its tables and page; the settings' pages do not read sweep.yaml)
        from mllab.report.sweep import write_sweep_report, write_tables

        folder = in_copy("sweep", "sweep.yaml", blob)
        return write_tables(folder), write_sweep_report(folder)

    @reader("runs-index-sqlite", make=_valid("root", "index.sqlite"))
    def _index(blob):  # mllab runs list; mllab runs show ID
        from mllab.runs.index import find_run, list_runs

        db = as_file(blob, "index.sqlite")
        rows = list_runs(db)
        return rows, find_run(db, rows[0]["id"] if rows else "demo/x/seed0")

    return out


def _shown_and_reported(run: Path):
    """What ``mllab runs show RUN`` prints and ``mllab report RUN`` writes."""
    from mllab.cli.run_text import summary_lines
    from mllab.report.html import write_report
    from mllab.runs.liveness import read_summary_quietly
    from mllab.runs.rundir import RunDir

    return summary_lines(run, read_summary_quietly(run / "summary.json") or {}), write_report(RunDir(run))


def _page_image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((96, 64), 40).convert("RGB").save(out, fmt)
    return out.getvalue()


CONFIG = b"""# a study: the demo with a smaller network
extends: demo
experiment: study
description: "small_cnn, 8 and 16 channels"
data: {name: digits, transforms: [scale], val_fraction: 0.1}
model:
  name: small_cnn
  params: {channels: [8, 16], dropout: 0.1}
optimizer: {name: adam, lr: 0.003}
schedule: {name: onecycle}
training:
  epochs: 2
  batch_size: 32
  select: val_accuracy
overrides: [training.epochs=2]
"""
