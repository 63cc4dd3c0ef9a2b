"""Listings in a blink: every listing and ``--help`` command timed as a whole process (median of 5).

Each command is run REPEATS times as ``.venv/bin/mllab ...`` (interpreter start, imports, output), and the
median wall time is printed, with the median CPU time (user + system: what the load of a shared machine
changes least), and the largest imports of one ``python -X importtime`` run of it. ``runs list``
is timed on a synthetic runs root of RUNS run folders (a ``summary.json`` each, one index row each) written
through the index's own ``record_run``. Target: every median under 0.5 s, and no listing imports torch.

    MLLAB_DATA=../shared/data .venv/bin/python bench/listings.py [--repeats 5] [--runs 10000] [--tree DIR]

``--tree DIR`` times another checkout's mllab with this venv (``python -m mllab.cli.main``, ``DIR`` first on
``PYTHONPATH``): ``git worktree add /tmp/before COMMIT`` then ``--tree /tmp/before`` gives the numbers before.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MLLAB = str(Path(sys.executable).with_name("mllab"))
COMMANDS = (["--help"], ["recipes", "list"], ["recipes", "show", "s000_nin"], ["models", "list"],
            ["data", "list"], ["runs", "list"])
HEAVY = {"torch", "sklearn", "scipy", "matplotlib", "numpy", "pydantic"}


def synthetic_runs(root: Path, n: int) -> Path:
    """``root`` with ``n`` completed run folders under 10 experiments and their index rows."""
    from mllab.runs.index import COLUMNS, _SCHEMA  # the index's own table, filled in one transaction

    rows = []
    for i in range(n):
        rid = f"exp{i % 10}/20261207-{i:06d}-lenet5-abcd/seed0"
        folder = root / rid
        folder.mkdir(parents=True)
        summary = {"status": "completed", "seed": 0, "final": {"test_accuracy": 0.9}}
        (folder / "summary.json").write_text(json.dumps(summary))
        started = f"2026-12-07T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}"
        rows.append([rid, f"exp{i % 10}", rid.split("/")[1], "mnist", "lenet5", 0, "completed", started, started,
                     str(folder), json.dumps({"test_accuracy": 0.9})])
    with sqlite3.connect(root / "index.sqlite") as con:
        con.execute(_SCHEMA)
        con.executemany(f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return root


def wall_times(args: list[str], repeats: int, cwd: Path, tree: Path | None) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of ``repeats`` whole processes of ``mllab ARGS``."""
    command = [sys.executable, "-m", "mllab.cli.main"] if tree else [MLLAB]
    env = {**os.environ, "PYTHONPATH": str(tree)} if tree else None
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([*command, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def import_costs(args: list[str], cwd: Path, tree: Path | None) -> tuple[float, list[str]]:
    """Total import time (s) of one ``-X importtime`` run and the heavy packages it imported (at any depth)."""
    env = {**os.environ, "PYTHONPATH": str(tree)} if tree else None
    err = subprocess.run([sys.executable, "-X", "importtime", "-m", "mllab.cli.main", *args], cwd=cwd, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    tops = re.findall(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", err, re.M)  # top-level: no indent
    imported = {name.strip() for name in re.findall(r"import time:\s+\d+ \|\s+\d+ \|(.+)$", err, re.M)}
    return sum(int(us) for us, _ in tops) / 1e6, sorted(HEAVY & imported)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10_000, help="run folders in the synthetic runs root")
    parser.add_argument("--tree", type=Path, help="another checkout whose mllab is timed (default: this venv's)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        synthetic_runs(Path(tmp) / "runs", opts.runs)
        print(f"synthetic runs root: {opts.runs} runs written in {time.perf_counter() - t0:.1f} s")
        print("| command | median (s) | min-max (s) | CPU median (s) | imports (s) | heavy packages imported |\n"
              "|---|---:|---:|---:|---:|---|")
        for args in COMMANDS:
            times, cpus = wall_times(args, opts.repeats, Path(tmp), opts.tree)
            imported, heavy = import_costs(args, Path(tmp), opts.tree)
            print(f"| `mllab {' '.join(args)}` | {statistics.median(times):.2f} | {min(times):.2f}-{max(times):.2f} "
                  f"| {statistics.median(cpus):.2f} | {imported:.2f} | {', '.join(heavy) or '-'} |", flush=True)
    print(f"\n{opts.repeats} whole processes per command, runs list on {opts.runs} runs; Python "
          f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} ({platform.platform()})")


if __name__ == "__main__":
    main()
