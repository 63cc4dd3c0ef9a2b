"""Configs from anywhere, through the command: every bad file or override is one line (exit 2), nothing is
built from a YAML tag, nothing is written, and no name leads a run folder outside the runs root."""

import time

import pytest
from cli_run import mllab

BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def refused(tmp_path, *args, cwd=None):
    """``mllab train ARGS`` in ``cwd``: the one-line error (asserting exit 2, no traceback, nothing written)."""
    proc = mllab("train", *args, "--out", str(tmp_path / "runs"), check=False, cwd=cwd or tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "runs").exists()
    return proc.stderr.strip()


@pytest.mark.parametrize("text, expected", [
    ("extends: demo\nmodel: {name: lenet5\n", "bad.yaml:3:1: not valid YAML: did not find expected ',' or '}'"),
    ("a: !!python/object/apply:os.system [touch pwned]\n", "bad.yaml:1:4: explicit YAML tag"),
    ("a: " + "[" * 1000 + "]" * 1000 + "\n", "bad.yaml:1:"),  # "nested deeper than 64 levels", not RecursionError
    ("extends: 5\n", "'extends' must name a recipe or a YAML file, found 5"),
    ("", "bad.yaml is empty"),
    ("- extends: demo\n", "a config must be a YAML mapping"),
])
def test_a_bad_config_file_is_one_line_naming_the_place(tmp_path, text, expected):
    (tmp_path / "bad.yaml").write_text(text)
    assert expected in refused(tmp_path, "bad.yaml")
    assert not (tmp_path / "pwned").exists()


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    (tmp_path / "bomb.yaml").write_text(BOMB)
    start = time.perf_counter()
    assert "once aliases are expanded" in refused(tmp_path, "bomb.yaml")
    assert time.perf_counter() - start < 10  # the import of mllab, not the 9**9 elements


def test_a_folder_is_not_taken_for_a_recipe(tmp_path):
    (tmp_path / "results").mkdir()
    assert "results is a folder, not a config file or a recipe" in refused(tmp_path, "results")


def test_a_control_character_in_an_override_is_one_line(tmp_path):
    assert "character '\\x01' (U+0001) is not allowed" in refused(tmp_path, "demo", "description=a\x01b")


def test_an_experiment_name_that_leaves_the_runs_root_writes_nothing(tmp_path):
    (tmp_path / "work").mkdir()
    message = refused(tmp_path, "demo", "experiment=../../escaped_by_test_cli_config", cwd=tmp_path / "work")
    assert "experiment: Value error, not one folder name (a path)" in message
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["work"]
    assert not (tmp_path.parent / "escaped_by_test_cli_config").exists()  # runs/../../ from --out tmp_path/runs
