"""The public API passes its functions through: each name in the ``__all__`` of ``mllab``, ``mllab.explain``,
``mllab.ocr``, ``mllab.sweep`` and ``mllab.runs`` is the implementing module's own object (so its signature and
docstring cannot drift from a wrapper's restatement: issue 29 item 8), or a wrapper listed in ``WRAPPERS`` whose
signature is the wrapped function's."""

import importlib
import inspect
import types

import pytest

PUBLIC = ["mllab", "mllab.explain", "mllab.ocr", "mllab.sweep", "mllab.runs"]
WRAPPERS: dict[str, str] = {}  # "package.name" -> "module.function" it wraps, where a wrapper must exist (none now)


def problems(package: types.ModuleType, wrappers: dict[str, str]) -> list[str]:
    """What is wrong with ``package``'s public names: a restating wrapper, a signature that drifted, a name missing."""
    found = []
    for name in package.__all__:
        value = getattr(package, name, None)
        if value is None:
            found.append(f"{package.__name__}.{name}: in __all__ but not there")
            continue
        if not callable(value) or isinstance(value, type) and value.__module__ != package.__name__:
            continue  # constants, registries and classes are passed through as values
        key = f"{package.__name__}.{name}"
        home = inspect.getmodule(value)
        if key in wrappers:
            module, _, function = wrappers[key].rpartition(".")
            wrapped = getattr(importlib.import_module(module), function)
            if inspect.signature(value) != inspect.signature(wrapped):
                found.append(f"{key}{inspect.signature(value)} != {wrappers[key]}{inspect.signature(wrapped)}")
        elif home is package or home is None:
            found.append(f"{key}: defined in {package.__name__} itself (a wrapper); pass the implementation through")
        elif getattr(home, value.__name__, None) is not value:
            found.append(f"{key}: not what {home.__name__} calls {value.__name__}")
    return found


@pytest.mark.parametrize("name", PUBLIC)
def test_public_functions_are_the_implementations_themselves(name):
    package = importlib.import_module(name)
    assert package.__all__, name
    assert problems(package, WRAPPERS) == []


def test_the_check_catches_a_wrapper_that_drops_parameters():
    def implementation(run, layers=None, train_samples=2000):
        return run

    package = types.ModuleType("fake")
    home = types.ModuleType("fake.impl")
    implementation.__module__ = home.__name__
    home.implementation = implementation

    def wrapper(run, layers=None):  # drops train_samples, as mllab.explain.probe once did
        return implementation(run, layers)

    wrapper.__module__ = "fake"
    package.__all__, package.implementation, package.wrapper = ["implementation", "wrapper"], implementation, wrapper
    import sys

    sys.modules["fake"], sys.modules["fake.impl"] = package, home
    try:
        assert problems(package, {}) == ["fake.wrapper: defined in fake itself (a wrapper); pass the implementation "
                                         "through"]
        assert len(problems(package, {"fake.wrapper": "fake.impl.implementation"})) == 1  # the signature drifted
    finally:
        del sys.modules["fake"], sys.modules["fake.impl"]


def test_ocr_read_takes_a_loaded_classifier_and_a_run_folder():
    import mllab.ocr
    from mllab.ocr.reader import read

    assert mllab.ocr.read is read
    assert list(inspect.signature(read).parameters) == ["image", "run", "classifier", "max_pixels"]
