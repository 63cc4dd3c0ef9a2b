"""Names that become folder names (experiments, groups, settings): one check, used where a config is validated
and again where a path is joined, so no name can lead a write outside the runs root.

>>> folder_name("s003_lenet_mnist", "experiment")
's003_lenet_mnist'
>>> folder_name("../../x", "experiment")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mllab.core.errors.ConfigError: experiment '../../x': not one folder name (a path); give a plain name such as ...
>>> str(under("runs", "demo", "20250101-lenet5-ab12"))
'runs/demo/20250101-lenet5-ab12'
"""

from __future__ import annotations

from pathlib import Path

from mllab.core.errors import ConfigError

MAX_NAME = 200  # bytes: a folder name of most file systems holds 255, and a group adds a stamp to a model name


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be one folder name inside the runs root, or ``None`` when it can."""
    if not isinstance(name, str) or not name.strip():
        return "empty or blank" if isinstance(name, str) else f"not text ({type(name).__name__})"
    if name in (".", ".."):
        return "a relative path"
    if "/" in name or "\\" in name:
        return "a path"
    if any(not c.isprintable() for c in name):
        return "control characters"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME:
        return f"longer than {MAX_NAME} bytes"
    return None


NAME_RULE = "give a plain name such as my_study (no '/', '\\', '..' or control characters)"


def folder_name(name: str, what: str) -> str:
    """``name`` when it is one safe folder name; else a :class:`ConfigError` naming ``what`` it is for."""
    problem = name_problem(name)
    if problem is None:
        return name
    shown = repr(name if not isinstance(name, str) or len(name) <= 80 else name[:80] + "...")
    raise ConfigError(f"{what} {shown}: not one folder name ({problem}); {NAME_RULE}")


def under(root: str | Path, *names: str) -> Path:
    """``root / names[0] / names[1] ...``, each name checked by :func:`folder_name` (so the result stays under
    ``root``)."""
    path = Path(root)
    for name in names:
        path = path / folder_name(name, "folder name")
    return path
