"""The examples in the scratch engine's docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import mllab.scratch

MODULES = sorted(f"mllab.scratch.{m.name}" for m in pkgutil.iter_modules(mllab.scratch.__path__))


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
