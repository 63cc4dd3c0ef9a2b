"""Measure what one seed of every packaged recipe costs on this machine; write mllab/recipes/costs.yaml.

Network recipes (torch and NumPy engines): the recipe's own data, model, batch size and loss; ``STEPS``
training steps after one warm-up step and ``EVAL_ROWS`` evaluated rows, timed as this process's CPU time at
one thread; the seed's cost is epochs x (steps per epoch x step time + validation rows x row time) + test
rows x row time (``method: steps``, an estimate: it leaves out data loading and checkpoints). Classical
recipes: one fit on the recipe's training data, the test predictions and the training score, as the
classical backend runs them (``method: fit``); past ``FIT_LIMIT`` seconds of wall time, the same on 1/16
and 1/8 (or 1/64 and 1/32) of the training rows scaled to all of them (``method: scaled``, an estimate).
Recipes whose data (and stand-ins) are absent are left out.

Every row is timed with the allocator every mllab process trains with
(:func:`mllab.core.allocator.keep_memory`). ``--method steps`` re-times only the rows the table holds with that
method (after a change of the per-step cost).

``--rescale BEFORE.yaml AFTER.yaml`` re-times the packaged step-timed rows by a change measured in pairs rather
than by absolute times: two tables of the same recipes timed minutes apart (e.g. with ``MLLAB_MALLOC=system`` and
without, order alternating), each row's training steps and evaluation rows scaled by their own ratio, the epochs
taken from the recipe as it is now. For a loaded machine, whose absolute CPU times are inflated by other jobs
while a ratio measured in pairs is not.

Recipes with a recorded run: ``--runs NAME=GROUP [...]`` takes the median CPU time of the group's completed
seeds as the recipe's cost (``method: run``, with the thread count the seeds ran with); an estimate never
replaces such a row.

    OMP_NUM_THREADS=1 MLLAB_DATA=... python bench/recipe_costs.py [PATTERN] [--method steps|fit|scaled]
    python bench/recipe_costs.py --runs best_mnist=runs/best_mnist/20261130-...
    python bench/recipe_costs.py --rescale /tmp/costs-system.yaml /tmp/costs-mllab.yaml
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from mllab.core.errors import MllabError
from mllab.data.verify import is_present
from mllab.experiments.backends.torch_backend import takes_tokens, task_for, to_tensors
from mllab.experiments.features import REQUIRED, prepare_data
from mllab.experiments.recipes import RECIPES, config_for
from mllab.experiments.stand_in import apply_stand_in
from mllab.runs.rundir import environment
from mllab.runs.spec import spec_for

STEPS, EVAL_ROWS, FIT_LIMIT = 4, 512, 120
COMMAND = ("OMP_NUM_THREADS=1 python bench/recipe_costs.py [PATTERN] (steps, fit); "
           "python bench/recipe_costs.py --runs NAME=GROUP (run)")
OUT = Path(__file__).resolve().parent.parent / "mllab" / "recipes" / "costs.yaml"


def cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def torch_cost(cfg, splits, spec) -> dict:
    from mllab.training.trainer import Trainer

    model = spec.build()
    bs = cfg.training.batch_size
    train = to_tensors(splits.train.take(np.arange(min(len(splits.train), bs * (STEPS + 1)))), "cpu")
    trainer = Trainer(model, cfg, task_for(cfg, splits.dataset.num_classes), None, quiet=True,
                      tokens=takes_tokens(cfg))
    from mllab.training.optim import build_optimizer
    from mllab.training.schedules import build_scheduler

    trainer.optimizer = build_optimizer(model, cfg.optimizer)
    trainer.scheduler = build_scheduler(trainer.optimizer, cfg.schedule, 1, STEPS + 1)
    trainer.penalized, trainer.generator = [], torch.Generator().manual_seed(0)
    batches = [(train.x[i:i + bs], train.y[i:i + bs]) for i in range(0, len(train), bs)]
    trainer.step(*batches[0])  # warm-up
    step = cpu(lambda: [trainer.step(x, y) for x, y in batches[1:]]) / max(1, len(batches) - 1)
    test = to_tensors(splits.test.take(np.arange(min(len(splits.test), EVAL_ROWS))), "cpu")
    row = cpu(lambda: trainer.evaluate(test)) / len(test)
    return totals(cfg, splits, step, row)


def numpy_cost(cfg, splits, spec) -> dict:
    from mllab.experiments.backends.numpy_backend import is_reconstruction, scratch_optimizer
    from mllab.scratch import train as st

    model, bs = spec.build(), cfg.training.batch_size
    n = min(len(splits.train), bs * (STEPS + 1))
    reconstruct = is_reconstruction(cfg)  # an autoencoder's target is its input, as the backend trains it
    x, y = splits.train.x[:n], None if reconstruct else splits.train.y[:n]
    opt, loss = scratch_optimizer(model, cfg), "mse" if reconstruct else cfg.training.loss
    part = lambda a, s: None if a is None else a[s]  # noqa: E731
    st.fit_epoch(model, opt, x[:bs], part(y, slice(bs)), batch_size=bs, rng=np.random.default_rng(0),
                 loss=loss)  # warm-up
    step = cpu(lambda: st.fit_epoch(model, opt, x[bs:], part(y, slice(bs, None)), batch_size=bs,
                                    rng=np.random.default_rng(0), loss=loss)) / max(1, math.ceil((n - bs) / bs))
    rows = min(len(splits.test), EVAL_ROWS)
    test_y = None if reconstruct else splits.test.y[:rows]
    row = cpu(lambda: st.evaluate(model, splits.test.x[:rows], test_y, loss=loss)) / rows
    return totals(cfg, splits, step, row)


def totals(cfg, splits, step: float, row: float) -> dict:
    steps = math.ceil(len(splits.train) / cfg.training.batch_size)
    val = len(splits.val) if splits.val is not None else 0
    seconds = cfg.training.epochs * (steps * step + val * row) + len(splits.test) * row
    return {"cpu_seconds": round(seconds, 1), "method": "steps", "step_seconds": round(step, 5),
            "steps_per_epoch": steps, "epochs": cfg.training.epochs}


def classical_cost(cfg, splits, spec) -> dict:
    """One seed as the classical backend runs it: fit, predict the test split, score the rows fitted.

    A run longer than ``FIT_LIMIT`` seconds is estimated instead (``method: scaled``): the same run on 1/16
    and 1/8 of the rows it fits (all, or its ``train_subset``; 1/64 and 1/32 when those take too long too),
    extrapolated to all of them through the two times (:func:`extrapolate`)."""
    try:
        return {"cpu_seconds": round(timed_run(spec, splits, len(splits.train)), 1), "method": "fit"}
    except TimeoutError:
        pass
    n = min(len(splits.train), (spec.params or {}).get("train_subset") or len(splits.train))  # rows it fits
    for parts in (16, 64):
        sizes = (n // parts, 2 * n // parts)
        try:
            small, large = (timed_run(spec, splits, m) for m in sizes)
        except TimeoutError:
            continue
        seconds, how = extrapolate(sizes, (small, large), n)
        return {"cpu_seconds": round(seconds, 1), "method": "scaled",
                "note": f"runs on {sizes[0]} and {sizes[1]} rows ({small:.1f} s, {large:.1f} s) scaled {how}"}
    return {"cpu_seconds": None, "method": "fit", "note": f"> {FIT_LIMIT // 60} min on 1/32 of the rows (stopped)"}


def extrapolate(sizes: tuple[int, int], seconds: tuple[float, float], rows: int) -> tuple[float, str]:
    """Seconds at ``rows`` from the seconds at two smaller ``sizes``: the power law through them when the time
    grows at least in proportion to the rows (exponent at most 3), else a fixed cost plus a cost per row (a
    fixed part, such as the test predictions or a covariance of the features, dominates).

    >>> extrapolate((100, 200), (1.0, 4.0), 800)
    (64.0, 'as rows^2.00')
    >>> extrapolate((100, 200), (10.0, 11.0), 1000)
    (19.0, 'linearly (9.0 s + 0.01 s per row)')
    """
    (n1, n2), (t1, t2) = sizes, seconds
    power = math.log(max(t2, 1e-3) / max(t1, 1e-3)) / math.log(n2 / n1)
    if power >= 1:
        power = min(power, 3.0)
        return t2 * (rows / n2) ** power, f"as rows^{power:.2f}"
    per_row = max(t2 - t1, 0.0) / (n2 - n1)
    fixed = t2 - per_row * n2
    return fixed + per_row * rows, f"linearly ({fixed:.1f} s + {per_row:.2g} s per row)"


def timed_run(spec, splits, rows: int) -> float:
    """CPU seconds of fit on the first ``rows`` training rows, test predictions and training score, in a child
    process; TimeoutError (child killed) past ``FIT_LIMIT`` seconds of wall time. A child, because a fit in
    compiled code (libsvm) does not return to Python for a signal to stop it."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_run_and_send, args=(spec, splits, rows, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(FIT_LIMIT):
            raise TimeoutError
        outcome, value = receive.recv()
        if outcome == "error":
            raise RuntimeError(f"the fit on {rows} rows failed: {value}")
        return value
    except EOFError:  # the child died without a word (killed, out of memory)
        raise RuntimeError(f"the fit on {rows} rows ended its process (exit code {child.exitcode})") from None
    finally:
        child.kill()
        child.join()


