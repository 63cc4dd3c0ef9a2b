"""The runs-folder table of published vs measured (``mllab runs published``)."""

import json
import math

import pytest
from scipy.stats import t as student_t

from mllab.experiments.aggregate import write_group
from mllab.experiments.published_table import Row, collect, markdown
from mllab.experiments.recipes import RECIPES, config_for
from mllab.runs.published import lookup
from mllab.runs.seed_stats import best_over_seeds


def make_group(root, name, cfg, accuracies, epochs_done=None):
    """A seed group as the runner leaves it: seed folders with config.yaml, aggregate.json from write_group."""
    group = root / cfg.experiment / name
    summaries = []
    for seed, acc in enumerate(accuracies):
        run = group / f"seed{seed}"
        run.mkdir(parents=True)
        (run / "config.yaml").write_text(cfg.to_yaml())
        summaries.append({"status": "completed", "seed": seed, "path": str(run), "final": {"test_accuracy": acc},
                          "wall_seconds": 100.0 + seed,
                          "epochs_done": cfg.training.epochs if epochs_done is None else epochs_done})
    write_group(group, cfg, summaries)
    return group


def test_config_for_records_the_recipe_and_overrides_but_not_the_seed_count(tmp_path):
    cfg = config_for("s003_lenet_mnist_l1", ["training.epochs=5", "seeds=3"])
    assert (cfg.recipe, cfg.overrides, cfg.seeds) == ("s003_lenet_mnist_l1", ["training.epochs=5"], 3)
    saved = tmp_path / "config.yaml"
    saved.write_text(cfg.to_yaml())
    again = config_for(str(saved), ["training.threads=1"])
    assert again.recipe == "s003_lenet_mnist_l1"  # a run's config keeps naming its recipe
    assert again.overrides == ["training.epochs=5", "training.threads=1"]
    assert (again.training.epochs, again.training.threads) == (5, 1)


