"""What the CLI commands do (kept apart from ``main.py`` so ``--help`` imports nothing heavy).

User errors (bad config, missing data, unknown names) are printed as one
clear message with exit status 2, not a traceback.
"""

from __future__ import annotations

import json
import signal
from contextlib import contextmanager
from pathlib import Path

import typer

from mllab.cli.errors import fail, user_errors


def do_train(target: str, overrides: list[str], seeds: int | None, out: Path | None, quiet: bool,
             jobs: int = 1) -> None:
    from mllab.experiments.recipes import config_for
    from mllab.experiments.runner import run_group

    started: list[Path] = []
    with user_errors(), stopped_says_what_next(started):
        cfg = config_for(target, overrides + ([f"seeds={seeds}"] if seeds else []))
        result = run_group(cfg, root=out, quiet=quiet, jobs=jobs, announce=started.append)
    print_group(result)


@contextmanager
def stopped_says_what_next(started: list[Path]):
    """Ctrl-C or SIGTERM while training, or a disk that refuses a write: one line that says what happened to
    ``started[-1]`` (the group or run being trained) and the command that resumes it."""
    from mllab.core.files import StorageError

    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    except KeyboardInterrupt:
        typer.echo(interrupted_text(started[-1] if started else None), err=True)
        raise typer.Exit(130) from None
    except StorageError as err:
        target = started[-1] if started else None
        if err.says_what_to_do:
            fail(str(err))
        if target is None or not Path(target).exists():
            fail(f"{err}" + ("; nothing was kept: train again once it can be written" if target else ""))
        fail(f"{err}; finished epochs are kept: free space (or make it writable), then resume with: "
             f"mllab train --resume {target}")
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted_text(target: Path | None) -> str:
    """What an interruption left of ``target``: nothing, a complete record, or epochs to resume."""
    from mllab.runs.group import is_group
    from mllab.runs.liveness import read_summary_quietly

    if target is None:
        return "interrupted (nothing was written yet)"
    target = Path(target)
    runs = sorted(p.parent for p in target.glob("seed*/summary.json")) if is_group(target) else [target]
    done = bool(runs) and all((read_summary_quietly(r / "summary.json") or {}).get("status") == "completed"
                              and (r / "report.html").is_file() for r in runs)
    if done and (not is_group(target) or (target / "aggregate.json").is_file()):
        return f"interrupted after {target} was complete (its summary and report are written); nothing to resume"
    if done:
        return (f"interrupted after every run of {target} completed (each has its report), before the group's "
                f"table: write it with: mllab train --resume {target}")
    return f"interrupted; finished epochs are kept. Resume with: mllab train --resume {target}"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def print_group(result: dict) -> None:
    from mllab.runs.published import published_text
    table = result["table"]
    for metric in ("val_accuracy", "test_loss", "test_psnr", "test_accuracy"):  # the headline number last
        if metric in table:
            t = table[metric]
            spread = f" (std {t['std']:.4f}, max {t['max']:.4f}, {t['n']} seeds)" if t["n"] > 1 else ""
            typer.echo(f"{metric.replace('_', ' ')}: {t['mean']:.4f}{spread}")
    if result.get("stands_in_for"):
        typer.echo(f"dataset: {result['dataset']}, standing in for {result['stands_in_for']} (whose files are absent)")
    for row in result["published_vs_measured"]:
        ours = row["measured"]
        typer.echo(f"  {row['id']} ({row['model']} on {row['dataset']}): published "
                   f"{published_text(row['published'], row.get('published_std'))}, this {result['model']} on {result['dataset']} "
                   f"{'-' if not ours else format(ours['mean'], '.4f')}")
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
    for k, v in summary.get("final", {}).items():
        typer.echo(f"{k.replace('_', ' ')}: {v:.4f}")
    if (run.path / "report.html").is_file():
        typer.echo(f"report: {run.path / 'report.html'}")


