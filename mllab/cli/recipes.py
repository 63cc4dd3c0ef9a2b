"""``mllab recipes``: the packaged recipes (read from their YAML: listing them validates nothing and imports
no torch) and one recipe's resolved config."""

from __future__ import annotations

import typer

from mllab.cli.errors import fail, user_errors

app = typer.Typer(help="Packaged recipes (configs that reproduce the reports).", no_args_is_help=True)

HEADER = ["recipe", "runs/<experiment>", "dataset", "model", "epochs x seeds", "CPU time per seed", "published rows"]


@app.command("list")
def recipes_list(pattern: str = typer.Argument("*", help="Glob over recipe names.")) -> None:
    """Packaged recipes and the published numbers they reproduce."""
    from mllab.core.table import Table
    from mllab.experiments.costs import cost_table, cost_text, recipe_cost
    from mllab.experiments.recipes import RECIPES, recipe_listing

    names = RECIPES.names(pattern)
    if not names:
        fail(f"no recipe matches {pattern!r} ({len(RECIPES)} recipes: mllab recipes list)")
    rows = []
    for r in map(recipe_listing, names):  # read from the YAML: no config validation, no torch
        fitted = r.engine == "classical"  # one fit: no epochs
        rows.append([r.name, r.experiment, r.dataset, r.model, f"{'-' if fitted else r.epochs} x {r.seeds}",
                     cost_text(recipe_cost(r.name)), ",".join(r.published) or "-"])
    typer.echo(Table(HEADER, rows, right={"epochs x seeds"}).text())
    machine = cost_table().get("machine")
    typer.echo(f"CPU time: measured on {machine} (~: estimated from timed steps or scaled fits; "
               "bench/recipe_costs.py); 'mllab recipes show NAME' for the published numbers" if machine else
               "CPU time: not measured in this install (bench/recipe_costs.py measures it)")


@app.command("show")
def recipes_show(name: str) -> None:
    """Print a recipe's resolved config."""
    from mllab.experiments.recipes import recipe_text

    with user_errors():
        typer.echo(recipe_text(name))  # validated without torch: the names come from the models' catalog
