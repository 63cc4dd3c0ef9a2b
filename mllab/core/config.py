"""The config mechanism every section uses: strict sections, ``key=value`` overrides, readable errors.

A section is a strict pydantic model (unknown keys and wrong types are errors
naming the key path and what is allowed); a name field takes its allowed
values from a registry (:func:`registered`), never from a second list. The
sections themselves live with the package they configure (``data.config``,
``models.config``, ``training.config``); ``runs.config`` composes them. A key
that is provenance, not a setting (``recipe``, ``seed``, ``output.root``) is
marked once where it is declared (:func:`not_a_setting`), and every place that
leaves such keys out reads them from there (:func:`not_settings`).

>>> parse_override("training.epochs=5")
(['training', 'epochs'], 5)
>>> flatten({"a": {"b": 1}, "c": 2})
{'a.b': 1, 'c': 2}
>>> class Output(Section):
...     seed: int = not_a_setting(REPLICATE, 0)
...     root: str = not_a_setting(MACHINE, "runs")
...     figures: bool = True
>>> not_settings(Output), not_settings(Output, roles=(MACHINE,), prefix="output.")
(('seed', 'root'), ('output.root',))
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticUndefined

from mllab.core.errors import ConfigError
from mllab.core.names import NAME_RULE, name_problem
from mllab.core.registry import did_you_mean
from mllab.core.yamlfile import one_line, parse_yaml

MAX_KEY_DEPTH = 16  # sections nest 3-4 levels; model.params may hold a few more

# Why a key is not a setting of the experiment (the mark :func:`not_a_setting` puts on a field):
RECORD = "record"        # said about the run, computes nothing: where it came from (recipe, overrides), its text
MACHINE = "machine"      # where and how fast it runs (output folder, threads): not what it computes
REPLICATE = "replicate"  # which of a setting's seeds: changes the numbers, not the setting
ROLES = (RECORD, MACHINE, REPLICATE)


class Section(BaseModel):
    """A config section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def not_a_setting(role: str, default: Any = PydanticUndefined, **field: Any) -> Any:
    """``Field(default, **field)`` marked as provenance, not a setting, for the reason ``role`` (one of
    :data:`ROLES`): a sweep's trial id, the legend of ``mllab runs compare`` and a recipe's drift leave it out."""
    if role not in ROLES:
        raise ValueError(f"not_a_setting: role {role!r}; expected one of {', '.join(ROLES)}")
    return Field(default, json_schema_extra={"not_a_setting": role}, **field)


def not_settings(model: type[BaseModel], roles: tuple[str, ...] = ROLES, prefix: str = "") -> tuple[str, ...]:
    """The dotted keys of ``model`` (its sections walked) marked :func:`not_a_setting` for one of ``roles``."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if extra.get("not_a_setting") in roles:
            keys.append(prefix + name)
        elif isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            keys += not_settings(field.annotation, roles, f"{prefix}{name}.")
    return tuple(keys)


def registered(registry: Callable[[], Any], *extra: str) -> AfterValidator:
    """A validator accepting the names of ``registry()`` (called on first use, so importing a config
    section does not import what registers the names) and the ``extra`` names."""

    def check(name: str) -> str:
        reg = registry()
        if name not in extra and name not in reg:
            choices = [*extra, *reg.names()]
            raise ValueError(f"unknown {reg.kind} {name!r}; choose one of {', '.join(choices)}"
                             f"{did_you_mean(name, choices)}")
        return name

    return AfterValidator(check)


def folder_named() -> AfterValidator:
    """A validator accepting a name that can be one folder under the runs root (:mod:`mllab.core.names`):
    an experiment, or a model whose name goes into its group's folder name."""

    def check(name: str) -> str:
        problem = name_problem(name)
        if problem:
            raise ValueError(f"not one folder name ({problem}); {NAME_RULE}")
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
    """``"training.epochs=5"`` -> ``(["training", "epochs"], 5)``; values are parsed as YAML (bounded, no tags:
    :func:`~mllab.core.yamlfile.parse_yaml`)."""
    key, sep, raw = item.partition("=")
    shown = repr(item if len(item) <= 80 else item[:80] + "...")
    if not sep or not key.strip():
        raise ConfigError(f"override {shown}: expected key=value, e.g. training.epochs=5")
    path = key.strip().split(".")
    if any(not part or not part.isprintable() for part in path) or len(path) > MAX_KEY_DEPTH:
        raise ConfigError(f"override {shown}: the key must be dot-separated names of printable characters, at most "
                          f"{MAX_KEY_DEPTH} deep, e.g. training.epochs=5")
    value = parse_yaml(raw, f"override {shown}, value") if raw.strip() else ""
    return path, value


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
    """One line: ``invalid config: a.b: what is wrong | c: ...``, each bad key path with the expected and
    found value (an unknown key: the keys allowed there, and the closest one as a whole key path)."""
    problems = []
    for e in err.errors():
        path = one_line(".".join(str(p) for p in e["loc"]), 120)
        if e["type"] == "extra_forbidden":
            allowed, section = _allowed_keys(root, e["loc"][:-1]), "".join(f"{k}." for k in e["loc"][:-1])
            problems.append(f"{path}: unknown key; allowed here: {', '.join(allowed)}"
                            f"{did_you_mean(e['loc'][-1], allowed, prefix=section)}")
        else:
            problems.append(f"{path}: {one_line(e['msg'])} (found {one_line(repr(e.get('input')), 120)})")
    return "invalid config: " + " | ".join(problems)


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
