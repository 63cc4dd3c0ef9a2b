"""Every packaged recipe runs end to end: a short smoke version on a small training subset.

Report 000's SVHN recipes and report 002's NIST36 ones run on their own stand-in (``data.stand_in``)
when their dataset is absent; CIFAR-10 recipes run here on the stand-in below. A recipe whose data is
absent anyway is skipped with that reason; full versions are recorded in bench/RESULTS.md.

`make test` trains one recipe per engine, task and input kind (numpy/torch/classical x classify/reconstruct/...,
images/tokens/sequences: :func:`one_per_kind`); the others are marked ``slow`` and run by `make test-all` (CI).
"""

import hashlib
import os

import numpy as np
import pytest
import torch

from mllab.core.errors import ConfigError
from mllab.data import MissingDataError
from mllab.data.splits import prepare_splits
from mllab.data.verify import is_present
from mllab.experiments.features import REQUIRED
from mllab.experiments.recipes import RECIPES, load_recipe
from mllab.experiments.runner import run_group
from mllab.experiments.stand_in import apply_stand_in
from mllab.models.registry import MODELS
from mllab.runs.config import resolve_config
from mllab.runs.load import load_run

SMOKE = ["training.epochs=1", "seeds=1", "data.train_subset=256", "data.test_subset=200", "output.figures=false"]
# Per-model settings that only shorten a smoke run (the recipes' real values are used by real runs).
SHORTER = {"lasso": ["model.params.max_iter=50"]}
# Generated datasets made small for a smoke run (the full handwritten36 takes minutes to generate).
SMALLER_DATA = {"handwritten36": ["data.options.per_class=10", "data.options.test_per_class=6"]}
# Where a recipe's dataset is absent and the recipe names no stand-in: one for the smoke test only.
STAND_IN = {"cifar10": "fashion_mnist"}
LABEL_TRANSFORMS = ("binary_halves",)  # transforms that change the labels only


def with_test_weights(cfg, tmp_path):
    """A recipe that fine-tunes ImageNet weights gets a random file in torchvision's format (the real one cannot
    be downloaded here); other recipes are returned as they are."""
    params = cfg.model.params
    if cfg.model.name != "squeezenet1_1" or not params.get("freeze_backbone") or params.get("weights"):
        return cfg
    torch.manual_seed(0)
    path = tmp_path / "squeezenet1_1-random.pth"
    torch.save(MODELS.get("squeezenet1_1")((3, 224, 224), 1000).state_dict(), path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return resolve_config(cfg.model_dump(mode="json"),
                          [f"model.params.weights={path}", f"model.params.weights_sha256={sha}"])


def named_vectors(params: dict) -> set[str]:
    """The word-vector sets a model's params name (an ensemble's members' params included)."""
    found = {params["vectors"]} if params.get("vectors") else set()
    return found.union(*(named_vectors(v) for v in params.values() if isinstance(v, dict)))


def with_test_vectors(cfg, tmp_path, monkeypatch):
    """A recipe that reads pretrained word vectors gets a small file in GloVe's text format on its search path
    (the real ones are hundreds of MB; tests/data/test_data_vectors.py tests reading and fetching them)."""
    if "glove6b_100d" not in named_vectors(cfg.model.params):
        return
    rng = np.random.default_rng(0)
    (tmp_path / "vectors" / "glove").mkdir(parents=True)
    lines = [w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=100))
             for w in ("the", "a", "good", "bad", "movie", "film", "not", "funny", "boring", ".")]
    (tmp_path / "vectors" / "glove" / "glove.6B.100d.txt").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("MLLAB_DATA", f"{tmp_path / 'vectors'}:{os.environ.get('MLLAB_DATA', '')}")


def kind_of(tree: dict) -> tuple[str, str, str]:
    """(engine, task, input) of a recipe's model, read from the registry that holds it."""
    from mllab.scratch.models import SCRATCH_MODELS

    model = tree["model"]
    engine = "numpy" if model.get("backend") == "numpy" else "torch"
    meta = (SCRATCH_MODELS if engine == "numpy" else MODELS).entry(model["name"]).meta
    if meta.get("kind") == "classical":
        engine = "classical"
    return engine, meta.get("task", "classify"), meta.get("input", "image")


