"""A package's public functions passed through from the modules that implement them, imported on first use.

A package's ``__init__`` names what it offers and where it lives; ``mllab.ocr.read`` then *is*
``mllab.ocr.reader.read`` (its signature, its docstring), never a wrapper restating it, and ``import mllab.ocr``
stays as light as the package's ``__init__``:

    __all__ = ["read"]
    __getattr__, __dir__ = passthrough(globals(), {"read": "mllab.ocr.reader"})

>>> namespace = {"__name__": "demo"}
>>> getattr_, dir_ = passthrough(namespace, {"dumps": "json"})
>>> import json
>>> getattr_("dumps") is json.dumps, "dumps" in namespace, "dumps" in dir_()
(True, True, True)
>>> passthrough({"__name__": "demo"}, {"to_text": "json:dumps"})[0]("to_text") is json.dumps  # another name
True
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def passthrough(namespace: dict[str, Any], origins: dict[str, str]) -> tuple[Callable, Callable]:
    """``__getattr__`` and ``__dir__`` for the package whose ``globals()`` is ``namespace``: ``origins`` maps each
    public name to the module defining it under that name (``"module"``) or under another (``"module:name"``);
    the value is imported on first use and kept."""

    def __getattr__(name: str) -> Any:
        if name not in origins:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        module, _, attribute = origins[name].partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        namespace[name] = value  # looked up once
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(origins))

    return __getattr__, __dir__
