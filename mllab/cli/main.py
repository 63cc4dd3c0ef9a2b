"""The ``mllab`` command line: one module per command group, wired here. Heavy libraries are imported inside
commands, so ``mllab --help`` and the listings answer at once.

================  =====================================================
module            commands
================  =====================================================
``cli.train``     ``train`` (and ``--resume``), ``demo``, ``eval``
``cli.sweep``     ``sweep``
``cli.report``    ``report``
``cli.explain``   ``explain``, ``probe``, ``data show``
``cli.ocr``       ``ocr``
``cli.data``      ``data list|where|info|verify|fetch``
``cli.models``    ``models list``
``cli.recipes``   ``recipes list|show``
``cli.runs``      ``runs list|show|published|compare``
================  =====================================================
"""

from __future__ import annotations

import logging
import sys

import typer

from mllab.cli import data, explain, export, models, ocr, recipes, report, runs, sweep, train

# rich_markup_mode=None: help texts are printed as written ('[invert]' in an example is not markup)
app = typer.Typer(help="mllab: build, train, compare and look inside machine-learning models.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


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


# commands, in the order --help lists them
app.command("sweep", cls=sweep.SweepCommand)(sweep.sweep)
app.command("train", context_settings={"allow_extra_args": False})(train.train)
app.command("demo")(train.demo)
app.command("eval")(train.evaluate)
app.command("report")(report.report)
app.command("explain", cls=explain.ExplainCommand)(explain.explain)
app.command("probe")(explain.probe)
app.command("ocr")(ocr.ocr)
app.command("export")(export.export)

# command groups
data.app.command("show")(explain.data_show)
app.add_typer(data.app, name="data")
app.add_typer(models.app, name="models")
app.add_typer(recipes.app, name="recipes")
app.add_typer(runs.app, name="runs")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