def one_per_kind() -> set[str]:
    """The recipes `make test` trains: per kind, the first one whose dataset is here (else the first one), and
    the first that fits on a network's features (it refuses without one)."""
    picked: dict = {}
    present: dict[str, bool] = {}
    for name in RECIPES.names():
        tree = load_recipe(name)
        key = "features" if tree.get("data", {}).get("features_from") == REQUIRED else kind_of(tree)
        data = tree["data"]["name"]
        here = present.setdefault(data, is_present(data))
        if key not in picked or (here and not picked[key][1]):
            picked[key] = (name, here)
    return {name for name, _ in picked.values()}


def smoke_params() -> list:
    fast = one_per_kind()
    return [pytest.param(name, marks=() if name in fast else pytest.mark.slow) for name in RECIPES.names()]


@pytest.mark.parametrize("recipe", smoke_params())
def test_recipe_smoke(recipe, tmp_path, monkeypatch):
    tree = load_recipe(recipe)
    cfg = resolve_config(tree, SMOKE + SHORTER.get(tree.get("model", {}).get("name"), [])
                         + SMALLER_DATA.get(tree.get("data", {}).get("name"), []))
    if cfg.data.features_from == REQUIRED:  # fits on a network's features: refuses until given one
        with pytest.raises(ConfigError, match="data.features_from=runs/"):
            run_group(cfg, root=tmp_path, quiet=True)
        assert not any(tmp_path.iterdir())  # nothing written (tests/experiments/test_runner.py fits features)
        return
    if not is_present(cfg.data.name) and cfg.data.name in STAND_IN:
        cfg = resolve_config(cfg.model_dump(mode="json"), [f"data.name={STAND_IN[cfg.data.name]}"])
    try:
        cfg = apply_stand_in(cfg)  # the recipe's own stand-in, where its dataset is absent
    except MissingDataError as err:
        pytest.skip(str(err))
    if not is_present(cfg.data.name):
        pytest.skip(f"{cfg.data.name} files are not on this machine")
    if cfg.data.first_per_class:
        cfg = resolve_config(cfg.model_dump(mode="json"), ["data.train_subset=null"])
    cfg = with_test_weights(cfg, tmp_path)
    with_test_vectors(cfg, tmp_path, monkeypatch)
    try:
        result = run_group(cfg, root=tmp_path, quiet=True)
    except MissingDataError as err:  # pragma: no cover - a dataset found by name but incomplete
        pytest.skip(str(err))
    summary = result["summaries"][0]
    assert summary["status"] == "completed", summary.get("error")
    assert summary["final"], "a completed run records final metrics"
    assert summary["cpu_seconds"] > 0 and summary["threads"] >= 1  # what a recipe costs, with its thread count
    assert summary["wall_seconds"] > 0 and [r["id"] for r in summary["published_values"]] == cfg.published
    if "fit_seconds" not in summary:  # a trained net (torch or NumPy); classical estimators record fit_seconds
        assert summary["params"] > 0 and summary["images_per_s"] > 0
    assert_reloads_and_predicts_as_recorded(cfg, summary["path"])


def assert_reloads_and_predicts_as_recorded(cfg, path):
    """load_run rebuilds the trained model of every engine; a classifier's predict() on the raw test inputs
    gives the predictions the run recorded."""
    run = load_run(path)
    assert run.model() is not None and run.metrics and run.summary["status"] == "completed"
    if not (run.path / "predictions.npz").is_file() or cfg.data.test_transforms or cfg.data.features_from:
        return
    labels_only = [t for t in cfg.data.transforms if t in LABEL_TRANSFORMS]  # they pick the same test rows
    raw = prepare_splits(cfg.data.model_copy(update={"transforms": labels_only})).test  # inputs untransformed
    with np.load(run.path / "predictions.npz") as z:
        np.testing.assert_array_equal(run.predict(raw.x), z["y_pred"])
