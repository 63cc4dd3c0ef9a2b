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

from mllab.core.exports import passthrough

__version__ = "0.1.0"
__all__ = ["__version__", "create_model", "load_dataset", "load_run", "train"]


# The API's functions, each the implementing function itself (signature, docstring), imported on first use so
# that ``import mllab`` and ``mllab --help`` stay fast: ``mllab.train`` *is* :func:`mllab.experiments.api.train`.
__getattr__, __dir__ = passthrough(globals(), {
    "load_dataset": "mllab.data:load",
    "create_model": "mllab.models.registry",
    "load_run": "mllab.runs.load",
    "train": "mllab.experiments.api",
})
