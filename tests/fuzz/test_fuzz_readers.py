"""A few mutated inputs of every reader bench/fuzz.py registers, each in a child process under time and memory
limits: each must return a valid result (the reader's own checks) or raise a MllabError. The long run (1000
per reader) is `python bench/fuzz.py`; this keeps the registry and the readers honest in `make test`."""

import ctypes
import time

import pytest
from tests.fuzz_harness import load_fuzz

PER_READER = 8

fuzz = load_fuzz()


@pytest.mark.parametrize("name", list(fuzz.READERS))
def test_mutated_inputs_end_in_a_valid_result_or_a_project_error(name):
    # fuzz() first reads the reader's valid input in this process: a valid file that fails to read fails here
    results = fuzz.fuzz(name, PER_READER, seed=1, timeout=20.0, memory=1 << 30)
    problems = [f"input {i}: {o.kind}: {o.detail}" for i, (_, o) in enumerate(results) if not o.clean]
    assert not problems, "\n".join(problems)


def _raise_value_error(_):
    raise ValueError("not a project error")


def _segfault(_):
    ctypes.string_at(0)


def _sleep(_):
    time.sleep(30)


def _allocate(_):
    return bytearray(2 << 30)


@pytest.mark.parametrize("read, kind, detail", [(_raise_value_error, "bad", "ValueError: not a project error"),
                                                (_segfault, "crash", "SIGSEGV"), (_sleep, "hang", "over 1 s"),
                                                (_allocate, "bad", "MemoryError")])
def test_the_harness_tells_bad_crash_and_hang_apart(read, kind, detail):
    out = fuzz.run_one(fuzz.Reader("t", lambda: b"", read), b"", timeout=1.0, memory=256 << 20)
    assert out.kind == kind and out.detail.startswith(detail), out


def test_mutations_are_seeded_and_change_the_input():
    r = fuzz.READERS["sst2-tsv"]
    first, again = fuzz.mutated_inputs(r, 20, 3), fuzz.mutated_inputs(r, 20, 3)
    assert first == again and sum(b != r.make() for b in first) >= 19


def test_registering_a_name_twice_raises():
    with pytest.raises(ValueError, match="registered twice"):
        fuzz.reader("sst2-tsv", make=lambda: b"")(lambda blob: None)
