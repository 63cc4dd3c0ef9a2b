"""Listing commands answer without importing torch or scikit-learn (issue 31: listings in a blink).

Each command runs as a user runs it (a subprocess) under ``python -X importtime``, whose report names every
module the process imported; the listing's output is checked too, so a command that failed early (and so
imported little) cannot pass.
"""

import subprocess
import sys

import pytest

from tests.cli.cli_run import ENV, MLLAB, mllab

HEAVY = {"torch", "sklearn"}
LISTINGS = {("recipes", "list"): "s000_nin", ("models", "list"): "lenet5", ("data", "list"): "mnist",
            ("--help",): "recipes"}


def imported(args: tuple[str, ...]) -> tuple[str, set[str]]:
    """The output of ``mllab ARGS`` and the top-level packages its process imported (``-X importtime``)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *MLLAB[1:], *args], capture_output=True, text=True,
                          env=ENV, check=True)
    return proc.stdout, {line.rsplit("|", 1)[1].strip().split(".")[0] for line in proc.stderr.splitlines()
                         if line.startswith("import time:")}


@pytest.mark.parametrize("args", list(LISTINGS), ids=" ".join)
def test_listing_imports_neither_torch_nor_sklearn(args):
    out, modules = imported(args)
    assert LISTINGS[args] in out and "mllab" in modules
    assert not modules & HEAVY, f"mllab {' '.join(args)} imported {sorted(modules & HEAVY)}"


def test_runs_list_of_many_runs_reads_only_what_it_shows(tmp_path):
    """The newest ``--limit`` runs, newest first, each with the status its own folder tells (10 000 runs
    would take seconds if every folder were read: bench/listings.py)."""
    from mllab.runs.index import record_run

    root = tmp_path / "runs"
    for i in range(40):
        folder = root / "e" / f"g{i:02d}" / "seed0"
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text('{"status": "completed"}')
        record_run(root / "index.sqlite", {"id": f"e/g{i:02d}/seed0", "experiment": "e", "status": "running",
                                          "started": f"2026-12-07T10:{i:02d}", "path": str(folder)})
    out = mllab("runs", "list", "--root", str(root), "--limit", "3").stdout.splitlines()
    assert [line.split()[-1] for line in out[1:]] == ["e/g39/seed0", "e/g38/seed0", "e/g37/seed0"]
    assert all(" completed " in line for line in out[1:])  # the index says running; the summary completed
