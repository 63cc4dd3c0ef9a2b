"""`mllab runs list/show/compare/published` and `mllab report` on the folders a run leaves: ids, groups, wrong
paths, file modes."""

import os
import stat
from pathlib import Path

import pytest
from cli_run import ENV, mllab


@pytest.fixture
def trained(demo_runs) -> Path:
    """A runs folder with one demo group (seeds 0 and 1): the CLI tests' shared one (conftest.py)."""
    return demo_runs


def test_runs_list_has_a_header_and_says_where_it_looked_when_empty(trained, tmp_path):
    listing = mllab("runs", "list", "--root", str(trained)).stdout.splitlines()
    assert listing[0].split()[:4] == ["started", "(UTC)", "status", "test"] and len(listing) == 3
    empty = mllab("runs", "list", cwd=tmp_path)
    assert f"no runs recorded in {tmp_path / 'runs' / 'index.sqlite'} (no such file)" in empty.stderr


def test_runs_show_takes_the_ids_runs_list_prints(trained):
    run_id = mllab("runs", "list", "--root", str(trained)).stdout.splitlines()[1].split()[-1]
    shown = mllab("runs", "show", run_id, "--root", str(trained)).stdout
    assert f"run          {run_id}\nstatus       completed\n" in shown
    raw = mllab("runs", "show", run_id, "--root", str(trained), "--json").stdout
    assert f'"run_id": "{run_id}"' in raw


def test_a_group_folder_given_for_a_run_says_it_is_a_group(trained):
    group = next(trained.glob("demo/*"))
    for command in (["eval", str(group)], ["runs", "show", str(group)]):
        proc = mllab(*command, check=False)
        assert proc.returncode == 2 and f"{group} is a seed group, not a run" in proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("where", ["runs/nope", "plain"])
def test_report_on_a_folder_that_is_no_run_is_one_line_and_writes_nothing(tmp_path, where):
    target = tmp_path / where
    if where == "plain":
        target.mkdir()
    proc = mllab("report", str(target), check=False)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not (target / "report.html").exists()


def test_run_files_follow_the_umask(trained):
    run = next(trained.glob("demo/*/seed0"))
    umask = os.umask(0)
    os.umask(umask)
    for name in ("config.yaml", "summary.json", "model.json", "report.html"):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o666 & ~umask, name


def test_runs_compare_writes_beside_the_runs_it_compares(trained, tmp_path):
    groups = sorted(str(g) for g in trained.glob("demo/*"))
    out = mllab("runs", "compare", *groups, cwd=tmp_path).stdout
    assert out.strip() == f"figure: {trained.resolve() / 'demo' / groups[0].split('/')[-1] / 'compare.png'}"
    assert not (tmp_path / "compare.png").exists()


def test_runs_published_rebuilds_a_stand_in_group_with_a_command_that_runs(tmp_path):
    """Bug: the command for a stand-in group ended in data.stand_in=[], which then asked for the absent data."""
    env = {**ENV, "MLLAB_DATA": str(tmp_path / "empty"), "MLLAB_CACHE": str(tmp_path / "cache")}
    mllab("train", "demo", "data.name=svhn", "data.stand_in=[digits]", "training.epochs=1", "published=[s000-mlp]",
          "--out", str(tmp_path / "first"), "--quiet", env=env)
    table = mllab("runs", "published", "--root", str(tmp_path / "first"), env=env).stdout
    command = table.split("`")[1]
    assert "stand_in=[]" not in command and "data.name=svhn" in command
    rebuilt = mllab(*command.split()[1:], "--out", str(tmp_path / "second"), "--quiet", env=env)
    assert "dataset: digits, standing in for svhn" in rebuilt.stdout