def _run_and_send(spec, splits, rows: int, send) -> None:
    model = spec.build()
    flat = lambda x: x.reshape(len(x), -1)  # noqa: E731
    x, y = flat(splits.train.x[:rows]), splits.train.y[:rows]

    def run():
        model.fit(x, y)
        if hasattr(model, "predict") and not hasattr(model, "reconstruction_psnr"):
            model.predict(flat(splits.test.x))
            fitted = getattr(model, "train_index_", slice(None))
            model.score(x[fitted], y[fitted])

    try:
        send.send(("ok", cpu(run)))
    except Exception as err:  # noqa: BLE001 - reported to the parent, which says the recipe was not measured
        send.send(("error", f"{type(err).__name__}: {err}"))


# datasets absent here, timed on random arrays of their official shape: (train rows, test rows, image, classes)
SYNTHETIC = {"cifar10": (50_000, 10_000, (3, 32, 32), 10), "svhn": (73_257, 26_032, (3, 32, 32), 10),
             "nist36": (10_800, 1_800, (1, 32, 32), 36)}


def synthetic_shape(cfg) -> tuple:
    """SYNTHETIC's row for the recipe's dataset; Flowers-102's size and rows follow the recipe's options
    (official splits: 1 020 train, 1 020 val, 6 149 test; images resized to ``size`` a side)."""
    if cfg.data.name == "flowers102":
        options = cfg.data.options or {}
        train = 2_040 if options.get("train_split") == "train+val" else 1_020
        size = options.get("size", 64)
        return train, 6_149, (3, size, size), 102
    return SYNTHETIC[cfg.data.name]


