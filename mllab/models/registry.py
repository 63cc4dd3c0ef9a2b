"""The model registry: every classical estimator and torch network, by name.

Factory signatures, by the ``kind`` metadata of an entry:

- ``kind="torch"``: ``factory(input_shape, num_classes, **params) -> torch.nn.Module``
  (``input_shape`` is one example's shape, e.g. ``(1, 28, 28)``).
- ``kind="classical"``: ``factory(**params) -> estimator`` following the
  scikit-learn contract (``fit(X, y)``, ``predict``, ``score``).

Modules under ``mllab/models/classical`` and ``mllab/models/nets`` register
themselves when the registry is first read, so adding a file adds its models.

>>> net = create_model("lenet5", input_shape=(1, 28, 28), num_classes=10)
>>> type(net).__name__
'LeNet5'
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

from mllab.core.registry import Registry, check_params

FAMILY_PACKAGES = ("mllab.models.classical", "mllab.models.nets")


def _import_families() -> None:
    for package_name in FAMILY_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package_name}.{info.name}")


MODELS = Registry("model", loader=_import_families, listing="mllab models list")
DATA_TELLS_MODELS = ("vocab_size", "vocab", "known_words")  # what a text dataset tells its models


def told_by_data(name: str, info: dict[str, Any]) -> dict[str, Any]:
    """The entries of a dataset's ``info`` that model ``name`` takes as parameters (a text model's vocabulary).

    >>> sorted(told_by_data("text_cnn", {"vocab_size": 9, "known_words": None, "files": []}))
    ['vocab_size']
    """
    takes = inspect.signature(MODELS.get(name)).parameters
    return {k: info[k] for k in DATA_TELLS_MODELS if info.get(k) is not None and k in takes}


def create_model(name: str, input_shape: tuple[int, ...] | None = None, num_classes: int | None = None,
                 **params: Any):
    """The registered model ``name`` built with ``params``: a torch ``nn.Module`` for one example of
    ``input_shape`` (e.g. ``(1, 28, 28)``) and ``num_classes`` outputs, or an unfitted classical estimator
    (which takes neither). Unknown params are a :class:`~mllab.core.errors.ConfigError` naming the allowed ones.
    """
    entry = MODELS.entry(name)
    check_params("model", name, entry.factory, params)
    if entry.meta.get("kind") == "classical":
        return entry.factory(**params)
    if input_shape is None or num_classes is None:
        takes = [p for p in inspect.signature(entry.factory).parameters if p in ("input_shape", "num_classes")]
        raise TypeError(f"create_model({name!r}): a {entry.meta.get('kind')} network needs {' and '.join(takes)}, "
                        f"e.g. create_model({name!r}, input_shape=(1, 28, 28), num_classes=10)")
    return entry.factory(tuple(input_shape), num_classes, **params)
