"""mllab: a laboratory for machine-learning models.

Build, train, compare and look inside models from logistic regression to
LSTMs and VAEs, on the standard small benchmarks, from one config.

The Python API (the same loaders, models and runs as the ``mllab`` command)::

    import mllab
    ds = mllab.load_dataset("digits")
    net = mllab.create_model("lenet5", input_shape=(1, 28, 28), num_classes=10)
    group = mllab.train("demo", overrides=["training.epochs=2"], seeds=1, out="runs")
    run = mllab.load_run(group.runs[0].path)
    labels = run.predict(ds.test.x)

Heavy libraries (torch, sklearn, matplotlib) are imported lazily by the
modules that need them, so ``import mllab`` and ``mllab --help`` stay fast.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "create_model", "load_dataset", "load_run", "train"]


def load_dataset(name: str, **options):
    """A registered dataset by name (``mllab data list``), with its loader's options: a
    :class:`~mllab.data.dataset.Dataset` with ``train`` and ``test`` splits (``x``, ``y``) and ``classes``."""
    from mllab.data import load

    return load(name, **options)


def create_model(name: str, input_shape=None, num_classes=None, **params):
    """A registered model (``mllab models list``): see :func:`mllab.models.registry.create_model`."""
    from mllab.models.registry import create_model as create

    return create(name, input_shape, num_classes, **params)


def load_run(path):
    """A run folder read back, with its trained model: see :func:`mllab.runs.load.load_run`."""
    from mllab.runs.load import load_run as load

    return load(path)


def __getattr__(name: str):
    if name == "train":  # the callable package mllab.train (see its docstring)
        import mllab.train

        return mllab.train
    raise AttributeError(f"module 'mllab' has no attribute {name!r}")