def stand_in_weights(cfg, folder: Path) -> list[str]:
    """Overrides giving a model that asks for a pretrained weights file (squeezenet1_1 with a frozen backbone)
    a file of the same architecture with random weights: the same computation, so the same cost."""
    params = cfg.model.params or {}
    if cfg.model.name != "squeezenet1_1" or params.get("weights") or not params.get("freeze_backbone"):
        return []
    from mllab.models.nets.squeezenet import file_sha256, squeezenet1_1

    path = folder / "squeezenet1_1-random.pth"
    torch.save(squeezenet1_1((3, 64, 64), 1000).state_dict(), path)
    return [f"model.params.weights={path}", f"model.params.weights_sha256={file_sha256(path)}"]


def synthetic_splits(cfg):
    """Random uint8 images of the dataset's official shape and size, through the recipe's own transforms."""
    from mllab.data.dataset import Dataset, Split
    from mllab.data.splits import Splits
    from mllab.data.subsets import train_val_split
    from mllab.data.transforms import apply_transforms

    n_train, n_test, shape, k = synthetic_shape(cfg)
    rng = np.random.default_rng(0)
    split = lambda n: Split(rng.integers(0, 256, (n, *shape), dtype=np.uint8), np.arange(n) % k)  # noqa: E731
    ds = apply_transforms(Dataset(cfg.data.name, split(n_train), split(n_test), tuple(map(str, range(k)))),
                          cfg.data.transforms)
    train, val = (train_val_split(ds.train, cfg.data.val_fraction, 0) if cfg.data.val_fraction else (ds.train, None))
    return Splits(ds, train, val, ds.test)


def measure(name: str) -> dict | None:
    with tempfile.TemporaryDirectory() as folder:
        cfg = config_for(name, ["training.threads=1"])
        if cfg.data.features_from == REQUIRED:
            return {"cpu_seconds": None, "method": "fit", "dataset": cfg.data.name,
                    "note": "a network run's cost + a fit on its features (data.features_from)"}
        return measure_config(config_for(name, ["training.threads=1", *stand_in_weights(cfg, Path(folder))]))


def measure_config(cfg) -> dict:
    synthetic = cfg.data.name in (*SYNTHETIC, "flowers102") and not is_present(cfg.data.name)
    cfg = cfg if synthetic else apply_stand_in(cfg)
    splits = synthetic_splits(cfg) if synthetic else prepare_data(cfg.data)
    spec = spec_for(cfg, splits.train.x.shape[1:], splits.dataset.num_classes, splits.dataset.info)
    cost = {"torch": torch_cost, "numpy": numpy_cost, "classical": classical_cost}[spec.engine](cfg, splits, spec)
    return {**cost, "dataset": cfg.data.name + (" (random arrays of its shape: absent here)" if synthetic else "")}


