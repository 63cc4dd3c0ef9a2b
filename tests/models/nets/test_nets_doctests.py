"""The examples in the network modules' docstrings run and give what they show."""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import mllab.models.nets

MODULES = sorted(
    name for name in (f"mllab.models.nets.{m.name}" for m in pkgutil.iter_modules(mllab.models.nets.__path__))
    if ">>>" in inspect.getsource(importlib.import_module(name))
)


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
