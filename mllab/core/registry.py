"""One small registry mechanism for every kind of named thing in mllab.

Datasets, models and recipes each have one :class:`Registry`; the CLI's
choices, the docs tables and the test parametrization all read from it, so a
thing is usable and tested the moment it is registered.

>>> colours = Registry("colour")
>>> @colours.register("red", hue=0)
... def make_red():
...     return (255, 0, 0)
>>> colours.get("red")()
(255, 0, 0)
>>> colours.names("r*")
['red']
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from mllab.core.errors import ConfigError, UnknownNameError

LISTED = 12  # up to this many registered names an unknown-name error lists them all; above, their number


@dataclass(frozen=True)
class Entry:
    """A registered factory with its metadata (kind, description, ...)."""

    name: str
    factory: Callable[..., Any]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def doc(self) -> str:
        """First line of the factory's docstring, for listings."""
        text = (self.factory.__doc__ or "").strip()
        return text.splitlines()[0] if text else ""


class Registry:
    """Name -> factory map. Duplicate names raise; lookups name the choices."""

    def __init__(self, kind: str, loader: Callable[[], None] | None = None, listing: str | None = None):
        """``loader`` imports the modules that register entries (on first read); ``listing`` is the command
        that lists the names (named in an unknown-name error)."""
        self.kind, self.listing = kind, listing
        self._entries: dict[str, Entry] = {}
        self._loader = loader  # imports the modules that register entries
        self._loaded = loader is None

    def register(self, name: str | None = None, **meta: Any) -> Callable:
        """Decorator: register ``factory`` under ``name`` (default: its __name__)."""

        def decorate(factory: Callable) -> Callable:
            self.add(name or factory.__name__, factory, **meta)
            return factory

        return decorate

    def add(self, name: str, factory: Callable, **meta: Any) -> None:
        if name in self._entries:
            raise ValueError(
                f"{self.kind} {name!r} is already registered "
                f"(by {self._entries[name].factory.__module__}); pick another name"
            )
        self._entries[name] = Entry(name, factory, dict(meta))

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._loader()

    def entry(self, name: str) -> Entry:
        self._ensure_loaded()
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.unknown(name)) from None

    def unknown(self, name: str) -> str:
        """The message for a name not registered: every name when there are few, else their number; and the
        closest ones (:func:`did_you_mean`)."""
        names = self.names()
        if len(names) <= LISTED:
            return f"unknown {self.kind} {name!r}; registered: {', '.join(names) or '(none)'}{did_you_mean(name, names)}"
        where = f": '{self.listing}' shows them" if self.listing else ""
        return f"unknown {self.kind} {name!r}{did_you_mean(name, names)} ({len(names)} registered{where})"

    def get(self, name: str) -> Callable[..., Any]:
        return self.entry(name).factory

    def names(self, pattern: str = "*", **meta: Any) -> list[str]:
        """Sorted names matching a glob ``pattern`` and the given metadata values."""
        self._ensure_loaded()
        return sorted(
            n
            for n, e in self._entries.items()
            if fnmatch.fnmatchcase(n, pattern) and all(e.meta.get(k) == v for k, v in meta.items())
        )

    def __contains__(self, name: str) -> bool:
        self._ensure_loaded()
        return name in self._entries

    def __iter__(self) -> Iterator[Entry]:
        self._ensure_loaded()
        return iter(self._entries[n] for n in self.names())

    def __len__(self) -> int:
        self._ensure_loaded()
        return len(self._entries)


def did_you_mean(name: object, choices: Iterable[str], n: int = 3, prefix: str = "") -> str:
    """``"; did you mean epochs?"`` naming the up to ``n`` choices closest to ``name`` (difflib), each shown after
    ``prefix``, else ``""``: the one suggestion every unknown name gets (registered names, config keys and values).

    >>> did_you_mean("epoch", ["epochs", "batch_size", "loss"], prefix="training.")
    '; did you mean training.epochs?'
    >>> did_you_mean("adm", ["adam", "adamw", "sgd"]), did_you_mean("zzz", ["adam"])
    ('; did you mean adam or adamw?', '')
    """
    close = [prefix + c for c in difflib.get_close_matches(str(name), [str(c) for c in choices], n=n, cutoff=0.6)]
    if not close:
        return ""
    return f"; did you mean {' or '.join(close) if len(close) < 3 else ', '.join(close[:-1]) + ' or ' + close[-1]}?"


def check_params(kind: str, name: str, factory: Callable, params: dict[str, Any],
                 reserved: tuple[str, ...] = ("input_shape", "num_classes")) -> None:
    """Reject ``params`` that ``factory`` does not take, naming the allowed ones (``reserved`` are filled in
    by the caller, not by the user)."""
    sig = inspect.signature(factory)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    allowed = [p for p in sig.parameters if p not in reserved]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ConfigError(f"model.params: {kind} {name!r} takes no parameter {unknown}; allowed: {allowed}"
                          f"{did_you_mean(unknown[0], allowed, prefix='model.params.')}")