def do_eval(run_path: Path, overrides: list[str], checkpoint: str, trust_pickle: bool = False) -> None:
    from mllab.experiments.evaluate import evaluate_run

    with user_errors():
        metrics = evaluate_run(run_path, overrides, checkpoint, trust_pickle)
    for k, v in metrics.items():
        typer.echo(f"{k.replace('_', ' ')}: {v:.4f}")


def do_data_list() -> None:
    from mllab.data import DATASETS
    from mllab.data.vectors import VECTORS, vectors_found
    from mllab.data.verify import dataset_files, present_files

    for e in DATASETS:
        files = dataset_files(e.name)
        status = "built-in" if not files else ("found" if present_files(e.meta["folders"], files) else "missing")
        typer.echo(f"{e.name:15s} {status:9s} {e.doc}")
    for e in VECTORS:
        typer.echo(f"{e.name:15s} {'found' if vectors_found(e.name) else 'missing':9s} word vectors: {e.doc}")


def do_data_info(name: str) -> None:
    from mllab.data import load

    with user_errors():
        typer.echo(json.dumps(load(name).summary(), indent=2))


def do_data_verify(name: str) -> None:
    from mllab.data.verify import verify

    with user_errors():
        for path, digest, status in verify(name):
            typer.echo(f"{status:10s} {digest}  {path}")
    typer.echo(f"{name}: all files verified")


def do_data_fetch(name: str, source: str | None = None) -> None:
    from mllab.data.fetch import fetch
    from mllab.data.vectors import VECTORS, fetch_vectors

    with user_errors():
        if name in VECTORS:
            typer.echo(f"fetched {fetch_vectors(name, source)}")
            return
        if source:
            fail(f"--source: only word vectors ({', '.join(VECTORS.names())}) have a choice of source; "
                 f"{name} has one home")
        for path in fetch(name):
            typer.echo(f"fetched {path}")


def do_models_list(pattern: str) -> None:
    from fnmatch import fnmatchcase

    from mllab.models.catalog import model_rows  # the registry's rows without importing torch

    for row in model_rows():
        if fnmatchcase(row["name"], pattern):
            typer.echo(f"{row['name']:22s} {row['kind']:10s} {row['task']:12s} {row['doc']}")


def do_recipes_list(pattern: str) -> None:
    from mllab.cli.text import columns
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
    typer.echo(columns(["recipe", "runs/<experiment>", "dataset", "model", "epochs x seeds", "CPU time per seed",
                        "published rows"], rows, right={"epochs x seeds"}))
    machine = cost_table().get("machine")
    typer.echo(f"CPU time: measured on {machine} (~: estimated from timed steps or scaled fits; "
               "bench/recipe_costs.py); 'mllab recipes show NAME' for the published numbers" if machine else
               "CPU time: not measured in this install (bench/recipe_costs.py measures it)")


def do_recipes_show(name: str) -> None:
    from mllab.experiments.recipes import recipe_text

    with user_errors():
        typer.echo(recipe_text(name))  # validated without torch: the names come from the models' catalog


def do_runs_published(root: Path, experiment: str | None, min_seeds: int, latest: bool) -> None:
    from mllab.experiments.published_table import collect, markdown

    with user_errors():
        rows = collect(root, experiment, min_seeds, latest)
    if not rows:
        fail(f"no seed group under {root} refers to published numbers"
             f"{f' in experiment {experiment}' if experiment else ''} with {min_seeds}+ completed seeds")
    typer.echo(markdown(rows), nl=False)


def do_runs_list(root: Path, experiment: str | None, limit: int) -> None:
    from mllab.cli.run_text import resume_hint
    from mllab.runs.index import list_runs
    from mllab.runs.liveness import INTERRUPTED

    db = root / "index.sqlite"
    with user_errors():
        rows = list_runs(db, experiment, limit)  # read-only: a runs folder one cannot write is listed too
    if not rows:
        where = f"{db.resolve()}" + ("" if db.is_file() else " (no such file)")
        typer.echo(f"no runs{f' of experiment {experiment}' if experiment else ''} recorded in {where}; "
                   f"give the runs folder with --root", err=True)
        return
    typer.echo(f"{'started (UTC)':25s}  {'status':11s} {'test acc':>8s}  run id (under {root})")
    for r in rows:
        acc = (r["metrics"] or {}).get("test_accuracy")
        hint = resume_hint(Path(r["path"])) if r["status"] == INTERRUPTED else ""  # one status: index.list_runs
        typer.echo(f"{r['started'] or '-':25s}  {r['status']:11s} {'-' if acc is None else f'{acc:.4f}':>8s}  "
                   f"{r['id']}{f'  ({hint})' if hint else ''}")