def from_runs(pairs: list[str]) -> None:
    """Record each ``NAME=GROUP``'s measured cost: the median CPU seconds of its completed seeds."""
    table = yaml.safe_load(OUT.read_text()) if OUT.is_file() else {}
    for pair in pairs:
        name, group = pair.split("=", 1)
        done = [s for s in (json.loads(p.read_text()) for p in sorted(Path(group).glob("seed*/summary.json")))
                if s.get("status") == "completed" and s.get("cpu_seconds")]
        if not done:
            sys.exit(f"{group}: no completed seed with a recorded cpu_seconds")
        cfg = config_for(name)
        table.setdefault("recipes", {})[name] = {
            "cpu_seconds": round(statistics.median(s["cpu_seconds"] for s in done), 1), "method": "run",
            "seeds": len(done), "threads": sorted({s.get("threads") for s in done}), "epochs": cfg.training.epochs,
            "dataset": cfg.data.name, "group": str(Path(group).name)}
        print(f"{name:34s} {table['recipes'][name]}", flush=True)
    OUT.write_text(yaml.safe_dump(table, sort_keys=True))


def rescale(before: Path, after: Path, out: Path = OUT) -> None:
    """Scale each packaged ``steps`` row that both tables timed by ``after`` / ``before`` (steps and evaluation
    separately), for the epochs its recipe has now."""
    table = yaml.safe_load(out.read_text())
    old_rows, new_rows = (yaml.safe_load(p.read_text())["recipes"] for p in (before, after))
    for name, row in table["recipes"].items():
        pair = old_rows.get(name, {}), new_rows.get(name, {})
        if row.get("method") != "steps" or not all(r.get("step_seconds") and r.get("cpu_seconds") for r in pair):
            continue
        step_ratio = pair[1]["step_seconds"] / pair[0]["step_seconds"]
        eval_ratio = evaluation_seconds(pair[1]) / max(evaluation_seconds(pair[0]), 1e-9)
        epochs = config_for(name).training.epochs
        step = row["step_seconds"] * step_ratio
        seconds = epochs * row["steps_per_epoch"] * step + evaluation_seconds(row) * eval_ratio
        row.update(cpu_seconds=round(seconds, 1), step_seconds=round(step, 5), epochs=epochs,
                   note=f"rescaled: steps x {step_ratio:.2f}, evaluation x {eval_ratio:.2f} (paired, {after.name} / "
                        f"{before.name})")
        print(f"{name:34s} {row}", flush=True)
    out.write_text(yaml.safe_dump(table, sort_keys=True))


def evaluation_seconds(row: dict) -> float:
    """The part of a ``steps`` row's seconds that is not training steps (validation and test rows)."""
    return max(row["cpu_seconds"] - row["epochs"] * row["steps_per_epoch"] * row["step_seconds"], 0.0)


def main(pattern: str = "*", method: str | None = None, out: Path = OUT) -> None:
    from mllab.core.allocator import keep_memory

    keep_memory()  # as mllab trains: freed memory kept, no page faulted in again each step (issue 31)
    torch.set_num_threads(1)
    table = yaml.safe_load(out.read_text()) if out.is_file() else {}
    env = environment()
    table["machine"] = f"{env['processor']} ({env['cpu_count']} cpus), torch {env.get('torch')}, 1 thread"
    table["command"] = COMMAND
    recipes = table.setdefault("recipes", {})
    for name in RECIPES.names(pattern):
        if method and recipes.get(name, {}).get("method") != method:
            continue
        if recipes.get(name, {}).get("method") == "run":  # a recorded run outranks an estimate
            print(f"{name:34s} kept: measured from run group {recipes[name].get('group')} (--runs replaces it)")
            continue
        try:
            recipes[name] = measure(name)
        except MllabError as err:  # data absent here
            print(f"{name:34s} skipped: {str(err).splitlines()[0][:90]}", flush=True)
            continue
        except (ValueError, RuntimeError) as err:  # a recipe that cannot run on random arrays: say so, go on
            recipes[name] = {"cpu_seconds": None, "method": "steps", "note": f"not measured ({type(err).__name__})",
                             "epochs": config_for(name).training.epochs}
            print(f"{name:34s} failed: {str(err).splitlines()[0][:120]}", flush=True)
        print(f"{name:34s} {recipes[name]}", flush=True)
        out.write_text(yaml.safe_dump(table, sort_keys=True))  # after every recipe: a partial run keeps its rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pattern", nargs="?", default="*", help="glob over recipe names")
    parser.add_argument("--method", choices=("steps", "fit", "scaled"), help="re-time only the rows measured so")
    parser.add_argument("--runs", nargs="+", metavar="NAME=GROUP", help="record the median cost of run groups")
    parser.add_argument("--rescale", nargs=2, type=Path, metavar=("BEFORE", "AFTER"),
                        help="scale the step-timed rows by AFTER / BEFORE, two tables timed in pairs")
    parser.add_argument("--out", type=Path, default=OUT, help="the table to update (default: the packaged one)")
    opts = parser.parse_args()
    if opts.runs:
        from_runs(opts.runs)
    elif opts.rescale:
        rescale(*opts.rescale, opts.out)
    else:
        main(opts.pattern, opts.method, opts.out)
