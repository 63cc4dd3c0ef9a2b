"""How long ``runs/index.html`` of a runs root with 1 000 runs takes to open in headless Chromium, scripts done.

Makes N fake-but-valid run folders (``config.yaml`` from the demo recipe with its lr and seed varied,
``metrics.jsonl`` of EPOCHS epochs, ``summary.json``, one index row each, written through the index's own
table), writes the index page with ``mllab.report.index_page.write_index`` (timed once), then times
``chromium --headless --dump-dom`` of the page opened with five runs ticked in the URL
(``?select=...&metric=val_accuracy``: the search rows, the curves' JSON parsed and the overlay drawn by
plotly) and of an empty page (the browser's own start), median of REPEATS each. Target: under 2 s.

    MLLAB_DATA=../shared/data:/usr/share/datasets .venv/bin/python bench/index_pages.py [--runs 1000]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import yaml

METRICS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")


def fake_runs(root: Path, n: int, epochs: int) -> list[str]:
    """``root`` with ``n`` completed runs of the demo recipe (lr and seed varied) and their index rows."""
    from mllab.experiments.recipes import config_for
    from mllab.runs.index import _SCHEMA, COLUMNS

    base = config_for("demo").model_dump(mode="json")
    ids, rows = [], []
    for i in range(n):
        rid = f"exp{i % 10}/20261208-{i:06d}-small_cnn-abcd/seed{i % 3}"
        folder = root / rid
        folder.mkdir(parents=True)
        lr = (0.001, 0.003, 0.01, 0.03)[i % 4]
        cfg = {**base, "experiment": f"exp{i % 10}", "seed": i % 3, "optimizer": {**base["optimizer"], "lr": lr}}
        (folder / "config.yaml").write_text(yaml.safe_dump(cfg))
        curve = [{"epoch": e, **{m: round(1 / (e + i % 7) if "loss" in m else 1 - 1 / (e + 1), 6) for m in METRICS}}
                 for e in range(1, epochs + 1)]
        (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in curve))
        final = {"test_accuracy": 0.9, "val_accuracy": curve[-1]["val_accuracy"], "val_loss": curve[-1]["val_loss"]}
        (folder / "summary.json").write_text(json.dumps({"status": "completed", "seed": i % 3, "final": final}))
        started = f"2026-12-08T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}"
        rows.append([rid, f"exp{i % 10}", rid.split("/")[1], "digits", "small_cnn", i % 3, "completed", started,
                     started, str(folder), json.dumps(final)])
        ids.append(rid)
    with sqlite3.connect(root / "index.sqlite") as con:
        con.execute(_SCHEMA)
        con.executemany(f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return ids


def open_seconds(url: str, repeats: int) -> tuple[list[float], list[float], list[float], str]:
    """Per repeat: the whole process's wall and CPU seconds (browser start included), and the page's own time
    from navigation to its scripts done (``data-ready-ms``, set by the index's script; NaN elsewhere)."""
    walls, cpus, ready = [], [], []
    for _ in range(repeats):
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              "--virtual-time-budget=5000", "--dump-dom", url], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        found = re.search(r'data-ready-ms="(\d+)"', dom)
        ready.append(int(found.group(1)) / 1000 if found else float("nan"))
    return walls, cpus, ready, dom


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    opts = ap.parse_args()
    from mllab.report.index_page import write_index

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "runs"
        ids = fake_runs(root, opts.runs, opts.epochs)
        t0 = time.perf_counter()
        page = write_index(root)
        written = time.perf_counter() - t0
        url = f"file://{page}?select={quote(','.join(ids[:5]))}&metric=val_accuracy"
        times, cpus, ready, dom = open_seconds(url, opts.repeats)
        assert dom.count('class="pick"') == opts.runs and 'class="main-svg"' in dom, "the page did not draw"
        blank = Path(tmp) / "blank.html"
        blank.write_text("<!doctype html><title>x</title>")
        base, base_cpus, _, _ = open_seconds(f"file://{blank}", opts.repeats)
        size = page.stat().st_size
    med = statistics.median
    version = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"runs {opts.runs} x {opts.epochs} epochs; index.html {size / 1e6:.1f} MB written in {written:.2f} s")
    print(f"index, 5 runs overlaid: in-page to scripts done median {med(ready):.2f} s (min {min(ready):.2f}, max "
          f"{max(ready):.2f}); whole chromium process wall {med(times):.2f} s, CPU {med(cpus):.2f} s; "
          f"median of {opts.repeats}")
    print(f"an empty page (the browser's own start): wall {med(base):.2f} s, CPU {med(base_cpus):.2f} s")
    print(f"{version}; Python {platform.python_version()}; {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
