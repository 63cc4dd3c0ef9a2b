import pytest

from mllab.core.registry import Registry


def make():
    reg = Registry("widget")
    reg.add("alpha", lambda: 1, kind="a")
    reg.add("beta", lambda: 2, kind="b")
    reg.add("alpine", lambda: 3, kind="a")
    return reg


def test_duplicate_name_raises_and_names_it():
    reg = make()
    with pytest.raises(ValueError, match="widget 'alpha' is already registered"):
        reg.add("alpha", lambda: 0)


def test_names_glob_and_metadata_filter():
    reg = make()
    assert reg.names() == ["alpha", "alpine", "beta"]
    assert reg.names("al*") == ["alpha", "alpine"]
    assert reg.names(kind="a") == ["alpha", "alpine"]
    assert reg.names("*a", kind="b") == ["beta"]


def test_unknown_name_lists_the_registered_ones():
    with pytest.raises(KeyError, match="unknown widget 'gamma'; registered: alpha, alpine, beta"):
        make().get("gamma")


def test_decorator_registers_under_function_name_and_loader_runs_once():
    calls = []
    reg = Registry("thing", loader=lambda: calls.append(1))

    @reg.register()
    def spanner():
        """A tool.

        More text."""

    assert reg.entry("spanner").doc == "A tool."
    assert "spanner" in reg and len(reg) == 1 and reg.names() == ["spanner"]
    assert calls == [1]


def test_project_registries_are_populated():
    from mllab.data import DATASETS
    from mllab.experiments.recipes import RECIPES

    assert {"digits", "mnist", "fashion_mnist"} <= set(DATASETS.names())
    assert "demo" in RECIPES.names()
