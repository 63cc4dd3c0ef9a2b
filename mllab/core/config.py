"""The config mechanism every section uses: strict sections, ``key=value`` overrides, readable errors.

A section is a strict pydantic model (unknown keys and wrong types are errors
naming the key path and what is allowed); a name field takes its allowed
values from a registry (:func:`registered`), never from a second list. The
sections themselves live with the package they configure (``data.config``,
``models.config``, ``train.config``); ``runs.config`` composes them.

>>> parse_override("training.epochs=5")
(['training', 'epochs'], 5)
>>> flatten({"a": {"b": 1}, "c": 2})
{'a.b': 1, 'c': 2}
"""

from __future__ import annotations

from typing import Any, Callable

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from mllab.core.errors import ConfigError


class Section(BaseModel):
    """A config section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def registered(registry: Callable[[], Any], *extra: str) -> AfterValidator:
    """A validator accepting the names of ``registry()`` (called on first use, so importing a config
    section does not import what registers the names) and the ``extra`` names."""

    def check(name: str) -> str:
        reg = registry()
        if name not in extra and name not in reg:
            raise ValueError(f"unknown {reg.kind} {name!r}; choose one of {', '.join([*extra, *reg.names()])}")
        return name

    return AfterValidator(check)


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (the keys ``key=value`` overrides use)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        out.update(flatten(v, key + ".") if isinstance(v, dict) and v else {key: v})
    return out


def parse_override(item: str) -> tuple[list[str], Any]:
    """``"training.epochs=5"`` -> ``(["training", "epochs"], 5)``; values are parsed as YAML."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {item!r}: expected key=value, e.g. training.epochs=5")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as err:
        raise ConfigError(f"override {item!r}: value is not valid YAML ({err.problem})") from None
    return key.strip().split("."), value


def set_path(tree: dict, path: list[str], value: Any) -> None:
    """``tree[path[0]][path[1]]... = value``, creating sections on the way."""
    node = tree
    for depth, key in enumerate(path[:-1]):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {'.'.join(path)}: {'.'.join(path[:depth + 1])} is a value, not a section")
        node = child
    node[path[-1]] = value


def validate(model: type[BaseModel], tree: dict[str, Any]) -> BaseModel:
    """``model.model_validate(tree)``, with a :class:`ConfigError` naming every bad key path on failure."""
    try:
        return model.model_validate(tree)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, model)) from None


def format_validation_error(err: ValidationError, root: type[BaseModel]) -> str:
    lines = ["invalid config:"]
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            allowed = ", ".join(_allowed_keys(root, e["loc"][:-1]))
            lines.append(f"  {path}: unknown key; allowed here: {allowed}")
        else:
            lines.append(f"  {path}: {e['msg']} (found {e.get('input')!r})")
    return "\n".join(lines)


def _allowed_keys(root: type[BaseModel], loc: tuple) -> list[str]:
    model = root
    for key in loc:
        field = model.model_fields.get(str(key))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def deep_copy(tree: Any) -> Any:
    """A copy of nested dicts and lists (values shared)."""
    if isinstance(tree, dict):
        return {k: deep_copy(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [deep_copy(v) for v in tree]
    return tree
