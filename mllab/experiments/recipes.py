"""Recipes: packaged YAML configs in ``mllab/recipes/``, registered by file name.

A recipe may start from another with ``extends: other_recipe``; nested
sections are merged key by key, so a study's settings differ from a base in
a few lines (report 003's five settings of one table). A recipe that names
another model than its base does not inherit the base's ``model.params``
(parameters belong to a model).

>>> sorted(RECIPES.names("demo"))
['demo']
"""

from __future__ import annotations

import copy
import functools
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from mllab.core.errors import ConfigError
from mllab.core.registry import Registry
from mllab.core.yamlfile import parse_yaml, read_yaml

log = logging.getLogger(__name__)


NOT_RECIPES = ("published.yaml", "costs.yaml")  # the reports' numbers and the measured costs live beside them


def _recipe_files():
    return sorted(p for p in resources.files("mllab.recipes").iterdir() if p.name.endswith(".yaml")
                  and p.name not in NOT_RECIPES)


def _register_all() -> None:
    for path in _recipe_files():  # names only: a file is parsed when its recipe is first asked for
        RECIPES.add(path.name[:-5], lambda path=path: _recipe_tree(path))


@functools.lru_cache(maxsize=None)
def _parsed_recipe(path) -> Any:
    return parse_yaml(path.read_text(), f"mllab/recipes/{path.name}")  # once: a base is read by many recipes


def _recipe_tree(path) -> Any:
    """The mapping of the packaged recipe at ``path``: a copy the caller may change."""
    return copy.deepcopy(_parsed_recipe(path))


RECIPES = Registry("recipe", loader=_register_all, listing="mllab recipes list")


# What a recipe's YAML leaves to RunConfig's defaults, among what 'mllab recipes list' shows: the listing reads
# the YAML alone, without the config schemas (pydantic) or the models (torch, scikit-learn).
# tests/experiments/test_recipe_listing.py keeps these equal to RunConfig's and each row equal to config_for's.
LISTING_DEFAULTS = {"experiment": "default", "seeds": 1, "published": [], "data": {"name": "digits"},
                    "model": {"name": "small_cnn", "backend": "torch"}, "training": {"epochs": 10}}


@dataclass(frozen=True)
class RecipeListing:
    """A recipe as ``mllab recipes list`` shows it."""

    name: str
    experiment: str
    dataset: str
    model: str
    engine: str  # torch, numpy or classical (one fit: no epochs)
    epochs: int
    seeds: int
    published: tuple[str, ...]


def recipe_listing(name: str) -> RecipeListing:
    """What the listing shows of recipe ``name``, read from its YAML (``extends`` resolved) and the models'
    catalog; the same values as its validated config, which 'mllab recipes show' and 'mllab train' build."""
    tree = merge(LISTING_DEFAULTS, load_recipe(name))
    model = tree["model"]
    return RecipeListing(name, tree["experiment"], tree["data"]["name"], model["name"],
                         _engine(model["name"], model["backend"]), tree["training"]["epochs"], tree["seeds"],
                         tuple(tree["published"]))


def _engine(model: str, backend: str) -> str:
    """``mllab.runs.spec.engine_of`` read from the models' catalog (no torch, no scikit-learn): ``numpy`` for
    ``backend: numpy``, else the kind of the registered model (``torch`` or ``classical``)."""
    from mllab.models.catalog import kind_of

    return "numpy" if backend == "numpy" else ("classical" if kind_of(model) == "classical" else "torch")