def test_a_config_file_without_a_recipe_names_itself(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("experiment: mine\ntraining: {epochs: 2}\n")
    assert config_for(str(path)).recipe == str(path)


def test_rows_compare_same_dataset_numbers_with_welch_t_test(tmp_path):
    cfg = config_for("s003_lenet_mnist_l2", ["seeds=3"])
    make_group(tmp_path, "20260101-000000-lenet5-aaaa", cfg, [0.990, 0.991, 0.992])
    (row,) = collect(tmp_path)
    assert (row.experiment, row.published_id, row.dataset, row.published_n) == (
        "s003_lenet_mnist", "s003-lenet-mnist-l2", "mnist", 5)
    assert row.ours == pytest.approx(0.991) and row.comparable
    # closed form: Welch's t and Welch-Satterthwaite degrees of freedom, both stds as sample stds
    m1, s1, n1 = 0.991, 0.001, 3
    m2, s2, n2 = 0.9901, 0.0008376, 5
    v1, v2 = s1 ** 2 / n1, s2 ** 2 / n2
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    assert row.p_value == pytest.approx(2 * student_t.sf(abs(t), df), rel=1e-9)
    assert row.command == "mllab train s003_lenet_mnist_l2 --seeds 3"
    line = markdown([row]).splitlines()[2]
    assert "| 0.9901 +- 0.0008 (5) | 0.9910 +- 0.0010 (3; 0.9920) | +0.0009 |" in line  # ours: the sample std


def test_an_aggregate_written_with_the_population_std_reads_as_the_sample_std(tmp_path):
    """Run folders from before the sample std give the same row (and Welch p) as new ones."""
    cfg = config_for("s003_lenet_mnist_l2", ["seeds=3"])
    group = make_group(tmp_path, "20260101-000000-lenet5-aaaa", cfg, [0.990, 0.991, 0.992])
    (new,) = collect(tmp_path)
    agg = json.loads((group / "aggregate.json").read_text())
    del agg["std_ddof"]
    for stats in [*agg["table"].values(), *(c["measured"] for c in agg["published_vs_measured"])]:
        stats["std"] = stats["std"] * math.sqrt((stats["n"] - 1) / stats["n"])  # as older mllab wrote it
    (group / "aggregate.json").write_text(json.dumps(agg))
    (old,) = collect(tmp_path)
    assert old.ours_std == pytest.approx(0.001) and old.p_value == pytest.approx(new.p_value)


def test_a_loss_s_best_seed_is_its_lowest_and_one_seed_has_no_std(tmp_path):
    cfg = config_for("s003_lenet_mnist_l2")
    summaries = [{"status": "completed", "seed": k, "path": str(tmp_path / f"seed{k}"), "wall_seconds": 1.0,
                  "final": {"test_loss": loss}} for k, loss in enumerate((0.3, 0.1, 0.2))]
    table = write_group(tmp_path / "g", cfg, summaries)["table"]
    assert best_over_seeds("test_loss", table["test_loss"]) == 0.1
    assert "| test_loss | 0.2000 | 0.1000 | 0.1000 | 3 |" in (tmp_path / "g" / "table.md").read_text()
    one = write_group(tmp_path / "one", cfg, summaries[:1])
    assert one["table"]["test_loss"]["std"] is None
    assert "| test_loss | 0.3000 | - | 0.3000 | 1 |" in (tmp_path / "one" / "table.md").read_text()


def test_no_recipe_names_the_same_published_number_twice():
    """s000_nin named Table V's NiN and Table VI's 9-non-linear row: one network, one number, printed twice."""
    for name in RECIPES.names():
        rows = lookup(config_for(name).published)
        numbers = [(r["dataset"], r["model"], r["metric"], r.get("value")) for r in rows if r.get("value") is not None]
        assert len(numbers) == len(set(numbers)), f"{name} names one published number twice: {numbers}"


def test_a_shortened_run_says_so_and_another_dataset_is_not_compared(tmp_path):
    cfg = config_for("s000_nin", ["training.epochs=2"])
    make_group(tmp_path, "20260101-000000-nin-bbbb", cfg.model_copy(update={"data": cfg.data.model_copy(
        update={"name": "fashion_mnist", "stands_in_for": "svhn"})}), [0.889])
    rows = collect(tmp_path)
    assert {r.epochs for r in rows} == {"2 of 40"}
    assert all(not r.comparable and r.p_value is None for r in rows)
    text = markdown(rows)
    assert "not comparable" in text and "fashion_mnist (published: svhn)" in text and "0.8890 (1 seed)" in text
    assert "`mllab train s000_nin --seeds 1 training.epochs=2`" in text


def test_a_recipe_changed_since_the_run_gets_overrides_that_rebuild_the_run_as_it_was(tmp_path):
    cfg = config_for("s003_lenet_mnist_l1", ["training.threads=1"])  # as the recipe was: 70 epochs, lr 0.02
    ran = cfg.model_copy(update={"training": cfg.training.model_copy(update={"epochs": 70}),
                                 "optimizer": cfg.optimizer.model_copy(update={"lr": 0.02}),
                                 "description": "an older wording"})
    make_group(tmp_path, "20260101-000000-lenet5-dddd", ran, [0.97, 0.98])
    (row,) = collect(tmp_path)
    assert row.command == ("mllab train s003_lenet_mnist_l1 --seeds 2 training.threads=1 "
                           "optimizer.lr=0.02 training.epochs=70")
    assert row.epochs == "70 of 80"
    rebuilt = config_for("s003_lenet_mnist_l1", row.command.split()[5:])
    assert (rebuilt.training.epochs, rebuilt.optimizer.lr, rebuilt.training.threads) == (70, 0.02, 1)


def test_older_runs_without_a_recorded_recipe_are_rebuilt_from_their_config(tmp_path):
    cfg = config_for("s003_lenet_mnist_l2").model_copy(update={"recipe": None, "overrides": []})
    group = make_group(tmp_path, "20260101-000000-lenet5-cccc", cfg, [0.99])
    (row,) = collect(tmp_path)
    assert row.command == f"mllab train {group / 'seed0' / 'config.yaml'} --seeds 1" and row.epochs == "80"


def test_latest_keeps_the_newest_group_per_experiment_and_published_id(tmp_path):
    cfg = config_for("s003_lenet_mnist_l2")
    make_group(tmp_path, "20260101-000000-lenet5-old0", cfg, [0.95])
    make_group(tmp_path, "20260102-000000-lenet5-new0", cfg, [0.99, 0.98])
    best = config_for("best_mnist")
    make_group(tmp_path, "20260101-000000-vgg-best", best, [0.996])
    assert len(collect(tmp_path)) == 4  # best_mnist names two published rows
    latest = collect(tmp_path, latest=True)
    assert [(r.experiment, r.seeds) for r in latest if r.published_id == "s003-lenet-mnist-l2"] == [
        ("s003_lenet_mnist", 2), ("best_mnist", 1)]
    assert [r.seeds for r in collect(tmp_path, min_seeds=2)] == [2]
    assert {r.experiment for r in collect(tmp_path, experiment="best_mnist")} == {"best_mnist"}


def test_a_qualitative_published_result_has_no_difference():
    row = Row("s001_vae", "s001-vae-fashion", "qualitative", None, None, None, 19.1, 0.0, 19.1, 1, "fashion_mnist",
              "fashion_mnist", "50", 10.0, "mllab train s001_vae_fashion --seeds 1", "g")
    assert not row.comparable and row.p_value is None
    assert "| qualitative | 19.1000 (1 seed) | not comparable |" in markdown([row])


def test_missing_runs_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist: train a recipe first"):
        collect(tmp_path / "nothing")


def test_a_moved_runs_folder_still_reads_and_fits_without_epochs_show_a_dash(tmp_path):
    cfg = config_for("s003_lenet_mnist_l2")
    make_group(tmp_path / "old", "20260101-000000-lenet5-dddd", cfg, [0.99], epochs_done=0)
    (tmp_path / "old").rename(tmp_path / "new")
    (row,) = collect(tmp_path / "new")
    assert row.epochs == "-" and row.ours == pytest.approx(0.99)


def test_recipes_list_shows_the_published_rows_each_once():
    """The README says 'mllab recipes list' shows the published rows a recipe reproduces; s000_nin printed one twice."""
    from tests.cli.cli_run import mllab

    lines = mllab("recipes", "list", "s000_nin*").stdout.splitlines()
    assert lines[0].rstrip().endswith("published rows")
    nin = next(line for line in lines if line.startswith("s000_nin "))
    assert nin.rstrip().endswith(" s000-nin") and "s000-nin-nonlin-9" not in nin
    assert next(line for line in lines if line.startswith("s000_nin_tanh ")).rstrip().endswith(" s000-nin-tanh")
