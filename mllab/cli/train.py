"""``mllab train``, ``mllab demo`` and ``mllab eval``: train a recipe or config (through the Python API's
:func:`mllab.experiments.api.train`), resume a killed run or group, evaluate a trained run."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from mllab.cli.errors import fail, user_errors
from mllab.cli.stopping import stopped_says_what_next

QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar and no line per epoch.")


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
    args = list(args or [])
    if resume is not None:
        if args:
            fail("--resume takes the run (or group) folder only; its own config is used")
        return do_resume(resume, out, quiet, jobs, seeds)
    if not args or "=" in args[0]:
        fail("name a recipe (mllab recipes list) or a YAML config file first, then key=value overrides")
    do_train(args[0], args[1:], seeds, out, quiet, jobs)


def demo(out: Optional[Path] = typer.Option(None, "--out", help="Runs root folder."), quiet: bool = QUIET) -> None:
    """Train a small CNN on the embedded 8x8 digits and write a report (under a minute)."""
    do_train("demo", [], None, out, quiet)


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
    from mllab.experiments.evaluate import evaluate_run

    with user_errors():
        metrics = evaluate_run(run, list(overrides or []), checkpoint, trust_pickle)
    _print_metrics(metrics)


def do_train(target: str, overrides: list[str], seeds: int | None, out: Path | None, quiet: bool,
             jobs: int = 1) -> None:
    """Train through the Python API (:func:`mllab.experiments.api.train`) and print the group's table."""
    from mllab.experiments.api import train as train_group

    started: list[Path] = []
    with user_errors(), stopped_says_what_next(started):
        group = train_group(target, overrides, seeds, out, quiet=quiet, jobs=jobs, announce=started.append)
    print_group(group.record)


def do_resume(run_path: Path, out: Path | None, quiet: bool, jobs: int = 1, seeds: int | None = None) -> None:
    from mllab.experiments.runner import resume_group, resume_run
    from mllab.runs.group import is_group
    from mllab.runs.rundir import RunDir

    if is_group(run_path):
        with user_errors(), stopped_says_what_next([run_path]):
            result = resume_group(run_path, out, quiet=quiet, jobs=jobs, seeds=seeds)
        return print_group(result)
    if seeds is not None:
        fail(f"--seeds with --resume grows a seed group, and {run_path} is one run (no group.yaml): "
             f"give its group folder ({run_path.parent}) instead")
    run = RunDir(run_path)
    with user_errors(), stopped_says_what_next([run_path]):
        summary, done = resume_run(run, out, quiet=quiet)
    typer.echo(f"{run.path}: {done}")
    _print_metrics(summary.get("final", {}))
    if (run.path / "report.html").is_file():
        typer.echo(f"report: {run.path / 'report.html'}")


def print_group(result: dict) -> None:
    """A trained group as ``aggregate.json`` records it: its headline numbers, published vs measured, where
    its table and report are; exit status 1 when a seed did not complete."""
    from mllab.core.table import number
    from mllab.runs.published import published_text

    table = result["table"]
    for m in ("val_accuracy", "test_loss", "test_psnr", "test_accuracy"):  # the headline number last
        if m in table:
            t = table[m]
            spread = f" (std {number(t['std'], m)}, max {number(t['max'], m)}, {t['n']} seeds)" if t["n"] > 1 else ""
            typer.echo(f"{m.replace('_', ' ')}: {number(t['mean'], m)}{spread}")
    if result.get("stands_in_for"):
        typer.echo(f"dataset: {result['dataset']}, standing in for {result['stands_in_for']} (whose files are absent)")
    for row in result["published_vs_measured"]:
        ours = row["measured"]
        typer.echo(f"  {row['id']} ({row['model']} on {row['dataset']}): published "
                   f"{published_text(row['published'], row.get('published_std'))}, this {result['model']} on "
                   f"{result['dataset']} {number(ours['mean'], row['metric']) if ours else '-'}")
    if len(result["runs"]) > 1:
        typer.echo(f"table: {Path(result['group']) / 'table.md'}")
    report = Path(result.get("report") or Path(result["runs"][0]) / "report.html")
    if report.is_file():
        typer.echo(f"report: {report}")
    for rebuilt in result.get("rebuilt_reports", []):
        typer.echo(f"rebuilt the missing report of a completed seed: {rebuilt}")
    failed = [s for s in result["summaries"] if s.get("status") != "completed"]
    for s in failed:
        typer.echo(f"error: seed {s.get('seed')} {s.get('status')}: {s.get('error')}", err=True)
    if failed:
        raise typer.Exit(1)


def _print_metrics(metrics: dict) -> None:
    from mllab.core.table import number

    for k, v in metrics.items():
        typer.echo(f"{k.replace('_', ' ')}: {number(v, k)}")
