"""The examples in the classical modules' docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import mllab.core.metrics
import mllab.models.classical

MODULES = ["mllab.core.metrics"] + sorted(
    f"mllab.models.classical.{m.name}" for m in pkgutil.iter_modules(mllab.models.classical.__path__)
    if not m.name.startswith("_")
)


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
