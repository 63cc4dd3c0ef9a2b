"""``mllab sweep``: a grid x seeds over a recipe or config, on local processes or Ray."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperCommand

from mllab.cli.stopping import sigterm_interrupts


def executors_help() -> str:
    """The --executor help: the registered executors (:data:`mllab.experiments.executor.EXECUTORS`)."""
    from mllab.experiments.executor import EXECUTORS

    return "Where trials run: " + "; ".join(f"{e.name} ({e.meta['help']})" for e in EXECUTORS) + "."


class SweepCommand(TyperCommand):
    """``mllab sweep``: its --executor help is read from the executor registry when the help is shown, not when
    the CLI starts (so that ``mllab --help`` imports no process-pool machinery)."""

    def format_help(self, ctx, formatter) -> None:
        for param in self.params:
            if param.name == "executor":
                param.help = executors_help()
        super().format_help(ctx, formatter)


def sweep(
    args: list[str] = typer.Argument(..., help="RECIPE_OR_CONFIG then key=value overrides shared by every trial."),
    grid: list[str] = typer.Option([], "--grid", help="KEY=V1,V2,...: a grid axis; repeat for more axes."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="Seeds per setting (seed, seed+1, ...)."),
    executor: str = typer.Option("local", "--executor", help="(filled by SweepCommand)"),
    workers: int = typer.Option(1, "--workers", min=1, help="Trials at a time (torch threads: cores // workers)."),
    address: str | None = typer.Option(None, "--address", help="HOST:PORT of a Ray cluster to join "
                                          "(default: a local Ray on 127.0.0.1, stopped at the end)."),
    metric: str | None = typer.Option(None, "--metric", help="The metric whose mean over seeds chooses the best "
                                      "setting (default: val_accuracy, else val_psnr, else val_loss); never a "
                                      "test_ metric."),
    mode: str | None = typer.Option(None, "--mode", help="max or min: which way --metric is better (default: "
                                    "min for losses, max otherwise)."),
    out: Path | None = typer.Option(None, "--out", help="Runs root folder (default: output.root, 'runs')."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars and no lines per epoch."),
) -> None:
    """Train every setting of a grid with several seeds: mllab sweep demo --grid optimizer.lr=0.003,0.01 --seeds 2

    Each trial is a run folder under runs/<experiment>/sweep-<recipe>-<hash>/<setting>/seed<k>; the sweep
    folder holds sweep.yaml, table.md/.csv/.html (mean, sample std and best seed over seeds per setting) and
    report.html. Running the same command again resumes the sweep: finished trials are kept, killed ones
    continue from their last checkpoint.

    The best setting is chosen on validation and reported on test: the highest (--mode max) or lowest mean
    over seeds of --metric, by default val_accuracy (max), else val_psnr (max), else val_loss (min). A test_
    metric is refused; trials without a validation split (data.val_fraction=0) get no best setting."""
    from mllab.cli.errors import fail, user_errors
    from mllab.sweep.sweep import run_sweep

    if "=" in args[0]:
        fail("name a recipe (mllab recipes list) or a YAML config file first, then key=value overrides")
    try:
        with sigterm_interrupts(), user_errors():
            result = run_sweep(args[0], list(args[1:]), grid, seeds, executor, workers, address, out, quiet,
                               metric=metric, mode=mode)
    except KeyboardInterrupt as err:  # the executor's TrialsInterrupted says how many trials finished
        said = str(err) or "interrupted; finished trials are kept"
        typer.echo(f"{said}; run the same command again to resume the sweep", err=True)
        raise typer.Exit(130) from None
    trials = result["trials"]
    done = sum(t.get("status") == "completed" for t in trials)
    typer.echo(f"sweep: {done} of {len(trials)} trials completed in {result['folder']}")
    typer.echo(result["tables"]["md"].read_text().rstrip())
    typer.echo(f"table: {result['tables']['csv']}")
    typer.echo(f"report: {result['report']}")
    typer.echo(f"index: {result['index']}")
    if done < len(trials):
        for t in trials:
            if t.get("status") != "completed":
                typer.echo(f"error: {t.get('path', '?')} {t.get('status', 'not run')}: {t.get('error', '')}", err=True)
        raise typer.Exit(1)
