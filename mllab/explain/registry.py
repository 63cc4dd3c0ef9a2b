"""``EXPLAINERS``: every explanation method by name (``mllab explain --help`` lists them).

Metadata ``kind``: ``attribution`` (a map per input, :func:`mllab.explain.attribute`) or ``embedding``
(2-D points per example from a layer's features, :func:`mllab.explain.embed`); ``layer=True`` when the
method works at a chosen layer (Grad-CAM).
"""

from __future__ import annotations

import importlib

from mllab.core.registry import Registry

METHOD_MODULES = ("mllab.explain.attribution", "mllab.explain.embedding")


def _import_methods() -> None:
    for name in METHOD_MODULES:
        importlib.import_module(name)


EXPLAINERS = Registry("explainer", loader=_import_methods, listing="mllab explain --help")
