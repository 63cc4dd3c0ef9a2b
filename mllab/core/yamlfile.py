"""Reading YAML that someone handed us: safe, bounded, and wrong in one line that says where.

Every YAML file mllab reads from a user or a run folder (configs, ``config.yaml``, ``group.yaml``,
``sweep.yaml``) goes through :func:`read_yaml`; a YAML value given on the command line (a ``key=value``
override) through :func:`parse_yaml`. Both build only plain data (dicts, lists, strings, numbers, booleans,
None, dates) and refuse, with a :class:`~mllab.core.errors.ConfigError` of the form
``file:line:column: message``:

- any explicit tag (``!!python/object:...``, ``!foo``, even ``!!str``): nothing read constructs objects;
- more than ``max_nodes`` values once aliases are expanded (a "billion laughs" file is refused after reading
  its few lines, not after expanding them), and an alias to a node that contains it;
- nesting deeper than ``max_depth`` (no ``RecursionError``), a file over ``max_bytes``, text that is not UTF-8;
- values Python cannot hold as read (an integer of thousands of digits, a date with month 13).

>>> parse_yaml("model: {name: lenet5}", "cfg.yaml")
{'model': {'name': 'lenet5'}}
>>> parse_yaml("a: !!python/object:os.system x", "cfg.yaml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mllab.core.errors.ConfigError: cfg.yaml:1:4: explicit YAML tag '!!python/object:os.system' refused: ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from mllab.core.errors import ConfigError

try:  # libyaml's parser (C) when PyYAML has it; the composer below stays Python so it can count and refuse
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

MAX_BYTES = 4 << 20    # the largest packaged YAML is 17 kB; a sweep.yaml of 10 000 trials about 1 MB
MAX_NODES = 100_000    # values after alias expansion; composing costs ~10 us each, so about a second at most
MAX_DEPTH = 64         # configs nest 3-4 levels
MAX_INT_DIGITS = 100   # longer integers are not settings (and sexagesimal '1:2:3:...' ones cost quadratic time)
_PYTHON_ERRORS = (ValueError, OverflowError, TypeError, KeyError, IndexError)


class _Refused(yaml.MarkedYAMLError):
    """What the bounded loader refuses, at the mark where it saw it."""

    def __init__(self, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)


class _BoundedLoader(Composer, _Parser, SafeConstructor, Resolver):
    """PyYAML's safe loader with a composer that refuses tags, cycles, deep nesting and alias bombs."""

    def __init__(self, text: str, max_nodes: int, max_depth: int):
        _Parser.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.max_nodes, self.max_depth = max_nodes, max_depth
        self.depth, self.events, self.open_anchors, self.weight = 0, 0, set(), {}

    def compose_node(self, parent, index):
        event = self.peek_event()
        self.events += 1  # bounds the time: a wide list is refused before it is all read
        if self.events > self.max_nodes:
            raise _Refused(f"more than {self.max_nodes} values", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise _Refused(f"alias *{event.anchor} refers to a node that contains it", event.start_mark)
            return super().compose_node(parent, index)  # a node already counted: its weight is known
        if getattr(event, "tag", None) not in (None, "!"):  # '!' is the non-specific tag of a quoted scalar
            raise _Refused(f"explicit YAML tag {_short_tag(event.tag)!r} refused: mllab reads plain data only; "
                           f"remove the tag", event.start_mark)
        if self.depth >= self.max_depth:
            raise _Refused(f"nested deeper than {self.max_depth} levels", event.start_mark)
        anchor = getattr(event, "anchor", None)
        self.depth += 1
        self.open_anchors.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
            self.open_anchors.discard(anchor)
        self._count(node, event.start_mark)
        return node

    def _count(self, node, mark) -> None:
        """The node's size with every alias expanded, from its children's (each is counted once)."""
        if isinstance(node, yaml.ScalarNode):
            size = 1
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self.weight[id(child)] for child in node.value)
        else:
            size = 1 + sum(self.weight[id(k)] + self.weight[id(v)] for k, v in node.value)
        if size > self.max_nodes:
            raise _Refused(f"more than {self.max_nodes} values once aliases are expanded (an alias bomb?)", mark)
        self.weight[id(node)] = size

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except _PYTHON_ERRORS as err:  # e.g. a date with month 13 matches the timestamp pattern
            raise _Refused(f"value {_shorten(str(node.value))!r} cannot be read: {err}", node.start_mark) from None

    def construct_yaml_int(self, node):
        if len(node.value) > MAX_INT_DIGITS:
            raise _Refused(f"integer of {len(node.value)} characters (at most {MAX_INT_DIGITS})", node.start_mark)
        return super().construct_yaml_int(node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def parse_yaml(text: str, source: str = "<text>", *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> Any:
    """The plain data of one YAML document (``None`` for an empty one); a :class:`ConfigError`
    ``source:line:column: ...`` for anything unsafe, unbounded or malformed."""
    _check_encodable(text, source)
    loader = _BoundedLoader(text, max_nodes, max_depth)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        raise ConfigError(_marked_message(source, err)) from None
    except yaml.reader.ReaderError as err:
        raise ConfigError(_reader_message(source, text, err)) from None
    except yaml.YAMLError as err:  # pragma: no cover - every PyYAML error with a place is handled above
        raise ConfigError(f"{one_line(source)}: not valid YAML: {one_line(str(err))}") from None
    except RecursionError:  # pragma: no cover - max_depth keeps the composer well inside the stack
        raise ConfigError(f"{one_line(source)}: nested too deeply") from None
    finally:
        loader.dispose()


def packaged_yaml(text: str) -> Any:
    """A YAML file mllab ships itself (recipes' costs, published numbers): read often by listings, never from a
    user, so libyaml's safe loader (about 10x faster than the bounded reader) reads it; still no tags."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_yaml(path: str | Path, *, max_bytes: int = MAX_BYTES, max_nodes: int = MAX_NODES,
              max_depth: int = MAX_DEPTH) -> Any:
    """The plain data of the YAML file ``path`` (``None`` when it is empty), read under the bounds of
    :func:`parse_yaml` and at most ``max_bytes`` long. A missing file is a ``FileNotFoundError``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "c.yaml"); _ = open(p, "w").write("a: [1, 2\\n")
    >>> read_yaml(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mllab.core.errors.ConfigError: ...c.yaml:2:1: not valid YAML: did not find expected ',' or ']' (while ...
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{one_line(str(path))} is a folder, not a YAML file")
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ConfigError(f"{one_line(str(path))}: larger than {max_bytes} bytes; not a file mllab writes or reads")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{one_line(str(path))}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset "
                          f"{err.start}); save it as UTF-8") from None
    return parse_yaml(text, str(path), max_nodes=max_nodes, max_depth=max_depth)


def _marked_message(source: str, err: yaml.MarkedYAMLError) -> str:
    mark = err.problem_mark or err.context_mark
    where = f"{one_line(source)}:{mark.line + 1}:{mark.column + 1}" if mark else one_line(source)
    if isinstance(err, _Refused):
        return f"{where}: {one_line(err.problem)}"
    context = ""
    if err.context and err.context_mark and err.context_mark is not mark:
        context = f" ({err.context} at {err.context_mark.line + 1}:{err.context_mark.column + 1})"
    elif err.context:
        context = f" ({err.context})"
    return f"{where}: not valid YAML: {one_line((err.problem or '') + context)}"


def _check_encodable(text: str, source: str) -> None:
    """Refuse text holding a byte that was not UTF-8 (a lone surrogate: how Python decodes such a byte in a
    command-line argument), which the YAML parser cannot take."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        before = text[:err.start]
        line, column = before.count("\n") + 1, err.start - (before.rfind("\n") + 1) + 1
        raise ConfigError(f"{one_line(source)}:{line}:{column}: not UTF-8 text (U+{ord(text[err.start]):04X}, a "
                          "lone surrogate: a byte that is no UTF-8 character); write it in UTF-8") from None


def _reader_message(source: str, text: str, err: yaml.reader.ReaderError) -> str:
    """A character YAML does not allow (a control character): its line and column, and what it is."""
    before = text[:err.position]
    line, column = before.count("\n") + 1, err.position - (before.rfind("\n") + 1) + 1
    char = err.character if isinstance(err.character, str) else chr(err.character)
    return (f"{one_line(source)}:{line}:{column}: not valid YAML: character {char!r} (U+{ord(char):04X}) is not "
            f"allowed in YAML text; remove it or write it as an escape in a double-quoted string")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line: control characters escaped, at most ``limit`` characters kept."""
    text = _shorten(str(text), limit)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
