"""mllab: a laboratory for machine-learning models.

Build, train, compare and look inside models from logistic regression to
LSTMs and VAEs, on the standard small benchmarks, from one config.

The Python API (the same loaders, models and runs as the ``mllab`` command):

>>> import mllab
>>> ds = mllab.load_dataset("digits")
>>> ds
Dataset('digits', train=(1347, 1, 8, 8) uint8, test=(450, 1, 8, 8) uint8, 10 classes)
>>> net = mllab.create_model("lenet5", input_shape=(1, 28, 28), num_classes=10)
>>> group = mllab.train("demo", overrides=["training.epochs=1", "data.train_subset=300"], seeds=1, out="runs")
>>> run = mllab.load_run(group.runs[0].path)  # runs/demo/<group>/seed0
>>> labels = run.predict(ds.test.x)
>>> labels.shape, run.score(ds.test.x, ds.test.y) == run.summary["final"]["test_accuracy"]
((450,), True)

Heavy libraries (torch, sklearn, matplotlib) are imported lazily by the
modules that need them, so ``import mllab`` and ``mllab --help`` stay fast.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "create_model", "load_dataset", "load_run", "train"]


# The API's functions, each imported from the module that implements it on first use (so ``import mllab`` and
# ``mllab --help`` stay fast): ``mllab.train`` *is* :func:`mllab.experiments.api.train`, signature and docstring.
_API = {
    "load_dataset": ("mllab.data", "load"),
    "create_model": ("mllab.models.registry", "create_model"),
    "load_run": ("mllab.runs.load", "load_run"),
    "train": ("mllab.experiments.api", "train"),
}


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'mllab' has no attribute {name!r}")
    import importlib

    module, attribute = _API[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # looked up once
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
