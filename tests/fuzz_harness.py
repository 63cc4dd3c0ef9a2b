"""bench/fuzz.py (the reader registry and the child-process harness) loaded once per process as ``bench_fuzz``,
for the tests that use it: tests/fuzz and tests/data/test_data_untrusted.py."""

import importlib.util
import sys
from pathlib import Path

FUZZ_PATH = Path(__file__).resolve().parents[1] / "bench" / "fuzz.py"


def load_fuzz():
    if "bench_fuzz" in sys.modules:
        return sys.modules["bench_fuzz"]
    spec = importlib.util.spec_from_file_location("bench_fuzz", FUZZ_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module
