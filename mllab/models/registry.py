"""The model registry: every classical estimator and torch network, by name.

Factory signatures, by the ``kind`` metadata of an entry:

- ``kind="torch"``: ``factory(input_shape, num_classes, **params) -> torch.nn.Module``
  (``input_shape`` is one example's shape, e.g. ``(1, 28, 28)``).
- ``kind="classical"``: ``factory(**params) -> estimator`` following the
  scikit-learn contract (``fit(X, y)``, ``predict``, ``score``).

Modules under ``mllab/models/classical`` and ``mllab/models/nets`` register
themselves when the registry is first read, so adding a file adds its models.

>>> from mllab.models.registry import MODELS
>>> "lenet5" in MODELS  # doctest: +SKIP
True
"""

from __future__ import annotations

import importlib
import pkgutil

from mllab.registry import Registry

FAMILY_PACKAGES = ("mllab.models.classical", "mllab.models.nets")


def _import_families() -> None:
    for package_name in FAMILY_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package_name}.{info.name}")


MODELS = Registry("model", loader=_import_families)
