"""The bounded YAML reader: plain data only, bounded time, memory and depth, errors as file:line:column."""

import time
import tracemalloc

import pytest
import yaml

from mllab.core.errors import ConfigError
from mllab.core.yamlfile import MAX_NODES, parse_yaml, read_yaml


def laughs(levels: int, merge: bool = False) -> str:
    """A "billion laughs" document: each level refers 9 times to the one below (9**levels values)."""
    names = "abcdefghijklmn"[:levels + 1]
    refs = lambda p: ", ".join(["*" + p] * 9)  # noqa: E731
    if merge:
        return "a: &a {x: 1, y: 2}\n" + "".join(f"{c}: &{c} {{<<: [{refs(p)}]}}\n" for p, c in zip(names, names[1:]))
    return "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{refs(p)}]\n" for p, c in zip(names, names[1:]))


def test_plain_yaml_reads_as_safe_load_does():
    text = yaml.safe_dump({"model": {"name": "lenet5", "params": {"widths": [8, 16]}}, "seed": 3, "x": None,
                           "lr": 0.1, "flip": True, "when": "2024-01-01", "phases": {120: 0.5}})
    assert parse_yaml(text, "c.yaml") == yaml.safe_load(text)
    shared = [1, 2]  # safe_dump writes a list it meets twice as an anchor and an alias
    assert parse_yaml(yaml.safe_dump({"a": shared, "b": shared})) == {"a": [1, 2], "b": [1, 2]}
    assert parse_yaml("base: &b {x: 1}\nc: {<<: *b, y: 2}") == {"base": {"x": 1}, "c": {"x": 1, "y": 2}}
    assert parse_yaml("") is None and parse_yaml("# only a comment\n") is None


@pytest.mark.parametrize("text, expected", [
    ("model: {name: lenet5\n", "c.yaml:2:1: not valid YAML: did not find expected ',' or '}' (while parsing a "
                               "flow mapping at 1:8)"),
    ("a: !!python/object/apply:os.system [true]", "c.yaml:1:4: explicit YAML tag '!!python/object/apply:os.system'"),
    ("a: !!str 5", "c.yaml:1:4: explicit YAML tag '!!str'"),
    ("!custom {a: 1}", "c.yaml:1:1: explicit YAML tag '!custom'"),
    ("a: &a [1, *a]", "c.yaml:1:11: alias *a refers to a node that contains it"),
    ("a: *nowhere", "c.yaml:1:4: not valid YAML: found undefined alias"),
    ("a: b\x07c", "c.yaml:1:5: not valid YAML: character '\\x07' (U+0007) is not allowed"),
    ("a: 1\n---\nb: 2", "c.yaml:2:1: not valid YAML: but found another document"),
    ("? [1]\n: 2", "c.yaml:1:3: not valid YAML: found unhashable key"),
    ("a: 2001-13-45", "c.yaml:1:4: value '2001-13-45' cannot be read: month must be in 1..12"),
    ("a: " + "7" * 5000, "c.yaml:1:4: integer of 5000 characters (at most 100)"),
    ("a: 1" + ":1" * 20000, "c.yaml:1:4: integer of 40001 characters"),  # base 60: quadratic time if converted
    ("[" * 1000 + "]" * 1000, "c.yaml:1:65: nested deeper than 64 levels"),
    ("".join(" " * i + f"k{i}:\n" for i in range(1000)), "nested deeper than 64 levels"),
])
def test_what_is_refused_is_one_line_at_its_place(text, expected):
    with pytest.raises(ConfigError) as err:
        parse_yaml(text, "c.yaml")
    assert expected in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("merge", [False, True])
def test_an_alias_bomb_is_refused_before_it_expands(merge):
    tracemalloc.start()
    start = time.perf_counter()
    for levels in (6, 9, 12):  # 9**6 = 531 441 values already over the cap; 9**12 would never end
        with pytest.raises(ConfigError, match="once aliases are expanded"):
            parse_yaml(laughs(levels, merge), "bomb.yaml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - start < 1 and peak < 5e6


def test_a_wide_document_is_refused_after_the_cap_not_at_its_end():
    text = "[" + "0," * MAX_NODES + "0]"
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="wide.yaml:1:2000: more than 1000 values"):
        parse_yaml(text, "wide.yaml", max_nodes=1000)
    assert time.perf_counter() - start < 0.2  # reading all 100 000 would take about a second


def test_a_file_is_read_under_a_size_cap_as_utf8(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("a: " + "x" * 100)
    assert read_yaml(path) == {"a": "x" * 100}
    with pytest.raises(ConfigError, match=r"c.yaml: larger than 50 bytes"):
        read_yaml(path, max_bytes=50)
    path.write_bytes(b"a: \xff\xfe")
    with pytest.raises(ConfigError, match=r"c.yaml: not UTF-8 text \(byte 0xff at offset 3\)"):
        read_yaml(path)
    with pytest.raises(ConfigError, match="is a folder, not a YAML file"):
        read_yaml(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_yaml(tmp_path / "absent.yaml")


def test_a_file_name_with_a_newline_stays_one_line(tmp_path):
    path = tmp_path / "two\nlines.yaml"
    path.write_text("a: [")
    with pytest.raises(ConfigError) as err:
        read_yaml(path)
    assert "two\\nlines.yaml:2:1: not valid YAML" in str(err.value) and "\n" not in str(err.value)