def recipe_text(name: str) -> str:
    """What ``mllab recipes show NAME`` prints: a commented head (description, where its runs go, epochs x seeds,
    CPU time per seed, the published numbers it reproduces), then the validated config as YAML. Validated in
    full, but without importing torch or scikit-learn: the names it checks come from the models' catalog."""
    from mllab.experiments.costs import cost_text, recipe_cost
    from mllab.runs.published import lookup, published_text

    cfg = config_for(name)
    fitted = _engine(cfg.model.name, cfg.model.backend) == "classical"  # one fit: no epochs
    lines = [f"# {name}: {cfg.description}",
             f"# runs go to runs/{cfg.experiment}/; {'one fit' if fitted else f'{cfg.training.epochs} epochs'} "
             f"x {cfg.seeds} seeds, {cost_text(recipe_cost(name))} per seed"]
    lines += [f"# reproduces {row['id']}: {row['model']} on {row['dataset']}, {row['metric']} "
              f"{published_text(row.get('value'), row.get('std'))}" for row in lookup(cfg.published)]
    return "\n".join(lines) + "\n" + cfg.to_yaml()


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Recursive dict merge; ``over`` wins. Lists and values are replaced, not merged."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def config_for(target: str, overrides: list[str] = ()):
    """The validated config of a recipe name or YAML file with ``key=value`` overrides applied.

    It records where it came from: ``recipe`` (the name, or the file unless the
    file already names one, as a run's config.yaml does) and ``overrides``
    (appended to the file's own, ``seeds=`` left out), so ``mllab train RECIPE
    --seeds N OVERRIDES`` rebuilds the run.
    """
    from mllab.runs.config import resolve_config

    tree = drop_params_of_a_replaced_model(load_recipe(target), overrides)
    tree.setdefault("recipe", target)
    recorded = tree.get("overrides") or []
    if not isinstance(recorded, list) or not all(isinstance(o, str) for o in recorded):
        raise ConfigError(f"{target}: 'overrides' must be a list of key=value texts, found {recorded!r}")
    tree["overrides"] = recorded + [o for o in overrides if not o.startswith("seeds=")]
    return resolve_config(tree, overrides)


def drop_params_of_a_replaced_model(tree: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """``tree`` without its ``model.params`` when an override names another model: parameters belong to a model
    (``model.name=lenet5`` on the demo must not hand lenet5 small_cnn's ``channels``); ``model.params.*``
    overrides, applied after this, are the new model's. Logged, so the user knows what was dropped."""
    from mllab.core.config import parse_override

    names = [value for path, value in map(parse_override, overrides) if path == ["model", "name"]]
    model = _model_section(tree, "config")
    if not names or names[-1] == model.get("name") or not model.get("params"):
        return tree
    log.warning("model.name=%s replaces %s: its params %s are dropped (set model.params.* for %s if needed)",
                names[-1], model.get("name"), sorted(model["params"]), names[-1])
    return {**tree, "model": {k: v for k, v in model.items() if k != "params"}}


def load_recipe(name_or_path: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A recipe name or a YAML file path -> the config mapping with ``extends`` resolved."""
    tree = _read_config(name_or_path)
    parent = tree.pop("extends", None)
    if parent is None:
        return tree
    if not isinstance(parent, str) or not parent.strip():
        raise ConfigError(f"{name_or_path}: 'extends' must name a recipe or a YAML file, found {parent!r} "
                          f"({type(parent).__name__}); e.g. extends: demo")
    if parent in _seen:
        raise ConfigError(f"recipe {name_or_path}: 'extends' cycle through {parent}")
    base = load_recipe(parent, _seen + (name_or_path,))
    new_model = _model_section(tree, name_or_path).get("name")
    if new_model and new_model != _model_section(base, parent).get("name"):
        base = {**base, "model": {k: v for k, v in base.get("model", {}).items() if k != "params"}}
    return merge(base, tree)


def _read_config(name_or_path: str) -> dict[str, Any]:
    """The mapping of a YAML config file, or of a packaged recipe when ``name_or_path`` is no file's name.
    A folder, an empty file and a top level that is not a mapping are refused in one line."""
    path = Path(name_or_path)
    if path.is_dir():
        resume = any((path / f).is_file() for f in ("config.yaml", "group.yaml"))
        raise ConfigError(f"{name_or_path} is a folder, not a config file or a recipe: give a YAML file or a recipe "
                          f"name ('mllab recipes list')" + (f"; to continue this run: mllab train --resume "
                                                            f"{name_or_path}" if resume else ""))
    if name_or_path.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise ConfigError(f"config file {name_or_path} does not exist")
        tree = read_yaml(path)
    else:
        tree = RECIPES.get(name_or_path)()
    if tree is None:
        raise ConfigError(f"{name_or_path} is empty: a config is a YAML mapping, e.g. 'extends: demo' then the "
                          f"keys it changes")
    if not isinstance(tree, dict):
        raise ConfigError(f"{name_or_path}: a config must be a YAML mapping (key: value lines), found a "
                          f"{type(tree).__name__}")
    return tree


def _model_section(tree: dict[str, Any], source: str) -> dict[str, Any]:
    model = tree.get("model") or {}
    if not isinstance(model, dict):
        raise ConfigError(f"{source}: 'model' must be a section (model: {{name: ...}}), found {model!r}")
    return model
