"""The packaged cost table: only registered recipes, plausible numbers, what the listing prints."""

from mllab.experiments.costs import cost_table, cost_text
from mllab.experiments.recipes import RECIPES


def test_the_cost_table_names_registered_recipes_with_their_epochs():
    from mllab.experiments.recipes import config_for

    table = cost_table()
    assert "costs" not in RECIPES and "published" not in RECIPES  # the tables beside the recipes are not recipes
    for name, cost in table.get("recipes", {}).items():
        assert name in RECIPES, name
        assert cost["method"] in ("steps", "fit", "run", "scaled")
        if cost["method"] in ("steps", "run"):
            assert cost["epochs"] == config_for(name).training.epochs, name  # re-measure after changing a recipe
        if cost["method"] == "steps" and cost["cpu_seconds"] is not None:
            assert cost["cpu_seconds"] >= cost["epochs"] * cost["steps_per_epoch"] * cost["step_seconds"] * 0.99


def test_cost_text():
    assert cost_text({"cpu_seconds": 30 * 60, "method": "fit"}) == "30 CPU-min"
    assert cost_text({"cpu_seconds": 90 * 60, "method": "scaled", "note": "runs on ..."}) == "~90 CPU-min"
    assert cost_text({"cpu_seconds": None, "method": "fit", "note": "> 2 CPU-min (fit stopped)"}) == \
        "> 2 CPU-min (fit stopped)"


BUDGETS = {"best_mnist": 5, "best_fashion": 10, "best_sst2": 10, "best_cifar10": 60}  # CPU-min per seed (issue 19)


def test_the_budget_recipes_cost_no_more_than_their_budget():
    """The measured (or step-timed) cost of one seed of each of our own recipes, at one thread, stays within
    the CPU-minutes its recipe promises; re-measure with bench/recipe_costs.py after changing a recipe."""
    for name, minutes in BUDGETS.items():
        cost = cost_table()["recipes"][name]
        assert cost["cpu_seconds"] is not None and cost["cpu_seconds"] <= minutes * 60, (name, cost)