def do_runs_show(run_path: Path, root: Path, as_json: bool = False) -> None:
    from mllab.runs.index import find_run
    from mllab.runs.liveness import read_summary_quietly
    from mllab.runs.rundir import not_a_run

    with user_errors():
        if not run_path.exists() and (row := find_run(root / "index.sqlite", str(run_path))):
            run_path = Path(row["path"])  # an id as 'mllab runs list' prints it
    path = run_path / "summary.json"
    summary = read_summary_quietly(path)
    if summary is None:
        if path.is_file():
            fail(f"{path}: not a readable run summary (expected a JSON object under 4 MB): the run folder is "
                 f"damaged; 'mllab train --resume {run_path}' writes it again")
        has_config = (run_path / "config.yaml").is_file()
        fail(f"{run_path}: no summary.json (the run never started)" if has_config else not_a_run(run_path))
    if as_json:
        return typer.echo(json.dumps(summary, indent=2))
    from mllab.cli.run_text import summary_lines

    for line in summary_lines(run_path, summary):
        typer.echo(line)


def do_report(path: Path) -> None:
    """Rebuild a run's or a group's report; anything else is one line of error and nothing is written."""
    from mllab.core.errors import NotARunError
    from mllab.report.group import write_group_report
    from mllab.report.html import write_report
    from mllab.runs.group import is_group
    from mllab.runs.rundir import RunDir, not_a_run

    with user_errors(), unwritable_says_so(path):
        if (path / "sweep.yaml").is_file() or (path / "index.sqlite").is_file():
            return typer.echo(f"report: {rebuild_pages(path)}")
        if (path / "aggregate.json").is_file():
            for seed in sorted(p.parent for p in path.glob("seed*/summary.json")):
                write_report(RunDir(seed))
            return typer.echo(f"report: {write_group_report(path)}")
        if is_group(path):
            raise NotARunError(f"{path} is a seed group without its table (aggregate.json): it was interrupted; "
                               f"finish it with 'mllab train --resume {path}', or report one seed ({path}/seed<k>)")
        if not (path / "summary.json").is_file():
            raise NotARunError(not_a_run(path))
        typer.echo(f"report: {write_report(RunDir(path))}")


@contextmanager
def unwritable_says_so(path: Path):
    """Pages are written beside the files they show: a folder that cannot be written is one line saying so."""
    from mllab.core.files import StorageError, storage_error

    try:
        yield
    except (StorageError, OSError) as err:
        if (unwritable := storage_error(err)) is None:
            raise
        fail(f"{unwritable}; 'mllab report' writes the pages inside the folder it reports on: copy {path} to a "
             f"writable disk and report the copy")


def rebuild_pages(path: Path) -> Path:
    """A sweep folder's pages (every trial, setting and the sweep), or a runs root's ``index.html``."""
    from mllab.report.group import write_group_report
    from mllab.report.html import write_report
    from mllab.report.index_page import write_index
    from mllab.report.sweep import write_sweep_report, write_tables
    from mllab.runs.rundir import RunDir

    if (path / "index.sqlite").is_file():
        return write_index(path)
    for setting in sorted(p.parent for p in path.glob("*/aggregate.json")):
        for seed in sorted(p.parent for p in setting.glob("seed*/summary.json")):
            write_report(RunDir(seed))
        write_group_report(setting)
    write_tables(path)
    return write_sweep_report(path)


def do_data_where() -> None:
    from mllab.data.files import describe_search

    for d in describe_search():
        typer.echo(f"{d.source:14s} {'found  ' if d.exists else 'missing'} {d.path}")
